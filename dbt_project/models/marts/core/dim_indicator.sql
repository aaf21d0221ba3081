{#- Indicators of claims (seeds/indicators.csv) and of official figures only (seeds/official_indicators.csv). -#}
with claim_indicators as (

    select * from {{ ref('indicators') }}

),

official_indicators as (

    select * from {{ ref('official_indicators') }}

),

unioned as (

    select
        indicator_code,
        label_kk,
        label_ru,
        label_en,
        unit,
        definition,
        'indicators' as defined_in
    from claim_indicators
    union all
    select
        indicator_code,
        label_kk,
        label_ru,
        label_en,
        unit,
        definition,
        'official_indicators' as defined_in
    from official_indicators

),

final as (

    select
        indicator_code,
        label_kk,
        label_ru,
        label_en,
        unit,
        definition,
        defined_in,
        defined_in = 'indicators' as is_claimed_in_press
    from unioned

)

select * from final
