{{
    config(
        materialized='incremental',
        unique_key=['bin', 'academic_year'],
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook=[
            "{{ create_index(this, ['bin', 'academic_year'], unique=true) }}",
            "{{ create_index(this, ['current_kato_code', 'academic_year']) }}",
            "{{ create_index(this, ['kato_code', 'academic_year']) }}",
            "{{ create_index(this, ['source_batch_id']) }}",
            "{{ delete_rows_of_unloaded_batches(this) }}",
        ],
    )
}}

{%- set loaded_batches = ref('stg_meta__load_batches') %}

{#- NEDB school-years (int_school_years_rebased) as an incremental table for analysts. A run merges
    only the school-years whose newest delivery is a batch loaded after the newest batch already in
    the table; `dbt build --full-refresh` rebuilds it (needed after a batch is withdrawn or the
    territory seeds change). A school-year whose row came from a batch that is no longer loaded
    (withdrawn, superseded) is merged again from what staging has now, and a row left without any
    loaded batch is deleted after the merge: the table holds nothing of a withdrawn batch. -#}
with school_years as (

    select * from {{ ref('int_school_years_rebased') }}
    {% if is_incremental() -%}
        where
            source_batch_id > (select coalesce(max(existing.source_batch_id), 0) from {{ this }} as existing)
            or (bin, academic_year) in (
                select
                    existing.bin,
                    existing.academic_year
                from {{ this }} as existing
                where existing.source_batch_id not in (select loaded.batch_id from {{ loaded_batches }} as loaded)
            )
    {%- endif %}

),

final as (

    select * from school_years

)

select * from final
