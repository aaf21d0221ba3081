{#- Every Comfortable School project in every calendar year the register covers: its status on
    1 January, 1 September (the start of the school year) and 31 December (or the date of the latest
    report, for the year in progress), and what happened to it during the year. -#}
with events as (

    select * from {{ ref('int_comfortable_school_statuses_sequenced') }}

),

report_dates as (

    select
        min(status_date) as first_status_date,
        max(report_date) as last_report_date
    from events

),

years as (

    select
        series.year,
        make_date(series.year - 1, 12, 31) as before_year_date,
        case
            when make_date(series.year, 9, 1) <= report_dates.last_report_date then make_date(series.year, 9, 1)
        end as school_year_start_date,
        least(make_date(series.year, 12, 31), report_dates.last_report_date) as as_of_date
    from report_dates
    cross join lateral generate_series(
        extract(year from report_dates.first_status_date)::int, extract(year from report_dates.last_report_date)::int
    ) as series (year)

),

projects as (

    select distinct on (events.project_id)
        events.project_id,
        events.kato_code,
        events.region_kato_code,
        events.current_kato_code,
        events.current_region_kato_code,
        events.places,
        events.funding_source,
        events.target_year
    from events
    order by events.project_id asc, events.status_date desc

),

project_years as (

    select
        projects.*,
        years.year,
        years.before_year_date,
        years.school_year_start_date,
        years.as_of_date
    from projects
    cross join years

),

assessed as (

    select
        project_years.project_id,
        project_years.year,
        (
            select events.status from events
            where events.project_id = project_years.project_id and events.status_date <= project_years.before_year_date
            order by events.status_date desc limit 1
        ) as status_before_year,
        (
            select events.status from events
            where
                events.project_id = project_years.project_id
                and events.status_date <= project_years.school_year_start_date
            order by events.status_date desc limit 1
        ) as status_at_school_year_start,
        (
            select events.status from events
            where events.project_id = project_years.project_id and events.status_date <= project_years.as_of_date
            order by events.status_date desc limit 1
        ) as status_at_as_of_date,
        (
            select min(events.status_date) from events
            where events.project_id = project_years.project_id
        ) as first_status_date,
        (
            select array_agg(distinct events.status) from events
            where
                events.project_id = project_years.project_id
                and extract(year from events.status_date) = project_years.year
                and events.status_date <= project_years.as_of_date
        ) as statuses_in_year,
        (
            select max(events.source_batch_id) from events
            where events.project_id = project_years.project_id and events.status_date <= project_years.as_of_date
        ) as source_batch_id,
        (
            select bool_or(events.is_synthetic) from events
            where events.project_id = project_years.project_id
        ) as is_synthetic
    from project_years

),

final as (

    select
        project_years.project_id || ':' || project_years.year::text as project_year_id,
        project_years.project_id,
        project_years.year,
        project_years.as_of_date,
        project_years.school_year_start_date,
        project_years.kato_code,
        project_years.region_kato_code,
        project_years.current_kato_code,
        project_years.current_region_kato_code,
        project_years.places,
        project_years.funding_source,
        project_years.target_year,
        assessed.status_before_year,
        assessed.status_at_school_year_start,
        assessed.status_at_as_of_date,
        assessed.first_status_date <= project_years.as_of_date as is_registered,
        assessed.status_at_as_of_date = 'finished' as is_finished,
        coalesce('finished' = any(assessed.statuses_in_year), false) as is_finished_in_year,
        coalesce('delayed' = any(assessed.statuses_in_year), false) as is_delayed_in_year,
        coalesce(assessed.status_before_year in ('under_construction', 'delayed'), false)
        or coalesce(assessed.statuses_in_year && array['under_construction', 'delayed'], false)
            as is_under_construction_in_year,
        coalesce(assessed.status_at_school_year_start = 'finished', false) as is_finished_by_school_year_start,
        coalesce(assessed.status_at_school_year_start in ('under_construction', 'delayed'), false)
        and assessed.status_at_as_of_date = 'finished' as is_finished_after_school_year_start,
        assessed.source_batch_id,
        coalesce(assessed.is_synthetic, false) as is_synthetic
    from project_years
    inner join assessed
        on
            project_years.project_id = assessed.project_id
            and project_years.year = assessed.year

)

select * from final
