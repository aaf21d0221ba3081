{#- SQL twin of ingest.press.claim_matches: does a registry claim name this extracted number?
    Same document, a number in the article body (never site noise), the quote inside the number's
    sentence (whitespace collapsed, case kept), the exact value, the same unit or a number whose
    unit the extractor could not tell. -#}
{% macro press_claim_matches(numbers, registry) -%}
    {{ numbers }}.document_file = {{ registry }}.source_document
    and {{ numbers }}.block_kind = 'body'
    and strpos({{ normalize_quote(numbers ~ '.sentence') }}, {{ normalize_quote(registry ~ '.quote') }}) > 0
    and {{ numbers }}.value = {{ registry }}.value
    and ({{ numbers }}.unit is null or {{ numbers }}.unit = {{ registry }}.unit)
{%- endmacro %}

{#- SQL twin of ingest.press.normalize_quote: runs of whitespace (also no-break spaces) → one space. -#}
{% macro normalize_quote(expression) -%}
    btrim(regexp_replace({{ expression }}, '[\s\u00a0\u202f]+', ' ', 'g'))
{%- endmacro %}
