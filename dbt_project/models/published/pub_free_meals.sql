{{ config(alias='free_meals') }}

with free_meals as (

    select * from {{ ref('fct_free_meals') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        free_meals.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        free_meals.aggregation_level::text as aggregation_level,
        free_meals.region_kato_code::text as region_kato_code,
        free_meals.academic_year::text as academic_year,
        free_meals.calendar_year::integer as calendar_year,
        free_meals.territory_basis::text as territory_basis,
        free_meals.rebase_method::text as rebase_method,
        free_meals.eligible_pupils::integer as eligible_pupils,
        free_meals.pupils_served::integer as pupils_served,
        free_meals.coverage_percent::numeric(9, 2) as coverage_percent,
        free_meals.meal_cost_kzt::numeric(20, 2) as meal_cost_kzt,
        free_meals.cost_per_pupil_kzt::numeric(20, 2) as cost_per_pupil_kzt,
        free_meals.schools_with_free_meals::integer as schools_with_free_meals,
        free_meals.schools_count::integer as schools_count,
        {{ provenance_name("free_meals.source_name", "free_meals.is_synthetic") }}::text as source_name,
        free_meals.source_reference::text as source_reference,
        free_meals.is_synthetic::boolean as is_synthetic
    from free_meals
    {{ territory_version_join(
        'territories', 'free_meals.kato_code',
        basis_date('free_meals.territory_basis', 'make_date(free_meals.calendar_year, 9, 1)')
    ) }}

)

select * from final
