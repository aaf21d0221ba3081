{#- The rules that both the dbt models and the gate's checks apply, as SQL functions in the
    reference schema, each rendered from the one macro that defines it (a function of `value text`
    unless the rule names its arguments, as press_claim_matches does). The gate
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
    ('bns_population_type', 'text', bns_population_type('value')),
    (
        'press_claim_matches', 'boolean',
        press_claim_rule(
            'document_file', 'block_kind', 'sentence', 'value', 'unit',
            'claim_document', 'claim_quote', 'claim_value', 'claim_unit'
        ),
        'document_file text, block_kind text, sentence text, value numeric, unit text, '
        ~ 'claim_document text, claim_quote text, claim_value numeric, claim_unit text'
    ),
    ('whole_number', 'bigint', whole_number('value')),
]) }}
{%- endmacro %}

{% macro create_rule_functions() -%}
do $do$
begin
    perform pg_advisory_xact_lock(hashtext('edu_wh.rule_functions'));
{%- for rule in rule_functions() %}
{%- set name, returns, body = rule[0], rule[1], rule[2] %}
    execute $create$
        create or replace function reference.{{ name }}({{ rule[3] if rule | length > 3 else 'value text' }})
        returns {{ returns }}
        language sql immutable parallel safe
        as $rule$ select {{ body }} $rule$
    $create$;
{%- endfor %}
end
$do$
{%- endmacro %}
