{#- BNS cell text → numeric value, and why a value is missing. Markers from the bulletins' legend
    (Усл.обозначения): "-" none, "…"/"..." missing, "х" confidential, "0,0" negligible. -#}
{% macro bns_value_status(text) -%}
    case
        when {{ text }} is null then 'empty'
        when btrim({{ text }}) in ('-', '–', '—') then 'none'
        when btrim({{ text }}) in ('…', '...') then 'missing'
        when btrim({{ text }}) in ('х', 'x', 'Х', 'X') then 'confidential'
        when btrim({{ text }}) = '0,0' then 'negligible'
        when btrim({{ text }}) like '=%' then 'formula'
        else 'reported'
    end
{%- endmacro %}

{% macro bns_value(text) -%}
    case
        when btrim({{ text }}) = '0,0' then 0
        when btrim({{ text }}) ~ '^-?\d[\d\s\u00a0]*([.,]\d+)?$'
            then replace(regexp_replace(btrim({{ text }}), '[\s\u00a0]', '', 'g'), ',', '.')::numeric
    end
{%- endmacro %}
