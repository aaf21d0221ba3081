{#- The education budget by region, calendar year and programme, as published and in current
    borders, as int_education_budget_years_rebased builds it (the pupil transport, annual budget and
    official-value models read the same intermediate model). -#}
with budget_years as (

    select * from {{ ref('int_education_budget_years_rebased') }}

),

final as (

    select * from budget_years

)

select * from final
