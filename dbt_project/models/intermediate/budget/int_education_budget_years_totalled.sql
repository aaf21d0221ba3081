{#- The education budget of a region and calendar year as published (open budgets): the
    programmes of int_education_budget_years_rebased summed, with the change of the plan on the
    previous year and whether the year is complete (December reported). Read by the annual budget
    mart (plan side) and the official budget values. -#}
with budget as (

    select * from {{ ref('int_education_budget_years_rebased') }}
    where territory_basis = 'as_published'

),

final as (

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

)

select * from final
