{{ config(alias='pupil_transport') }}

with transport as (

    select * from {{ ref('fct_pupil_transport') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        transport.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        transport.aggregation_level::text as aggregation_level,
        transport.region_kato_code::text as region_kato_code,
        transport.year::integer as year,
        transport.academic_year::text as academic_year,
        transport.territory_basis::text as territory_basis,
        transport.rebase_method::text as rebase_method,
        transport.pupils_transported::integer as pupils_transported,
        transport.buses_in_service::integer as buses_in_service,
        transport.buses_leased::integer as buses_leased,
        transport.transport_cost_kzt::numeric(20, 2) as transport_cost_kzt,
        transport.transport_plan_kzt::numeric(20, 2) as transport_plan_kzt,
        transport.is_budget_year_complete::boolean as is_budget_year_complete,
        transport.cost_per_pupil_kzt::numeric(20, 2) as cost_per_pupil_kzt,
        {{ provenance_name("transport.source_name", "transport.is_synthetic") }}::text as source_name,
        transport.source_reference::text as source_reference,
        transport.is_synthetic::boolean as is_synthetic
    from transport
    {{ territory_version_join(
        'territories', 'transport.kato_code',
        basis_date('transport.territory_basis', 'make_date(transport.year, 12, 31)')
    ) }}

)

select * from final
