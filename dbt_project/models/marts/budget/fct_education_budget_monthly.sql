{{
    config(
        materialized='incremental',
        unique_key=['kato_code', 'year', 'month', 'functional_group', 'subgroup', 'administrator', 'program_code'],
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook=[
            "{{ create_index(this, ['kato_code', 'year', 'month']) }}",
            "{{ create_index(this, ['year', 'month']) }}",
            "{{ create_index(this, ['source_batch_id']) }}",
            "{{ delete_rows_of_unloaded_batches(this) }}",
        ],
    )
}}

{%- if is_incremental() -%}
    {%- set newest_batch_loaded = '(select coalesce(max(existing.source_batch_id), 0) from ' ~ this ~ ' as existing)' -%}
{%- else -%}
    {%- set newest_batch_loaded = '0' -%}
{%- endif %}

{#- Monthly execution of the education budget (functional group 04) by region and programme, open
    budgets. Incremental on (year, month): a run merges the months that a batch loaded after the
    newest batch in the table delivers, and the month after each (its own execution is its
    cumulative amount minus the previous month's, so a re-delivered month changes it). Months whose
    rows came from a batch that is no longer loaded (withdrawn, superseded) are merged again, and rows
    left without a loaded batch are deleted after the merge. -#}
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

new_months as (

    {#- all months on a full build; on an incremental run those of batches newer than the table's newest -#}
    select distinct
        execution.year,
        execution.month
    from execution
    where execution.batch_id > {{ newest_batch_loaded }}
    {% if is_incremental() -%}
        union
        select distinct
            existing.year,
            existing.month
        from {{ this }} as existing
        where existing.source_batch_id not in (select batches.batch_id from batches)
    {%- endif %}

),

months_to_merge as (

    select
        new_months.year,
        new_months.month
    from new_months
    union
    select
        new_months.year,
        new_months.month + 1 as month
    from new_months
    where new_months.month < 12

),

selected as (

    select execution.*
    from execution
    inner join months_to_merge
        on
            execution.year = months_to_merge.year
            and execution.month = months_to_merge.month

),

final as (

    select
        selected.kato_code,
        selected.year,
        selected.month,
        selected.report_month_date,
        selected.functional_group,
        selected.subgroup,
        selected.administrator,
        selected.program_code,
        {{ budget_program_key('selected') }} as program_key,
        selected.program_name,
        topics.topic,
        'as_published' as territory_basis,
        selected.plan_kzt,
        selected.executed_kzt,
        selected.executed_in_month_kzt,
        {{ percent_of('selected.executed_kzt', 'selected.plan_kzt') }} as execution_percent,
        selected.is_year_end,
        'Open budgets execution report' as source_name,
        selected.source_file || ' (row ' || selected.row_id || ')' as source_reference,
        selected.batch_id as source_batch_id,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from selected
    left join batches
        on selected.batch_id = batches.batch_id
    left join topics
        on selected.program_name ilike topics.name_pattern

)

select * from final
