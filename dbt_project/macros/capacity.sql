{#- Place shortage of one school: pupils above its design capacity, never negative:
    max(pupils − design capacity, 0). NULL when either is unknown. The place deficit of a territory
    is the sum of its schools' shortages (spare places of one school do not cover another's). -#}
{% macro place_shortage(pupils, design_capacity) -%}
    case
        when {{ pupils }} > {{ design_capacity }} then {{ pupils }} - {{ design_capacity }}
        when {{ pupils }} <= {{ design_capacity }} then 0
    end
{%- endmacro %}

{#- a / b × 100, NULL when b is 0 or NULL (coverage, execution, utilisation), rounded to `digits`. -#}
{% macro percent_of(numerator, denominator, digits=2) -%}
    round(100.0 * ({{ numerator }}) / nullif({{ denominator }}, 0), {{ digits }})
{%- endmacro %}

{#- a / b, NULL when b is 0 or NULL (per-pupil figures), rounded to `digits`. -#}
{% macro per_unit(numerator, denominator, digits=2) -%}
    round(({{ numerator }})::numeric / nullif({{ denominator }}, 0), {{ digits }})
{%- endmacro %}

{#- A budget programme's key across years and reports: functional group, subgroup, administrator, programme. -#}
{% macro budget_program_key(relation) -%}
    {{ relation }}.functional_group || '-' || {{ relation }}.subgroup || '-' || {{ relation }}.administrator || '-'
    || {{ relation }}.program_code
{%- endmacro %}

{#- The re-basing methods of the parts of a figure, each once, in a fixed order ('none' when none). -#}
{% macro combine_methods(expressions) -%}
    coalesce(nullif(array_to_string(array(
        select unnest(string_to_array(concat_ws(', ', {{ expressions | join(', ') }}), ', '))
        except select 'none' order by 1
    ), ', '), ''), 'none')
{%- endmacro %}

{#- Language of instruction as the registers write it (Russian) → kk, ru or kk_ru. -#}
{% macro language_code(expression) -%}
    case lower(btrim({{ expression }}))
        when 'казахский' then 'kk'
        when 'русский' then 'ru'
        when 'казахский, русский' then 'kk_ru'
        when 'смешанный' then 'kk_ru'
    end
{%- endmacro %}
