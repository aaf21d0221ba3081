{{ config(alias='school_capacity') }}

with capacity as (

    select * from {{ ref('fct_school_capacity') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        capacity.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        capacity.aggregation_level::text as aggregation_level,
        capacity.region_kato_code::text as region_kato_code,
        capacity.academic_year::text as academic_year,
        capacity.calendar_year::integer as calendar_year,
        capacity.territory_basis::text as territory_basis,
        capacity.rebase_method::text as rebase_method,
        capacity.schools_count::integer as schools_count,
        capacity.pupils_total::integer as pupils_total,
        capacity.design_capacity::integer as design_capacity,
        capacity.place_deficit::integer as place_deficit,
        capacity.overloaded_schools::integer as overloaded_schools,
        capacity.two_shift_schools::integer as two_shift_schools,
        capacity.three_shift_schools::integer as three_shift_schools,
        capacity.pupils_in_three_shift_schools::integer as pupils_in_three_shift_schools,
        capacity.shifts_max::integer as shifts_max,
        capacity.utilisation_percent::numeric(9, 1) as utilisation_percent,
        capacity.teachers::integer as teachers,
        {{ provenance_name("capacity.source_name", "capacity.is_synthetic") }}::text as source_name,
        capacity.source_reference::text as source_reference,
        capacity.is_synthetic::boolean as is_synthetic
    from capacity
    {{ territory_version_join(
        'territories', 'capacity.kato_code',
        basis_date('capacity.territory_basis', 'make_date(capacity.calendar_year, 9, 1)')
    ) }}

)

select * from final
