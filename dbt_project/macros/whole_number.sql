{#- Text → a whole number (bigint): digits only once trimmed, at most 15 of them; NULL otherwise
    (a sign, a decimal point, a unit or an empty cell). The one definition of a count: staging casts
    with it and the gate's raw checks call it as reference.whole_number (macros/rule_functions.sql,
    expectations/rules.py). -#}
{% macro whole_number(text) -%}
    case when btrim({{ text }}) ~ '^[0-9]{1,15}$' then btrim({{ text }})::bigint end
{%- endmacro %}
