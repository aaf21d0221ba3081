{#- The reviewed claims registry joined to the numbers extracted from the articles: each claim with
    the number that carries it (the first matching mention in the document). -#}
with registry as (

    select * from {{ ref('press_claims_registry') }}

),

documents as (

    select * from {{ ref('press_documents') }}

),

indicators as (

    select * from {{ ref('indicators') }}

),

numbers as (

    select * from {{ ref('stg_press__numbers') }}

),

candidates as (

    select
        registry.claim_id,
        numbers.mention_id,
        numbers.document_sha256,
        numbers.language,
        numbers.sentence,
        numbers.phrase,
        numbers.qualifier,
        numbers.unit,
        numbers.char_start,
        numbers.char_end,
        row_number() over (partition by registry.claim_id order by numbers.char_start) as match_rank,
        count(*) over (partition by registry.claim_id) as matching_mentions
    from registry
    inner join numbers
        on {{ press_claim_matches('numbers', 'registry') }}

),

first_matches as (

    select * from candidates
    where match_rank = 1

),

final as (

    select
        registry.claim_id,
        registry.source_document,
        coalesce(first_matches.language, documents.language) as language,
        documents.published_date,
        documents.published_date_precision,
        documents.publisher,
        registry.kato_code,
        registry.indicator_code,
        indicators.unit as indicator_unit,
        registry.period,
        registry.period_kind,
        registry.value,
        registry.unit,
        first_matches.qualifier,
        registry.quote,
        first_matches.mention_id is not null as matched,
        first_matches.mention_id,
        first_matches.phrase,
        first_matches.sentence,
        first_matches.char_start,
        first_matches.char_end,
        first_matches.unit as extracted_unit,
        coalesce(first_matches.matching_mentions, 0) as matching_mentions,
        documents.document_sha256 as registered_document_sha256,
        first_matches.document_sha256 as loaded_document_sha256,
        registry.note
    from registry
    left join first_matches
        on registry.claim_id = first_matches.claim_id
    left join documents
        on registry.source_document = documents.document_file
    left join indicators
        on registry.indicator_code = indicators.indicator_code

)

select * from final
