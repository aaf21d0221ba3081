{#- Headline measures of each region by calendar year, as published and in current borders: schools
    and pupils (NEDB, academic year linked to the calendar year), the education budget and budget
    per pupil, free meal coverage, transport cost per pupil, Comfortable School places finished
    (cumulative) against the target, place deficit and three-shift schools. Each group of figures
    carries its own source name and synthetic flag (a synthetic figure is named after the generator,
    never a publisher); the row's source_name lists them and is_synthetic says whether any is. -#}
with capacity as (

    select * from {{ ref('fct_school_capacity') }}
    where aggregation_level = 'region'

),

free_meals as (

    select * from {{ ref('fct_free_meals') }}
    where aggregation_level = 'region'

),

transport as (

    select * from {{ ref('fct_pupil_transport') }}
    where aggregation_level = 'region'

),

budget as (

    select * from {{ ref('fct_education_budget') }}

),

comfortable_school as (

    select * from {{ ref('fct_comfortable_school_progress') }}
    where aggregation_level = 'region'

),

school_counts as (

    select * from {{ ref('fct_school_counts') }}
    where population_type = 'total'

),

academic_years as (

    select * from {{ ref('int_academic_years_linked') }}

),

budget_totals as (

    select
        kato_code,
        year,
        territory_basis,
        string_agg(distinct rebase_method, ', ') as rebase_method,
        sum(plan_kzt) as plan_kzt,
        sum(executed_kzt) as executed_kzt,
        bool_and(is_year_complete) as is_year_complete,
        bool_or(is_synthetic) as is_synthetic,
        min(source_name) as source_name
    from budget
    group by kato_code, year, territory_basis

),

spine as (

    select
        kato_code,
        calendar_year as year,
        territory_basis
    from capacity
    union
    select
        kato_code,
        year,
        territory_basis
    from budget_totals
    union
    select
        kato_code,
        year,
        territory_basis
    from comfortable_school

),

final as (

    select
        spine.kato_code,
        spine.year,
        academic_years.academic_year,
        spine.territory_basis,
        {{ combine_methods([
            'capacity.rebase_method', 'budget_totals.rebase_method', 'comfortable_school.rebase_method',
            'school_counts.rebase_method'
        ]) }} as rebase_method,
        capacity.schools_count,
        school_counts.schools_count as bns_schools_count,
        capacity.pupils_total,
        budget_totals.plan_kzt as education_budget_plan_kzt,
        budget_totals.executed_kzt as education_budget_executed_kzt,
        budget_totals.is_year_complete as is_budget_year_complete,
        {{ per_unit('budget_totals.plan_kzt', 'capacity.pupils_total') }} as education_budget_per_pupil_kzt,
        free_meals.pupils_served as free_meals_pupils,
        free_meals.coverage_percent as free_meals_coverage_percent,
        transport.transport_cost_kzt,
        transport.cost_per_pupil_kzt as transport_cost_per_pupil_kzt,
        comfortable_school.projects_finished as comfortable_school_projects_finished,
        comfortable_school.places_finished as comfortable_school_places_finished,
        comfortable_school.target_places as comfortable_school_target_places,
        comfortable_school.places_finished_percent_of_target as comfortable_school_places_percent_of_target,
        capacity.place_deficit,
        capacity.three_shift_schools,
        capacity.overloaded_schools,
        figures.source_name,
        'regional facts: fct_school_capacity, fct_free_meals, fct_pupil_transport, fct_education_budget, '
        || 'fct_comfortable_school_progress, fct_school_counts' as source_reference,
        figures.is_synthetic,
        figures.schools_source_name,
        figures.schools_is_synthetic,
        figures.bns_schools_source_name,
        figures.bns_schools_is_synthetic,
        figures.budget_source_name,
        figures.budget_is_synthetic,
        figures.free_meals_source_name,
        figures.free_meals_is_synthetic,
        figures.transport_source_name,
        figures.transport_is_synthetic,
        figures.comfortable_school_source_name,
        figures.comfortable_school_is_synthetic
    from spine
    left join academic_years
        on spine.year = academic_years.calendar_year
    left join capacity
        on
            spine.kato_code = capacity.kato_code
            and spine.year = capacity.calendar_year
            and spine.territory_basis = capacity.territory_basis
    left join free_meals
        on
            spine.kato_code = free_meals.kato_code
            and spine.year = free_meals.calendar_year
            and spine.territory_basis = free_meals.territory_basis
    left join transport
        on
            spine.kato_code = transport.kato_code
            and spine.year = transport.year
            and spine.territory_basis = transport.territory_basis
    left join budget_totals
        on
            spine.kato_code = budget_totals.kato_code
            and spine.year = budget_totals.year
            and spine.territory_basis = budget_totals.territory_basis
    left join comfortable_school
        on
            spine.kato_code = comfortable_school.kato_code
            and spine.year = comfortable_school.year
            and spine.territory_basis = comfortable_school.territory_basis
    left join school_counts
        on
            spine.kato_code = school_counts.kato_code
            and academic_years.academic_year = school_counts.academic_year
            and spine.territory_basis = school_counts.territory_basis
    cross join lateral (
        select
            per_figure.*,
            array_to_string(
                array_remove(array[
                    per_figure.schools_source_name, per_figure.bns_schools_source_name,
                    per_figure.budget_source_name, per_figure.free_meals_source_name,
                    per_figure.transport_source_name, per_figure.comfortable_school_source_name
                ], null),
                '; '
            ) as source_name,
            coalesce(per_figure.schools_is_synthetic, false)
            or coalesce(per_figure.bns_schools_is_synthetic, false)
            or coalesce(per_figure.budget_is_synthetic, false)
            or coalesce(per_figure.free_meals_is_synthetic, false)
            or coalesce(per_figure.transport_is_synthetic, false)
            or coalesce(per_figure.comfortable_school_is_synthetic, false) as is_synthetic
        from (
            select
                {{ provenance_name('capacity.source_name', 'capacity.is_synthetic') }} as schools_source_name,
                capacity.is_synthetic as schools_is_synthetic,
                {{ provenance_name('school_counts.source_name', 'school_counts.is_synthetic') }}
                    as bns_schools_source_name,
                school_counts.is_synthetic as bns_schools_is_synthetic,
                {{ provenance_name('budget_totals.source_name', 'budget_totals.is_synthetic') }}
                    as budget_source_name,
                budget_totals.is_synthetic as budget_is_synthetic,
                {{ provenance_name('free_meals.source_name', 'free_meals.is_synthetic') }} as free_meals_source_name,
                free_meals.is_synthetic as free_meals_is_synthetic,
                {{ provenance_name('transport.source_name', 'transport.is_synthetic') }} as transport_source_name,
                transport.is_synthetic as transport_is_synthetic,
                {{ provenance_name('comfortable_school.source_name', 'comfortable_school.is_synthetic') }}
                    as comfortable_school_source_name,
                comfortable_school.is_synthetic as comfortable_school_is_synthetic
        ) as per_figure
    ) as figures

)

select * from final
