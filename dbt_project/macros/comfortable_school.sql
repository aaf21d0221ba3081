{#- Wording of the Comfortable School reports → codes, from the seed comfortable_school_labels
    (the parser, ingest/comfortable_school.py, reads the same seed). -#}
{% macro comfortable_school_code(expression, kind) -%}
(
    select labels.code
    from {{ ref('comfortable_school_labels') }} as labels
    where labels.kind = '{{ kind }}' and {{ normalize_name('labels.label') }} = {{ normalize_name(expression) }}
)
{%- endmacro %}

{#- A report's date as text: Excel date (2023-08-25T00:00:00), dd.mm.yyyy (with "г."), or an Excel serial day. -#}
{% macro comfortable_school_date(expression) -%}
case when btrim({{ expression }}) ~ '^\d{4}-\d{2}-\d{2}' then left(btrim({{ expression }}), 10)::date when btrim({{ expression }}) ~ '^\d{1,2}\.\d{1,2}\.\d{4}' then to_date(substring(btrim({{ expression }}) from '^\d{1,2}\.\d{1,2}\.\d{4}'), 'DD.MM.YYYY') when btrim({{ expression }}) ~ '^\d{5}$' then date '1899-12-30' + btrim({{ expression }})::int end
{%- endmacro %}
