{#- SQL twin of ingest.reference.normalize_name (kept equal by tests/ingest/test_reference.py):
    footnote markers (*, 1)) and extra spaces removed, lower case, ё → е, "г. X" → "г.X". -#}
{% macro normalize_name(expression) -%}
replace(replace(lower(trim(regexp_replace(regexp_replace({{ expression }}, '\*+|\d+\)', '', 'g'), '\s+', ' ', 'g'))), 'ё', 'е'), 'г. ', 'г.')
{%- endmacro %}
