{#- Official Comfortable School figures, in the long format of int_official_values_unioned: projects
    due by the year end and delayed in a year (int_comfortable_school_progress_aggregated, as published,
    states on 31 December); the register's programme, projects and places due by each target year
    (cumulative); projects and places under construction and finished as states on each day the
    statuses changed (valid until the next). -#}
with progress as (

    select * from {{ ref('int_comfortable_school_progress_aggregated') }}
    where territory_basis = 'as_published'

),

status_history as (

    select * from {{ ref('int_comfortable_school_statuses_sequenced') }}

),

progress_values as (

    select
        progress.kato_code,
        measures.indicator_code,
        progress.year::text as period,
        'calendar_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        progress.source_name,
        'status history as of ' || progress.as_of_date::text as source_reference,
        progress.is_synthetic
    from progress
    cross join
        lateral (
            values
            ('comfortable_school_schools_due_year_end', progress.projects_finished_after_school_year_start::numeric),
            ('comfortable_school_schools_delayed', progress.projects_delayed_in_year::numeric)
        ) as measures (indicator_code, value)
    where progress.as_of_date = make_date(progress.year, 12, 31)

),

projects as (

    select distinct on (status_history.project_id)
        status_history.project_id,
        status_history.kato_code,
        status_history.region_kato_code,
        status_history.places,
        status_history.target_year,
        status_history.is_synthetic
    from status_history
    order by status_history.project_id asc, status_history.status_date desc

),

project_territories as (

    select
        projects.project_id,
        projects.places,
        projects.target_year,
        projects.is_synthetic,
        territories.kato_code
    from projects
    cross join lateral (
        values (projects.kato_code), (projects.region_kato_code)
    ) as territories (kato_code)

),

target_years as (

    select distinct
        project_territories.kato_code,
        project_territories.target_year
    from project_territories
    where project_territories.target_year is not null

),

target_values as (

    {#- the register's programme: projects (and places) due by each target year, cumulative -#}
    select
        target_years.kato_code,
        measures.indicator_code,
        target_years.target_year::text as period,
        'target_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        'Comfortable School status reports' as source_name,
        'projects with a target year up to ' || target_years.target_year::text as source_reference,
        measures.is_synthetic
    from target_years
    cross join
        lateral (
            select
                count(*)::numeric as schools,
                sum(project_territories.places)::numeric as places,
                bool_or(project_territories.is_synthetic) as is_synthetic
            from project_territories
            where
                project_territories.kato_code = target_years.kato_code
                and project_territories.target_year <= target_years.target_year
        ) as totals
    cross join lateral (
        values
        ('comfortable_school_schools', totals.schools, totals.is_synthetic),
        ('comfortable_school_places', totals.places, totals.is_synthetic)
    ) as measures (indicator_code, value, is_synthetic)

),

change_dates as (

    select distinct status_history.status_date as as_of_date
    from status_history

),

states as (

    select
        territories.kato_code,
        change_dates.as_of_date,
        count(*) filter (where status_history.status in ('under_construction', 'delayed')) as schools_under_construction,
        coalesce(sum(status_history.places) filter (where status_history.status in ('under_construction', 'delayed')), 0)
            as places_under_construction,
        count(*) filter (where status_history.status = 'finished') as schools_finished,
        coalesce(sum(status_history.places) filter (where status_history.status = 'finished'), 0) as places_finished,
        bool_or(status_history.is_synthetic) as is_synthetic
    from change_dates
    inner join status_history
        on change_dates.as_of_date between status_history.status_date and coalesce(status_history.status_valid_to, 'infinity'::date)
    cross join
        lateral (
            values (status_history.kato_code), (status_history.region_kato_code)
        ) as territories (kato_code)
    group by territories.kato_code, change_dates.as_of_date

),

state_values as (

    select
        states.kato_code,
        measures.indicator_code,
        extract(year from states.as_of_date)::text as period,
        'as_of_date' as period_kind,
        states.as_of_date,
        measures.value,
        'Comfortable School status reports' as source_name,
        'status of the projects on ' || states.as_of_date::text as source_reference,
        states.is_synthetic
    from states
    cross join lateral (
        values
        ('comfortable_school_schools_under_construction', states.schools_under_construction::numeric),
        ('comfortable_school_places_under_construction', states.places_under_construction::numeric),
        ('comfortable_school_schools_finished', states.schools_finished::numeric),
        ('comfortable_school_places_finished', states.places_finished::numeric)
    ) as measures (indicator_code, value)

),

final as (

    select * from progress_values
    union all
    select * from target_values
    union all
    select * from state_values

)

select * from final
