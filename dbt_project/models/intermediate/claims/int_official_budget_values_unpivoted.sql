{#- Official education budget figures by region and calendar year, as published, in the long format
    of int_official_values_unioned: the open budgets' plan, its change on the previous year and the
    execution of a complete year; the Ministry of Finance bulletin's execution (December edition) and
    its change on the previous year on the same borders. -#}
with budget_totals as (

    select * from {{ ref('int_education_budget_years_totalled') }}

),

minfin_years as (

    select * from {{ ref('stg_minfin__budget_execution_years') }}
    where item_code = 'EXP.04' and kato_code is not null

),

open_budget_values as (

    select
        budget_totals.kato_code,
        measures.indicator_code,
        budget_totals.year::text as period,
        'calendar_year' as period_kind,
        null::date as as_of_date,
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

),

minfin_values as (

    select
        minfin_years.kato_code,
        measures.indicator_code,
        minfin_years.year::text as period,
        'calendar_year' as period_kind,
        null::date as as_of_date,
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

),

final as (

    select * from open_budget_values
    union all
    select * from minfin_values

)

select * from final
