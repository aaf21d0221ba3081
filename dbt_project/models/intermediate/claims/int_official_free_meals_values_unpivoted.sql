{#- Official free-meal figures (NEDB: pupils served and eligible, coverage, cost, cost per pupil) by
    territory and academic year, as published, in the long format of int_official_values_unioned. -#}
with free_meals as (

    select * from {{ ref('int_free_meals_measured') }}
    where territory_basis = 'as_published'

),

final as (

    select
        free_meals.kato_code,
        measures.indicator_code,
        free_meals.academic_year as period,
        'academic_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        free_meals.source_name,
        free_meals.source_reference,
        free_meals.is_synthetic
    from free_meals
    cross join
        lateral (
            values
            ('free_meals_pupils', free_meals.pupils_served::numeric),
            ('free_meals_eligible_pupils', free_meals.eligible_pupils::numeric),
            ('free_meals_coverage_percent', free_meals.coverage_percent),
            ('free_meals_cost_kzt', free_meals.meal_cost_kzt),
            ('free_meals_cost_per_pupil_kzt', free_meals.cost_per_pupil_kzt)
        ) as measures (indicator_code, value)

)

select * from final
