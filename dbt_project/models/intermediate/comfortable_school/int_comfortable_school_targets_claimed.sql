{#- The Comfortable School targets of each territory as the press states them (stg_press__claims):
    schools and places, from the latest claim of each (press reports change; every claim stays in
    fct_claims). The target year is the claim's target year, or the end of its range. -#}
with claims as (

    select * from {{ ref('stg_press__claims') }}
    where indicator_code in ('comfortable_school_schools', 'comfortable_school_places')

),

ranked as (

    select
        claims.*,
        case
            when claims.period_kind = 'range' then split_part(claims.period, '-', 2)::int
            when claims.period ~ '^\d{4}$' then claims.period::int
        end as target_year,
        row_number() over (
            partition by claims.kato_code, claims.indicator_code
            order by claims.published_date desc, claims.claim_id desc
        ) as latest_first
    from claims

),

final as (

    select
        kato_code,
        max(value) filter (where indicator_code = 'comfortable_school_schools') as target_schools,
        max(value) filter (where indicator_code = 'comfortable_school_places') as target_places,
        max(target_year) as target_year,
        string_agg(claim_id, ', ' order by claim_id) as target_claim_ids,
        max(published_date) as target_published_date
    from ranked
    where latest_first = 1
    group by kato_code

)

select * from final
