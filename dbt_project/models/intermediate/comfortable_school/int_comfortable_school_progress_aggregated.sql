{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- Comfortable School progress by territory (district and region) and calendar year, against the
    targets the press states: projects and places registered, under construction during the year,
    finished by the start of the school year (1 September), finished in the year and in total
    (cumulative), delayed, and the status at the end of the year (or at the latest report). Each
    registered project counts in its district and its region, as published and in current borders
    (the macro territory_placements). -#}
with project_years as (

    select * from {{ ref('int_comfortable_school_project_years_assessed') }}

),

targets as (

    select * from {{ ref('int_comfortable_school_targets_claimed') }}

),

placed as (

    select
        territories.kato_code,
        territories.region_kato_code,
        territories.aggregation_level,
        territories.territory_basis,
        project_years.as_of_date,
        project_years.year,
        project_years.places,
        project_years.status_at_as_of_date,
        project_years.is_under_construction_in_year,
        project_years.is_finished_by_school_year_start,
        project_years.is_finished_after_school_year_start,
        project_years.is_finished_in_year,
        project_years.is_finished,
        project_years.is_delayed_in_year,
        project_years.source_batch_id,
        project_years.is_synthetic
    from project_years
    {{ territory_placements('project_years') }}
    where project_years.is_registered

),

aggregated as (

    select
        placed.kato_code,
        placed.year,
        placed.territory_basis,
        placed.aggregation_level,
        placed.region_kato_code,
        min(placed.as_of_date) as as_of_date,
        count(*) as projects_registered,
        sum(placed.places) as places_registered,
        count(*) filter (where placed.status_at_as_of_date = 'planned') as projects_planned,
        sum(placed.places) filter (where placed.status_at_as_of_date = 'planned') as places_planned,
        count(*) filter (where placed.status_at_as_of_date = 'under_construction') as projects_under_construction,
        sum(placed.places) filter (where placed.status_at_as_of_date = 'under_construction')
            as places_under_construction,
        count(*) filter (where placed.status_at_as_of_date = 'delayed') as projects_delayed,
        count(*) filter (where placed.is_under_construction_in_year) as projects_under_construction_in_year,
        sum(placed.places) filter (where placed.is_under_construction_in_year) as places_under_construction_in_year,
        count(*) filter (where placed.is_finished_by_school_year_start) as projects_finished_by_school_year_start,
        count(*) filter (where placed.is_finished_after_school_year_start) as projects_finished_after_school_year_start,
        count(*) filter (where placed.is_finished_in_year) as projects_finished_in_year,
        sum(placed.places) filter (where placed.is_finished_in_year) as places_finished_in_year,
        count(*) filter (where placed.is_finished) as projects_finished,
        sum(placed.places) filter (where placed.is_finished) as places_finished,
        count(*) filter (where placed.is_delayed_in_year) as projects_delayed_in_year,
        max(placed.source_batch_id) as source_batch_id,
        bool_or(placed.is_synthetic) as is_synthetic
    from placed
    group by placed.kato_code, placed.year, placed.territory_basis, placed.aggregation_level, placed.region_kato_code

),

final as (

    select
        aggregated.kato_code,
        aggregated.year,
        aggregated.territory_basis,
        case when aggregated.territory_basis = 'as_published' then 'none' else 'unchanged' end as rebase_method,
        aggregated.aggregation_level,
        aggregated.region_kato_code,
        aggregated.as_of_date,
        aggregated.projects_registered,
        aggregated.places_registered,
        aggregated.projects_planned,
        coalesce(aggregated.places_planned, 0) as places_planned,
        aggregated.projects_under_construction,
        coalesce(aggregated.places_under_construction, 0) as places_under_construction,
        aggregated.projects_delayed,
        aggregated.projects_under_construction_in_year,
        coalesce(aggregated.places_under_construction_in_year, 0) as places_under_construction_in_year,
        aggregated.projects_finished_by_school_year_start,
        aggregated.projects_finished_after_school_year_start,
        aggregated.projects_finished_in_year,
        coalesce(aggregated.places_finished_in_year, 0) as places_finished_in_year,
        aggregated.projects_finished,
        coalesce(aggregated.places_finished, 0) as places_finished,
        aggregated.projects_delayed_in_year,
        targets.target_schools::int as target_schools,
        targets.target_places::int as target_places,
        targets.target_year,
        targets.target_claim_ids,
        {{ percent_of('coalesce(aggregated.places_finished, 0)', 'targets.target_places', 1) }}
            as places_finished_percent_of_target,
        'Comfortable School status reports' as source_name,
        'status history of ' || aggregated.projects_registered::text || ' projects (fct_comfortable_school_status_history)'
        || coalesce('; targets: press claims ' || targets.target_claim_ids, '') as source_reference,
        aggregated.source_batch_id,
        aggregated.is_synthetic
    from aggregated
    left join targets
        on
            aggregated.kato_code = targets.kato_code
            and aggregated.aggregation_level = 'region'

)

select * from final
