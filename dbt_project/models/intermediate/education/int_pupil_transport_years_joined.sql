{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- Transport of pupils from remote settlements by territory and calendar year: pupils transported,
    buses in service and buses bought by leasing (NEDB, academic year Y/Y+1 linked to calendar year
    Y, see dim_academic_year) and the cost, the year's execution of the budget's pupil transport
    programme (open budgets, regions only). Cost per pupil = cost / pupils transported. -#}
with aggregated as (

    select * from {{ ref('int_school_years_aggregated') }}

),

budget as (

    select * from {{ ref('int_education_budget_years_rebased') }}
    where topic = 'pupil_transport'

),

transport_budget as (

    select
        budget.kato_code,
        budget.year as calendar_year,
        budget.territory_basis,
        string_agg(distinct budget.rebase_method, ', ') as rebase_method,
        sum(budget.executed_kzt) as transport_cost_kzt,
        sum(budget.plan_kzt) as transport_plan_kzt,
        bool_and(budget.is_year_complete) as is_budget_year_complete,
        string_agg(budget.source_reference, '; ' order by budget.source_reference) as source_reference,
        max(budget.source_batch_id) as source_batch_id,
        bool_or(budget.is_synthetic) as is_synthetic
    from budget
    group by budget.kato_code, budget.year, budget.territory_basis

),

final as (

    select
        coalesce(aggregated.kato_code, transport_budget.kato_code) as kato_code,
        coalesce(aggregated.calendar_year, transport_budget.calendar_year) as year,
        aggregated.academic_year,
        coalesce(aggregated.territory_basis, transport_budget.territory_basis) as territory_basis,
        {{ combine_methods(['aggregated.rebase_method', 'transport_budget.rebase_method']) }} as rebase_method,
        coalesce(aggregated.aggregation_level, 'region') as aggregation_level,
        coalesce(aggregated.region_kato_code, transport_budget.kato_code) as region_kato_code,
        aggregated.pupils_transported,
        aggregated.buses_in_service,
        aggregated.buses_leased,
        transport_budget.transport_cost_kzt,
        transport_budget.transport_plan_kzt,
        transport_budget.is_budget_year_complete,
        {{ per_unit('transport_budget.transport_cost_kzt', 'aggregated.pupils_transported') }}
            as cost_per_pupil_kzt,
        concat_ws(
            '; ',
            case when aggregated.kato_code is not null then 'NEDB school extract' end,
            case when transport_budget.kato_code is not null then 'Open budgets execution report' end
        ) as source_name,
        concat_ws('; ', aggregated.source_files, transport_budget.source_reference) as source_reference,
        greatest(aggregated.source_batch_id, transport_budget.source_batch_id) as source_batch_id,
        coalesce(aggregated.is_synthetic, false) or coalesce(transport_budget.is_synthetic, false) as is_synthetic
    from aggregated
    full outer join transport_budget
        on
            aggregated.kato_code = transport_budget.kato_code
            and aggregated.calendar_year = transport_budget.calendar_year
            and aggregated.territory_basis = transport_budget.territory_basis

)

select * from final
