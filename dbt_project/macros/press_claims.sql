{#- The one rule that says whether a registry claim names an extracted number (ingest/press.py
    keeps none of its own): same document, a number in the article body (never site noise), the
    quote inside the number's sentence (whitespace collapsed, case kept), the exact value, the same
    unit or a number whose unit the extractor could not tell. stg_press__claims and
    int_claim_candidates_proposed apply it through press_claim_matches; the gate (the raw suite of
    press) and Python call the SQL function reference.press_claim_matches rendered from it
    (macros/rule_functions.sql). -#}
{% macro press_claim_rule(document_file, block_kind, sentence, value, unit, claim_document, claim_quote, claim_value, claim_unit) -%}
    {{ document_file }} = {{ claim_document }}
    and {{ block_kind }} = 'body'
    and strpos({{ normalize_quote(sentence) }}, {{ normalize_quote(claim_quote) }}) > 0
    and {{ value }} = {{ claim_value }}
    and ({{ unit }} is null or {{ unit }} = {{ claim_unit }})
{%- endmacro %}

{#- press_claim_rule on the columns of a number (stg_press__numbers) and a registry row. -#}
{% macro press_claim_matches(numbers, registry) -%}
    {{ press_claim_rule(
        numbers ~ '.document_file', numbers ~ '.block_kind', numbers ~ '.sentence', numbers ~ '.value',
        numbers ~ '.unit', registry ~ '.source_document', registry ~ '.quote', registry ~ '.value', registry ~ '.unit'
    ) }}
{%- endmacro %}

{#- A quote as compared: runs of whitespace (also no-break spaces) → one space, case kept. -#}
{% macro normalize_quote(expression) -%}
    btrim(regexp_replace({{ expression }}, '[\s\u00a0\u202f]+', ' ', 'g'))
{%- endmacro %}
