{#- Wording of the Comfortable School reports → codes. Kept equal to ingest/comfortable_school.py
    (STATUSES, FUNDING) by tests/ingest/test_comfortable_school.py. -#}
{% macro comfortable_school_labels(kind) -%}
{%- if kind == 'status' -%}
{{ return({
    'planned': ['planned', 'планируется', 'запланирован', 'запланировано', 'жоспарланған'],
    'under_construction': ['under construction', 'under_construction', 'строительство', 'ведется строительство',
                           'на стадии строительства', 'құрылыс жүргізілуде'],
    'finished': ['finished', 'введен в эксплуатацию', 'введена в эксплуатацию', 'завершен', 'завершено',
                 'пайдалануға берілді'],
    'delayed': ['delayed', 'перенос сроков', 'сроки перенесены', 'мерзімі ауыстырылды'],
}) }}
{%- else -%}
{{ return({
    'republican': ['республиканский бюджет', 'республиканский', 'рб', 'республикалық бюджет', 'republican'],
    'local': ['местный бюджет', 'местный', 'мб', 'жергілікті бюджет', 'local'],
}) }}
{%- endif -%}
{%- endmacro %}

{% macro comfortable_school_code(expression, kind) -%}
case {% for code, labels in comfortable_school_labels(kind).items() -%}
when {{ normalize_name(expression) }} in ('{{ labels | join("', '") }}') then '{{ code }}' {% endfor -%} end
{%- endmacro %}

{#- A report's date as text: Excel date (2023-08-25T00:00:00), dd.mm.yyyy (with "г."), or an Excel serial day. -#}
{% macro comfortable_school_date(expression) -%}
case when btrim({{ expression }}) ~ '^\d{4}-\d{2}-\d{2}' then left(btrim({{ expression }}), 10)::date when btrim({{ expression }}) ~ '^\d{1,2}\.\d{1,2}\.\d{4}' then to_date(substring(btrim({{ expression }}) from '^\d{1,2}\.\d{1,2}\.\d{4}'), 'DD.MM.YYYY') when btrim({{ expression }}) ~ '^\d{5}$' then date '1899-12-30' + btrim({{ expression }})::int end
{%- endmacro %}
