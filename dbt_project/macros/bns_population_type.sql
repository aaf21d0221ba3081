{#- The block heading of a BNS dynamic table (a stacked block: all / urban / rural population) →
    population type; no heading is the whole population, an unknown heading is null (the gate's
    raw_bns_dynamic check names it). The one list of the headings: staging and the gate (through
    reference.bns_population_type, rule_functions.sql) both apply this macro. -#}
{% macro bns_population_type(block) -%}
    case
        when {{ block }} is null then 'total'
        when {{ normalize_name(block) }} in ('все население', 'барлық халық', 'всего', 'барлығы') then 'total'
        when {{ normalize_name(block) }} in ('городское население', 'городская местность', 'қала халқы', 'қалалық жерлер') then 'urban'
        when {{ normalize_name(block) }} in ('сельское население', 'сельская местность', 'ауыл халқы', 'ауылдық жерлер') then 'rural'
    end
{%- endmacro %}
