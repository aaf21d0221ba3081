{#- BNS cell text → numeric value, and why a value is missing: the markers, the number and the formula
    of var('rules').bns_cell (dbt_project.yml), which the parsers read too (ingest/bns/values.py). -#}
{% macro bns_value_status(text) -%}
{%- set cell = var('rules')['bns_cell'] -%}
    case
        when {{ text }} is null then 'empty'
{%- for status in cell['markers'] %}
        when btrim({{ text }}) in {{ rule_texts(cell['markers'][status]) }} then {{ rule_text(status) }}
{%- endfor %}
        when btrim({{ text }}) like {{ rule_text(cell['formula'] ~ '%') }} then 'formula'
        else 'reported'
    end
{%- endmacro %}

{% macro bns_value(text) -%}
{%- set cell = var('rules')['bns_cell'] -%}
    case
        when btrim({{ text }}) in {{ rule_texts(cell['markers']['negligible']) }} then 0
        when btrim({{ text }}) ~ {{ rule_pattern(cell['number']) }}
            then replace(regexp_replace(btrim({{ text }}), {{ rule_pattern('[{space}]') }}, '', 'g'), ',', '.')::numeric
    end
{%- endmacro %}
