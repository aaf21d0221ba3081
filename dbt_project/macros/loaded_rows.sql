{#- The rows of a raw table whose batch is `loaded` (stg_meta__load_batches). Raw keeps every
    delivery as it came, including the batches that a reload of the same file marked `superseded`;
    those rows must not count a second time (a report counted twice, a row the corrected parse
    dropped still shown). Every staging model reads its raw table through this. -#}
{% macro loaded_rows(raw_relation) -%}
    select raw_rows.*
    from {{ raw_relation }} as raw_rows
    where raw_rows._batch_id in (select loaded.batch_id from {{ ref('stg_meta__load_batches') }} as loaded)
{%- endmacro %}

{#- Post-hook of the incremental marts: delete the rows whose batch is no longer loaded (withdrawn or
    superseded) once the merge has re-merged what staging still has for their keys. -#}
{% macro delete_rows_of_unloaded_batches(relation) -%}
    delete from {{ relation }}
    where source_batch_id not in (select loaded.batch_id from {{ ref('stg_meta__load_batches') }} as loaded)
{%- endmacro %}
