{#- The rules that both the dbt models and the gate's checks apply, as SQL functions in the
    reference schema, each rendered from the one macro that defines it. The gate
    (expectations/helpers.py) calls reference.<rule>(text) instead of keeping SQL copies of the
    macros. Created by on-run-start (dbt_project.yml) under an advisory lock, so parallel dbt
    invocations (Cosmos tasks) never update the catalog concurrently. -#}
{% macro rule_functions() -%}
{{ return([
    ('normalize_name', 'text', normalize_name('value')),
    ('normalize_quote', 'text', normalize_quote('value')),
    ('bns_value', 'numeric', bns_value('value')),
    ('bns_value_status', 'text', bns_value_status('value')),
    ('comfortable_school_date', 'date', comfortable_school_date('value')),
    ('whole_number', 'bigint', whole_number('value')),
]) }}
{%- endmacro %}

{% macro create_rule_functions() -%}
do $do$
begin
    perform pg_advisory_xact_lock(hashtext('edu_wh.rule_functions'));
{%- for name, returns, body in rule_functions() %}
    execute $create$
        create or replace function reference.{{ name }}(value text) returns {{ returns }}
        language sql immutable parallel safe
        as $rule$ select {{ body }} $rule$
    $create$;
{%- endfor %}
end
$do$
{%- endmacro %}
