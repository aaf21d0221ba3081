{{ config(alias='claims') }}

with claims as (

    select * from {{ ref('fct_claims') }}

),

final as (

    select
        claims.claim_id::text as claim_id,
        claims.source_document::text as source_document,
        claims.publisher::text as publisher,
        claims.language::text as language,
        claims.published_date::date as published_date,
        claims.published_date_precision::text as published_date_precision,
        claims.kato_code::text as kato_code,
        claims.indicator_code::text as indicator_code,
        claims.period::text as period,
        claims.period_kind::text as period_kind,
        claims.reference_date::date as reference_date,
        claims.value::numeric(24, 4) as value,
        claims.unit::text as unit,
        claims.qualifier::text as qualifier,
        claims.quote::text as quote,
        claims.phrase::text as phrase,
        claims.precision_unit::numeric(24, 4) as precision_unit,
        claims.official_value::numeric(24, 4) as official_value,
        claims.official_period::text as official_period,
        claims.official_as_of_date::date as official_as_of_date,
        claims.official_source::text as official_source,
        claims.official_source_reference::text as official_source_reference,
        claims.official_is_synthetic::boolean as official_is_synthetic,
        claims.difference::numeric(24, 4) as difference,
        claims.difference_percent::numeric(12, 2) as difference_percent,
        claims.status::text as status,
        claims.comparison_rule::text as comparison_rule,
        ('press: ' || coalesce(claims.publisher, 'publisher not named'))::text as source_name,
        (claims.source_document || ': «' || claims.quote || '»')::text as source_reference,
        coalesce(claims.official_is_synthetic, false)::boolean as is_synthetic,
        claims.official_indicator_code::text as official_indicator_code,
        claims.comparison_basis::text as comparison_basis,
        claims.claimed_basis::text as claimed_basis,
        claims.official_basis::text as official_basis,
        claims.article_title::text as article_title,
        claims.article_url::text as article_url
    from claims

)

select * from final
