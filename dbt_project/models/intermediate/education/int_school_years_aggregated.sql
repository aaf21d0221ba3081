{#- A table, not a view: four models (transport, free meals, capacity and its official values) and
    its own tests read it, and each read of a view would add up every school-year again (at scale
    10, 152,295 of them: about 2 s a read, measured in `make bench`). -#}
{{ config(materialized='table') }}

{#- NEDB school-years added up by territory: each school-year counts in its district and its region,
    once with the territories as delivered (as published) and once re-based to the territories of
    var('current_borders_date') (exact: every school carries its district's code, mapped through
    int_territory_versions_rebased): the macro territory_placements. -#}
with school_years as (

    select * from {{ ref('int_school_years_rebased') }}

),

placed as (

    select
        territories.kato_code,
        territories.region_kato_code,
        territories.aggregation_level,
        territories.territory_basis,
        case when territories.territory_basis = 'as_published' then 'none' else school_years.rebase_method end
            as rebase_method,
        school_years.academic_year,
        school_years.academic_year_start,
        school_years.calendar_year,
        school_years.reference_date,
        school_years.pupils_total,
        school_years.pupils_grades_1_4,
        school_years.design_capacity,
        school_years.place_shortage,
        school_years.is_overloaded,
        school_years.is_three_shift,
        school_years.shifts,
        school_years.teachers,
        school_years.pupils_free_meals,
        school_years.meal_cost_kzt,
        school_years.pupils_transported,
        school_years.buses_in_service,
        school_years.buses_leased,
        school_years.source_file,
        school_years.source_batch_id,
        school_years.is_synthetic
    from school_years
    {{ territory_placements('school_years') }}

),

final as (

    select
        placed.kato_code,
        placed.academic_year,
        placed.territory_basis,
        placed.aggregation_level,
        placed.region_kato_code,
        min(placed.academic_year_start) as academic_year_start,
        min(placed.calendar_year) as calendar_year,
        min(placed.reference_date) as reference_date,
        string_agg(distinct placed.rebase_method, ', ') as rebase_method,
        count(*) as schools_count,
        sum(placed.pupils_total) as pupils_total,
        sum(placed.pupils_grades_1_4) as pupils_grades_1_4,
        sum(placed.design_capacity) as design_capacity,
        sum(placed.place_shortage) as place_deficit,
        count(*) filter (where placed.is_overloaded) as overloaded_schools,
        count(*) filter (where placed.is_three_shift) as three_shift_schools,
        count(*) filter (where placed.shifts = 2) as two_shift_schools,
        sum(placed.pupils_total) filter (where placed.is_three_shift) as pupils_in_three_shift_schools,
        max(placed.shifts) as shifts_max,
        sum(placed.teachers) as teachers,
        sum(placed.pupils_free_meals) as pupils_free_meals,
        count(*) filter (where placed.pupils_free_meals > 0) as schools_with_free_meals,
        sum(placed.meal_cost_kzt) as meal_cost_kzt,
        sum(placed.pupils_transported) as pupils_transported,
        sum(placed.buses_in_service) as buses_in_service,
        sum(placed.buses_leased) as buses_leased,
        string_agg(distinct placed.source_file, ', ') as source_files,
        max(placed.source_batch_id) as source_batch_id,
        bool_or(placed.is_synthetic) as is_synthetic
    from placed
    group by
        placed.kato_code, placed.academic_year, placed.territory_basis, placed.aggregation_level,
        placed.region_kato_code

)

select * from final
