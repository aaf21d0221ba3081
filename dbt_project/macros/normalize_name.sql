{#- Names and labels as they are compared: the steps of var('rules').normalize_name (dbt_project.yml),
    which ingest.reference.normalize_name applies in Python. -#}
{% macro normalize_name(expression) -%}
{%- set sql = [expression] -%}
{%- for step in var('rules')['normalize_name'] -%}
    {%- if step == 'trim' or step == 'lower' -%}
        {%- do sql.append(step ~ '(' ~ sql[-1] ~ ')') -%}
    {%- elif step is mapping and 'pattern' in step -%}
        {%- do sql.append('regexp_replace(' ~ sql[-1] ~ ', ' ~ rule_pattern(step['pattern']) ~ ', '
            ~ rule_text(step['replacement']) ~ ", 'g')") -%}
    {%- elif step is mapping and 'text' in step -%}
        {%- do sql.append('replace(' ~ sql[-1] ~ ', ' ~ rule_text(step['text']) ~ ', ' ~ rule_text(step['replacement']) ~ ')') -%}
    {%- elif exceptions is defined -%}  {#- always in dbt; sqlfluff's stand-in var() has no rules -#}
        {{ exceptions.raise_compiler_error("rules.normalize_name in dbt_project.yml: unknown step " ~ step) }}
    {%- endif -%}
{%- endfor -%}
{{ sql[-1] }}
{%- endmacro %}

{#- A text of the rules (dbt_project.yml vars) as an SQL string literal. -#}
{% macro rule_text(value) -%}
'{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- A pattern of the rules as an SQL string literal, {space} written out (var('rules').space). -#}
{% macro rule_pattern(pattern) -%}
{{ rule_text(pattern | replace('{space}', var('rules')['space'])) }}
{%- endmacro %}

{#- The texts as an SQL list: ('-', '–'). -#}
{% macro rule_texts(values) -%}
({% for value in values %}{{ rule_text(value) }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
