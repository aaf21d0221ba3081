{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- Monthly execution of the education budget (functional group 04) by region and programme (open
    budgets), every loaded month: the programme key, its topic (seeds/budget_programme_topics.csv),
    execution % and where each row came from. fct_education_budget_monthly keeps it as an
    incremental table; the annual figures (int_education_budget_years_rebased) read it here. -#}
with execution as (

    select * from {{ ref('stg_budget__execution') }}
    where is_education

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

topics as (

    select * from {{ ref('budget_programme_topics') }}

),

final as (

    select
        execution.kato_code,
        execution.year,
        execution.month,
        execution.report_month_date,
        execution.functional_group,
        execution.subgroup,
        execution.administrator,
        execution.program_code,
        {{ budget_program_key('execution') }} as program_key,
        execution.program_name,
        topics.topic,
        'as_published' as territory_basis,
        execution.plan_kzt,
        execution.executed_kzt,
        execution.executed_in_month_kzt,
        {{ percent_of('execution.executed_kzt', 'execution.plan_kzt') }} as execution_percent,
        execution.is_year_end,
        'Open budgets execution report' as source_name,
        execution.source_file || ' (row ' || execution.row_id || ')' as source_reference,
        execution.batch_id as source_batch_id,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from execution
    left join batches
        on execution.batch_id = batches.batch_id
    left join topics
        on execution.program_name ilike topics.name_pattern

)

select * from final
