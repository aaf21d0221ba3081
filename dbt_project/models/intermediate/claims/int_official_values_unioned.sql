{#- Official figures in long format, as published (the territory as it was then), one row per
    territory, indicator, period and source: BNS school counts and the BNS finance bulletin, NEDB
    (pupils, free meals, transport, capacity), open budgets (education budget, pupil transport cost),
    the Ministry of Finance bulletin (education budget executed, and its change on the previous year
    on the same borders) and the Comfortable School register. Figures for a period carry `period` (`2023/24`, `2023`;
    an academic year also its linked calendar year); states on a day (Comfortable School projects
    under construction or finished) carry `as_of_date`, one row from each day the state changed. -#}
with school_counts as (

    select * from {{ ref('fct_school_counts') }}
    where territory_basis = 'as_published' and population_type = 'total' and schools_count is not null

),

free_meals as (

    select * from {{ ref('fct_free_meals') }}
    where territory_basis = 'as_published'

),

capacity as (

    select * from {{ ref('fct_school_capacity') }}
    where territory_basis = 'as_published'

),

transport as (

    select * from {{ ref('fct_pupil_transport') }}
    where territory_basis = 'as_published'

),

budget as (

    select * from {{ ref('fct_education_budget') }}
    where territory_basis = 'as_published'

),

minfin_years as (

    select * from {{ ref('stg_minfin__budget_execution_years') }}
    where item_code = 'EXP.04' and kato_code is not null

),

bulletin as (

    select * from {{ ref('stg_bns__bulletin_values') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

progress as (

    select * from {{ ref('fct_comfortable_school_progress') }}
    where territory_basis = 'as_published'

),

status_history as (

    select * from {{ ref('fct_comfortable_school_status_history') }}

),

academic_values as (

    select
        school_counts.kato_code,
        'schools_count' as indicator_code,
        school_counts.academic_year as period,
        school_counts.schools_count::numeric as value,
        school_counts.source_name,
        school_counts.source_reference,
        school_counts.is_synthetic
    from school_counts
    union all
    select
        free_meals.kato_code,
        measures.indicator_code,
        free_meals.academic_year as period,
        measures.value,
        free_meals.source_name,
        free_meals.source_reference,
        free_meals.is_synthetic
    from free_meals
    cross join
        lateral (
            values
            ('free_meals_pupils', free_meals.pupils_served::numeric),
            ('free_meals_eligible_pupils', free_meals.eligible_pupils::numeric),
            ('free_meals_coverage_percent', free_meals.coverage_percent),
            ('free_meals_cost_kzt', free_meals.meal_cost_kzt),
            ('free_meals_cost_per_pupil_kzt', free_meals.cost_per_pupil_kzt)
        ) as measures (indicator_code, value)
    union all
    select
        capacity.kato_code,
        measures.indicator_code,
        capacity.academic_year as period,
        measures.value,
        capacity.source_name,
        capacity.source_reference,
        capacity.is_synthetic
    from capacity
    cross join
        lateral (
            values
            ('pupils_count', capacity.pupils_total::numeric),
            ('school_place_deficit', capacity.place_deficit::numeric),
            ('overloaded_schools', capacity.overloaded_schools::numeric),
            ('three_shift_schools', capacity.three_shift_schools::numeric),
            ('school_shifts_max', capacity.shifts_max::numeric)
        ) as measures (indicator_code, value)
    union all
    select
        transport.kato_code,
        measures.indicator_code,
        transport.academic_year as period,
        measures.value,
        'NEDB school extract' as source_name,
        transport.source_reference,
        transport.is_synthetic
    from transport
    cross join
        lateral (
            values
            ('pupils_transported', transport.pupils_transported::numeric),
            ('buses_in_service', transport.buses_in_service::numeric),
            ('buses_leased', transport.buses_leased::numeric)
        ) as measures (indicator_code, value)
    where transport.academic_year is not null

),

budget_totals as (

    select
        budget.kato_code,
        budget.year,
        sum(budget.plan_kzt) as plan_kzt,
        sum(budget.executed_kzt) as executed_kzt,
        case when count(budget.previous_plan_kzt) > 0 then sum(budget.plan_kzt) - sum(budget.previous_plan_kzt) end
            as plan_change_kzt,
        bool_and(budget.is_year_complete) as is_year_complete,
        min(budget.source_name) as source_name,
        'functional group 04, ' || count(*)::text || ' programmes, report of month ' || max(budget.last_month)::text
            as source_reference,
        bool_or(budget.is_synthetic) as is_synthetic
    from budget
    group by budget.kato_code, budget.year

),

calendar_values as (

    select
        budget_totals.kato_code,
        measures.indicator_code,
        budget_totals.year::text as period,
        measures.value,
        budget_totals.source_name,
        budget_totals.source_reference,
        budget_totals.is_synthetic
    from budget_totals
    cross join
        lateral (
            values
            ('education_budget_kzt', budget_totals.plan_kzt),
            ('education_budget_change_kzt', budget_totals.plan_change_kzt),
            ('education_budget_executed_kzt', case when budget_totals.is_year_complete then budget_totals.executed_kzt end)
        ) as measures (indicator_code, value)
    union all
    select
        transport.kato_code,
        measures.indicator_code,
        transport.year::text as period,
        measures.value,
        'Open budgets execution report' as source_name,
        transport.source_reference,
        transport.is_synthetic
    from transport
    cross join
        lateral (
            values
            ('pupil_transport_cost_kzt', case when transport.is_budget_year_complete then transport.transport_cost_kzt end),
            (
                'pupil_transport_cost_per_pupil_kzt',
                case when transport.is_budget_year_complete then transport.cost_per_pupil_kzt end
            )
        ) as measures (indicator_code, value)
    where transport.transport_cost_kzt is not null
    union all
    select
        minfin_years.kato_code,
        measures.indicator_code,
        minfin_years.year::text as period,
        measures.value,
        {{ provenance_name("'Ministry of Finance, Statistical Bulletin'", 'minfin_years.is_synthetic') }} as source_name,
        'execution of local budgets, education (04), ' || measures.reference || '; '
        || minfin_years.source_file || ' row ' || minfin_years.row_number::text || '; borders: '
        || minfin_years.borders_note as source_reference,
        minfin_years.is_synthetic
    from minfin_years
    cross join
        lateral (
            values
            (
                'education_budget_executed_kzt', minfin_years.executed_kzt,
                'edition of December ' || minfin_years.year::text
            ),
            (
                'education_budget_executed_change_kzt', minfin_years.executed_change_kzt,
                'December ' || minfin_years.year::text || ' minus December ' || (minfin_years.year - 1)::text
                || ', same borders'
            )
        ) as measures (indicator_code, value, reference)
    union all
    select
        bulletin.kato_code,
        case bulletin.table_code
            when '1.1' then 'education_organisations_current_expenditure_kzt'
            when '1.4' then 'school_organisations_current_expenditure_kzt'
        end as indicator_code,
        bulletin.report_year::text as period,
        bulletin.value_kzt as value,
        'BNS bulletin: finances of education organisations' as source_name,
        bulletin.source_file || ' [' || bulletin.sheet_name || '!' || bulletin.cell_ref || ']' as source_reference,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from bulletin
    left join batches
        on bulletin.batch_id = batches.batch_id
    where
        bulletin.table_kind = 'region'
        and bulletin.table_code in ('1.1', '1.4')
        and {{ normalize_name('bulletin.column_label') }} = 'ағымдағы шығыстар'
        and bulletin.value_kzt is not null
    union all
    select
        progress.kato_code,
        measures.indicator_code,
        progress.year::text as period,
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

academic_years as (

    select * from {{ ref('dim_academic_year') }}

),

unioned as (

    select
        academic_values.kato_code,
        academic_values.indicator_code,
        academic_values.period,
        'academic_year' as period_kind,
        academic_years.calendar_year as linked_calendar_year,
        null::date as as_of_date,
        academic_values.value,
        academic_values.source_name,
        academic_values.source_reference,
        academic_values.is_synthetic
    from academic_values
    inner join academic_years
        on academic_values.period = academic_years.academic_year
    union all
    select
        calendar_values.kato_code,
        calendar_values.indicator_code,
        calendar_values.period,
        'calendar_year' as period_kind,
        calendar_values.period::int as linked_calendar_year,
        null::date as as_of_date,
        calendar_values.value,
        calendar_values.source_name,
        calendar_values.source_reference,
        calendar_values.is_synthetic
    from calendar_values
    union all
    select
        target_values.kato_code,
        target_values.indicator_code,
        target_values.period,
        'target_year' as period_kind,
        target_values.period::int as linked_calendar_year,
        null::date as as_of_date,
        target_values.value,
        target_values.source_name,
        target_values.source_reference,
        target_values.is_synthetic
    from target_values
    union all
    select
        state_values.kato_code,
        state_values.indicator_code,
        state_values.period,
        'as_of_date' as period_kind,
        state_values.period::int as linked_calendar_year,
        state_values.as_of_date,
        state_values.value,
        state_values.source_name,
        state_values.source_reference,
        state_values.is_synthetic
    from state_values

),

final as (

    select
        kato_code || ':' || indicator_code || ':' || period || coalesce(':' || as_of_date::text, '') || ':'
        || source_name as official_value_id,
        kato_code,
        indicator_code,
        period,
        period_kind,
        linked_calendar_year,
        as_of_date,
        value,
        {{ provenance_name('source_name', 'is_synthetic') }} as source_name,
        source_reference,
        is_synthetic
    from unioned
    where value is not null

)

select * from final
