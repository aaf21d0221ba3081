{#- Every press claim next to the official figure about the same territory, indicator and period,
    with the difference and a verdict (macros/claims.sql, claim_status: the one rule): `confirmed`
    (equal within the precision the claim is written with, or as its qualifier allows), `differs`,
    `different_basis` (a plan claimed, an execution official: both shown with the difference),
    `unverifiable_synthetic` (only a synthetic official figure: no difference is computed), or
    `no_official_figure`. Claims are never merged: each keeps its document, date and language. -#}
with matched as (

    select * from {{ ref('int_claims_matched') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

documents as (

    select * from {{ ref('press_documents') }}

),

measured as (

    select
        matched.*,
        {{ claim_precision_unit('matched.phrase') }} as precision_unit
    from matched

),

final as (

    select
        measured.claim_id,
        measured.source_document,
        measured.language,
        measured.published_date,
        measured.published_date_precision,
        measured.publisher,
        measured.kato_code,
        measured.indicator_code,
        indicators.unit as indicator_unit,
        measured.period,
        measured.period_kind,
        measured.reference_date,
        measured.reference_date_basis,
        measured.value,
        measured.unit,
        measured.qualifier,
        measured.quote,
        measured.phrase,
        measured.sentence,
        measured.matched as is_found_in_text,
        measured.precision_unit,
        measured.official_value_id,
        measured.official_value,
        measured.official_period,
        measured.official_as_of_date,
        measured.official_source,
        measured.official_source_reference,
        measured.official_is_synthetic,
        case when not coalesce(measured.official_is_synthetic, true) then measured.official_value - measured.value end
            as difference,
        case
            when not coalesce(measured.official_is_synthetic, true)
                then {{ percent_of('measured.official_value - measured.value', 'measured.value') }}
        end as difference_percent,
        {{ claim_status(
            'measured.official_value', 'measured.value', 'measured.qualifier', 'measured.precision_unit',
            'measured.official_is_synthetic', 'measured.comparison_basis'
        ) }} as status,
        {{ claim_rule('measured.value', 'measured.qualifier', 'measured.precision_unit') }} as comparison_rule,
        measured.note,
        measured.official_indicator_code,
        measured.comparison_basis,
        measured.claimed_basis,
        measured.official_basis,
        documents.title as article_title,
        documents.url as article_url
    from measured
    left join indicators
        on measured.indicator_code = indicators.indicator_code
    left join documents
        on measured.source_document = documents.document_file

)

select * from final
