{{ config(alias='education_budget_annual') }}

with annual as (

    select * from {{ ref('fct_education_budget_annual') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        annual.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        annual.year::integer as year,
        annual.borders::text as borders,
        annual.borders_note::text as borders_note,
        annual.planned_kzt::numeric(20, 2) as planned_kzt,
        annual.plan_source_name::text as plan_source_name,
        annual.plan_source_reference::text as plan_source_reference,
        annual.plan_is_synthetic::boolean as plan_is_synthetic,
        annual.executed_kzt::numeric(20, 2) as executed_kzt,
        annual.executed_change_kzt::numeric(20, 2) as executed_change_kzt,
        annual.executed_change_basis::text as executed_change_basis,
        annual.executed_source_name::text as executed_source_name,
        annual.executed_source_reference::text as executed_source_reference,
        annual.executed_is_synthetic::boolean as executed_is_synthetic,
        annual.execution_percent::numeric(9, 2) as execution_percent,
        annual.source_name::text as source_name,
        annual.source_reference::text as source_reference,
        annual.is_synthetic::boolean as is_synthetic
    from annual
    {{ territory_version_join('territories', 'annual.kato_code', 'make_date(annual.year, 12, 31)') }}

)

select * from final
