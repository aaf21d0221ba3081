{{ config(alias='scorecard') }}

with scorecard as (

    select * from {{ ref('fct_regional_scorecard') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        scorecard.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        scorecard.year::integer as year,
        scorecard.academic_year::text as academic_year,
        scorecard.territory_basis::text as territory_basis,
        scorecard.rebase_method::text as rebase_method,
        scorecard.schools_count::integer as schools_count,
        scorecard.bns_schools_count::integer as bns_schools_count,
        scorecard.pupils_total::integer as pupils_total,
        scorecard.education_budget_plan_kzt::numeric(20, 2) as education_budget_plan_kzt,
        scorecard.education_budget_executed_kzt::numeric(20, 2) as education_budget_executed_kzt,
        scorecard.is_budget_year_complete::boolean as is_budget_year_complete,
        scorecard.education_budget_per_pupil_kzt::numeric(20, 2) as education_budget_per_pupil_kzt,
        scorecard.free_meals_pupils::integer as pupils_free_meals,
        scorecard.free_meals_coverage_percent::numeric(9, 2) as free_meals_coverage_percent,
        scorecard.transport_cost_kzt::numeric(20, 2) as transport_cost_kzt,
        scorecard.transport_cost_per_pupil_kzt::numeric(20, 2) as transport_cost_per_pupil_kzt,
        scorecard.comfortable_school_projects_finished::integer as comfortable_school_projects_finished,
        scorecard.comfortable_school_places_finished::integer as comfortable_school_places_finished,
        scorecard.comfortable_school_target_places::integer as comfortable_school_target_places,
        scorecard.comfortable_school_places_percent_of_target::numeric(9, 1)
            as comfortable_school_places_percent_of_target,
        scorecard.place_deficit::integer as place_deficit,
        scorecard.three_shift_schools::integer as three_shift_schools,
        scorecard.overloaded_schools::integer as overloaded_schools,
        scorecard.source_name::text as source_name,
        scorecard.source_reference::text as source_reference,
        scorecard.is_synthetic::boolean as is_synthetic,
        scorecard.schools_source_name::text as schools_source_name,
        scorecard.schools_is_synthetic::boolean as schools_is_synthetic,
        scorecard.bns_schools_source_name::text as bns_schools_source_name,
        scorecard.bns_schools_is_synthetic::boolean as bns_schools_is_synthetic,
        scorecard.budget_source_name::text as budget_source_name,
        scorecard.budget_is_synthetic::boolean as budget_is_synthetic,
        scorecard.free_meals_source_name::text as free_meals_source_name,
        scorecard.free_meals_is_synthetic::boolean as free_meals_is_synthetic,
        scorecard.transport_source_name::text as transport_source_name,
        scorecard.transport_is_synthetic::boolean as transport_is_synthetic,
        scorecard.comfortable_school_source_name::text as comfortable_school_source_name,
        scorecard.comfortable_school_is_synthetic::boolean as comfortable_school_is_synthetic
    from scorecard
    {{ territory_version_join(
        'territories', 'scorecard.kato_code', basis_date('scorecard.territory_basis', 'make_date(scorecard.year, 12, 31)')
    ) }}

)

select * from final
