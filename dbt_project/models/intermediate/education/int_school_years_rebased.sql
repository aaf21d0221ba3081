{#- One school in one academic year (NEDB), with the territory as delivered and re-based to the
    territories of var('current_borders_date'), capacity flags and the meals and transport figures. -#}
with school_years as (

    select * from {{ ref('stg_nedb__school_years') }}

),

academic_years as (

    select * from {{ ref('int_academic_years_linked') }}

),

versions as (

    select * from {{ ref('int_territory_versions_rebased') }}

),

final as (

    select
        school_years.bin,
        school_years.academic_year,
        school_years.academic_year_start,
        academic_years.calendar_year,
        academic_years.reference_date,
        school_years.kato_code,
        versions.territory_version_id,
        coalesce(versions.region_kato_code, school_years.region_kato_code) as region_kato_code,
        coalesce(versions.current_kato_code, school_years.kato_code) as current_kato_code,
        coalesce(versions.current_region_kato_code, school_years.region_kato_code) as current_region_kato_code,
        coalesce(versions.rebase_method, 'unknown_territory') as rebase_method,
        coalesce(versions.is_exact, false) as is_exactly_rebased,
        school_years.name_kk,
        school_years.name_ru,
        school_years.ownership,
        school_years.language_of_instruction,
        school_years.design_capacity,
        school_years.pupils_grades_1_4,
        school_years.pupils_grades_5_9,
        school_years.pupils_grades_10_11,
        school_years.pupils_total,
        school_years.shifts,
        school_years.teachers,
        {{ place_shortage('school_years.pupils_total', 'school_years.design_capacity') }} as place_shortage,
        school_years.pupils_total > school_years.design_capacity as is_overloaded,
        school_years.shifts >= 3 as is_three_shift,
        {{ percent_of('school_years.pupils_total', 'school_years.design_capacity', 1) }} as utilisation_percent,
        school_years.pupils_free_meals,
        school_years.meal_cost_kzt,
        school_years.pupils_transported,
        school_years.buses_in_service,
        school_years.buses_leased,
        'NEDB school extract' as source_name,
        school_years.source_file || ' (row ' || school_years.row_number::text || ')' as source_reference,
        school_years.source_file,
        school_years.batch_id as source_batch_id,
        school_years.is_synthetic
    from school_years
    inner join academic_years
        on school_years.academic_year = academic_years.academic_year
    left join versions
        on
            school_years.kato_code = versions.kato_code
            and academic_years.reference_date between versions.valid_from and coalesce(versions.valid_to, 'infinity'::date)

)

select * from final
