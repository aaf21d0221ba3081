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
    budgets (int_education_budget_months_labelled). Incremental on (year, month): a run merges the
    months that a batch loaded after the newest batch in the table delivers, and the month after each
    (its own execution is its cumulative amount minus the previous month's, so a re-delivered month
    changes it). Months whose rows came from a batch that is no longer loaded (withdrawn, superseded)
    are merged again, and rows left without a loaded batch are deleted after the merge. -#}
with months as (

    select * from {{ ref('int_education_budget_months_labelled') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

new_months as (

    {#- all months on a full build; on an incremental run those of batches newer than the table's newest -#}
    select distinct
        months.year,
        months.month
    from months
    where months.source_batch_id > {{ newest_batch_loaded }}
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

final as (

    select months.*
    from months
    inner join months_to_merge
        on
            months.year = months_to_merge.year
            and months.month = months_to_merge.month

)

select * from final
