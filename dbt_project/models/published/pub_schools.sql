{{
    config(
        alias='schools',
        post_hook=["{{ create_index(this, ['kato_code', 'academic_year']) }}"],
    )
}}

with school_years as (

    select * from {{ ref('fct_school_years') }}

),

schools as (

    select * from {{ ref('dim_school') }}

),

final as (

    select
        school_years.bin::text as bin,
        school_years.academic_year::text as academic_year,
        school_years.calendar_year::integer as calendar_year,
        school_years.kato_code::text as kato_code,
        school_years.region_kato_code::text as region_kato_code,
        school_years.current_kato_code::text as current_kato_code,
        school_years.current_region_kato_code::text as current_region_kato_code,
        school_years.rebase_method::text as rebase_method,
        school_years.name_kk::text as name_kk,
        school_years.name_ru::text as name_ru,
        school_years.ownership::text as ownership,
        school_years.language_of_instruction::text as language_of_instruction,
        schools.location_type::text as location_type,
        school_years.design_capacity::integer as design_capacity,
        school_years.pupils_grades_1_4::integer as pupils_grades_1_4,
        school_years.pupils_grades_5_9::integer as pupils_grades_5_9,
        school_years.pupils_grades_10_11::integer as pupils_grades_10_11,
        school_years.pupils_total::integer as pupils_total,
        school_years.shifts::integer as shifts,
        school_years.teachers::integer as teachers,
        school_years.place_shortage::integer as place_shortage,
        school_years.is_overloaded::boolean as is_overloaded,
        school_years.is_three_shift::boolean as is_three_shift,
        school_years.pupils_free_meals::integer as pupils_free_meals,
        school_years.meal_cost_kzt::numeric(20, 2) as meal_cost_kzt,
        school_years.pupils_transported::integer as pupils_transported,
        school_years.buses_in_service::integer as buses_in_service,
        school_years.buses_leased::integer as buses_leased,
        schools.latitude::numeric(9, 6) as latitude,
        schools.longitude::numeric(9, 6) as longitude,
        {{ provenance_name("school_years.source_name", "school_years.is_synthetic") }}::text as source_name,
        school_years.source_reference::text as source_reference,
        school_years.is_synthetic::boolean as is_synthetic
    from school_years
    left join schools
        on school_years.bin = schools.bin

)

select * from final
