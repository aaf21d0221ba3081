{#- Every reviewed claim must be carried by a number extracted from its article with exactly the
    registered value: a claim whose number is not found is an error (wrong quote, wrong value, a
    changed article, or a parser regression). -#}
{{ config(severity='error') }}

select
    claim_id,
    source_document,
    quote,
    value,
    unit
from {{ ref('stg_press__claims') }}
where not matched
