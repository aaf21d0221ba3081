{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- The status history of every Comfortable School project: one row per status change, with the
    project's attributes, the status before it and the date the next one took effect. -#}
with events as (

    select * from {{ ref('stg_comfortable_school__status_events') }}

),

projects as (

    select * from {{ ref('stg_comfortable_school__projects') }}

),

versions as (

    select * from {{ ref('int_territory_versions_rebased') }}

),

sequenced as (

    select
        events.*,
        lag(events.status) over project_history as previous_status,
        lead(events.status_date) over project_history as next_status_date,
        row_number() over (partition by events.project_id order by events.status_date desc) = 1 as is_latest_status
    from events
    window project_history as (partition by events.project_id order by events.status_date)

),

final as (

    select
        sequenced.project_id || ':' || sequenced.status_date::text as project_status_id,
        sequenced.project_id,
        sequenced.status_date,
        sequenced.status,
        sequenced.previous_status,
        sequenced.next_status_date - 1 as status_valid_to,
        sequenced.is_latest_status,
        projects.kato_code,
        coalesce(versions.region_kato_code, projects.region_kato_code) as region_kato_code,
        coalesce(versions.current_kato_code, projects.kato_code) as current_kato_code,
        coalesce(versions.current_region_kato_code, projects.region_kato_code) as current_region_kato_code,
        projects.name_kk,
        projects.name_ru,
        projects.places,
        projects.funding_source,
        projects.target_year,
        sequenced.status_label,
        sequenced.note,
        sequenced.report_date,
        sequenced.first_reported_date,
        sequenced.times_reported,
        sequenced.report_source,
        'Comfortable School status reports' as source_name,
        sequenced.source_file || ' [' || sequenced.sheet_name || ', row ' || sequenced.row_number::text || ']'
            as source_reference,
        sequenced.batch_id as source_batch_id,
        sequenced.is_synthetic
    from sequenced
    inner join projects
        on sequenced.project_id = projects.project_id
    left join versions
        on
            projects.kato_code = versions.kato_code
            and sequenced.status_date between versions.valid_from and coalesce(versions.valid_to, 'infinity'::date)

)

select * from final
