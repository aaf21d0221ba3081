{{ config(alias='education_budget') }}

with budget as (

    select * from {{ ref('fct_education_budget') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        budget.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        budget.year::integer as year,
        budget.territory_basis::text as territory_basis,
        budget.rebase_method::text as rebase_method,
        budget.program_key::text as program_key,
        budget.functional_group::text as functional_group,
        budget.subgroup::text as subgroup,
        budget.administrator::text as administrator,
        budget.program_code::text as program_code,
        budget.program_name::text as program_name,
        budget.topic::text as topic,
        budget.last_month::integer as last_month,
        budget.is_year_complete::boolean as is_year_complete,
        budget.plan_kzt::numeric(20, 2) as plan_kzt,
        budget.executed_kzt::numeric(20, 2) as executed_kzt,
        budget.execution_percent::numeric(9, 2) as execution_percent,
        budget.previous_plan_kzt::numeric(20, 2) as previous_plan_kzt,
        budget.plan_change_kzt::numeric(20, 2) as plan_change_kzt,
        budget.plan_change_percent::numeric(9, 2) as plan_change_percent,
        budget.executed_change_kzt::numeric(20, 2) as executed_change_kzt,
        budget.executed_change_percent::numeric(9, 2) as executed_change_percent,
        {{ provenance_name("budget.source_name", "budget.is_synthetic") }}::text as source_name,
        budget.source_reference::text as source_reference,
        budget.is_synthetic::boolean as is_synthetic
    from budget
    {{ territory_version_join(
        'territories', 'budget.kato_code', basis_date('budget.territory_basis', 'make_date(budget.year, 12, 31)')
    ) }}

)

select * from final
