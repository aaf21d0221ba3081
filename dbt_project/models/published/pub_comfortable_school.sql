{{ config(alias='comfortable_school') }}

with progress as (

    select * from {{ ref('fct_comfortable_school_progress') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        progress.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        progress.aggregation_level::text as aggregation_level,
        progress.region_kato_code::text as region_kato_code,
        progress.year::integer as year,
        progress.as_of_date::date as as_of_date,
        progress.territory_basis::text as territory_basis,
        progress.rebase_method::text as rebase_method,
        progress.projects_registered::integer as projects_registered,
        progress.places_registered::integer as places_registered,
        progress.projects_planned::integer as projects_planned,
        progress.places_planned::integer as places_planned,
        progress.projects_under_construction::integer as projects_under_construction,
        progress.places_under_construction::integer as places_under_construction,
        progress.projects_delayed::integer as projects_delayed,
        progress.projects_under_construction_in_year::integer as projects_under_construction_in_year,
        progress.places_under_construction_in_year::integer as places_under_construction_in_year,
        progress.projects_finished_by_school_year_start::integer as projects_finished_by_school_year_start,
        progress.projects_finished_after_school_year_start::integer as projects_finished_after_school_year_start,
        progress.projects_finished_in_year::integer as projects_finished_in_year,
        progress.places_finished_in_year::integer as places_finished_in_year,
        progress.projects_finished::integer as projects_finished,
        progress.places_finished::integer as places_finished,
        progress.projects_delayed_in_year::integer as projects_delayed_in_year,
        progress.target_schools::integer as target_schools,
        progress.target_places::integer as target_places,
        progress.target_year::integer as target_year,
        progress.places_finished_percent_of_target::numeric(9, 1) as places_finished_percent_of_target,
        {{ provenance_name("progress.source_name", "progress.is_synthetic") }}::text as source_name,
        progress.source_reference::text as source_reference,
        progress.is_synthetic::boolean as is_synthetic
    from progress
    {{ territory_version_join(
        'territories', 'progress.kato_code',
        basis_date('progress.territory_basis', 'progress.as_of_date')
    ) }}

)

select * from final
