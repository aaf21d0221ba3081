with source as (

    {{ loaded_rows(source('comfortable_school', 'comfortable_school_reports')) }}

),

status_events as (

    select * from {{ ref('stg_comfortable_school__status_events') }}

),

reported as (

    select
        btrim(source.project_id) as project_id,
        btrim(source.name_kk) as name_kk,
        btrim(source.name_ru) as name_ru,
        btrim(source.kato_code) as kato_code,
        left(btrim(source.kato_code), 2) || '0000000' as region_kato_code,
        regexp_replace(source.places, '[\s\u00a0]', '', 'g')::int as places,
        {{ comfortable_school_code('source.funding_source', 'funding') }} as funding_source,
        nullif(btrim(source.target_year), '')::int as target_year,
        {{ comfortable_school_date('source.report_date') }} as report_date,
        source._batch_id as batch_id,
        source._row_number as row_number
    from source

),

latest_report as (

    select
        reported.*,
        row_number() over (
            partition by reported.project_id
            order by reported.report_date desc, reported.batch_id desc, reported.row_number desc
        ) as newest_first
    from reported

),

history as (

    select
        status_events.project_id,
        min(status_events.status_date) filter (where status_events.status = 'planned') as planned_date,
        min(status_events.status_date) filter (where status_events.status = 'under_construction')
            as construction_start_date,
        max(status_events.status_date) filter (where status_events.status = 'finished') as finished_date,
        bool_or(status_events.status = 'delayed') as was_delayed,
        max(status_events.status_date) as latest_status_date,
        max(status_events.report_date) as latest_report_date,
        bool_or(status_events.is_synthetic) as is_synthetic
    from status_events
    group by status_events.project_id

),

current_status as (

    select
        status_events.project_id,
        status_events.status
    from status_events
    inner join history
        on
            status_events.project_id = history.project_id
            and status_events.status_date = history.latest_status_date

),

final as (

    select
        latest_report.project_id,
        latest_report.name_kk,
        latest_report.name_ru,
        latest_report.kato_code,
        latest_report.region_kato_code,
        latest_report.places,
        latest_report.funding_source,
        latest_report.target_year,
        current_status.status as current_status,
        history.latest_status_date,
        history.planned_date,
        history.construction_start_date,
        history.finished_date,
        history.was_delayed,
        history.latest_report_date,
        history.is_synthetic
    from latest_report
    inner join history
        on latest_report.project_id = history.project_id
    inner join current_status
        on latest_report.project_id = current_status.project_id
    where latest_report.newest_first = 1

)

select * from final
