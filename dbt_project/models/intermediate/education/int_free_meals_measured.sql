{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- Free hot meals of primary pupils by territory and academic year (NEDB), as published and in
    current borders. Coverage = pupils served / pupils of grades 1-4; cost per pupil = cost / pupils served. -#}
with aggregated as (

    select * from {{ ref('int_school_years_aggregated') }}

),

final as (

    select
        kato_code,
        academic_year,
        calendar_year,
        territory_basis,
        rebase_method,
        aggregation_level,
        region_kato_code,
        pupils_grades_1_4 as eligible_pupils,
        pupils_free_meals as pupils_served,
        {{ percent_of('pupils_free_meals', 'pupils_grades_1_4') }} as coverage_percent,
        meal_cost_kzt,
        {{ per_unit('meal_cost_kzt', 'pupils_free_meals') }} as cost_per_pupil_kzt,
        schools_with_free_meals,
        schools_count,
        'NEDB school extract' as source_name,
        source_files as source_reference,
        source_batch_id,
        is_synthetic
    from aggregated

)

select * from final
