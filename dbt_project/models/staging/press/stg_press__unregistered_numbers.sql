{#- Extracted numbers that no registry claim names: reported, never dropped. Site noise (tickers,
    related headlines, counters, metadata) and calendar numbers (years, dates) are listed too, with
    `block_kind` / `number_kind` saying what they are. -#}
with numbers as (

    select * from {{ ref('stg_press__numbers') }}

),

registry as (

    select * from {{ ref('press_claims_registry') }}

),

registered as (

    select distinct numbers.mention_id
    from numbers
    inner join registry
        on {{ press_claim_matches('numbers', 'registry') }}

),

final as (

    select
        numbers.mention_id,
        numbers.batch_id,
        numbers.document_file,
        numbers.language,
        numbers.block_kind,
        numbers.number_kind,
        numbers.sentence,
        numbers.phrase,
        numbers.value_text,
        numbers.value,
        numbers.unit,
        numbers.qualifier,
        numbers.char_start,
        numbers.char_end,
        numbers.line_number,
        case
            when numbers.block_kind <> 'body' then 'site noise (' || numbers.block_kind || '): never a claim'
            when numbers.number_kind <> 'quantity' then 'a year or date in the article'
            else 'a number in the article with no registry entry: review it'
        end as reason
    from numbers
    left join registered
        on numbers.mention_id = registered.mention_id
    where registered.mention_id is null

)

select * from final
