{#- Every reviewed claim of a loaded article must be carried by a number extracted from it with
    exactly the registered value: a claim whose number is not found is an error (wrong quote, wrong
    value, a changed article, or a parser regression). Articles not loaded yet are not checked (a
    warehouse without press deliveries still builds; published.claims then has no official match
    problem, only unmatched claims). -#}
{{ config(severity='error') }}

with claims as (

    select * from {{ ref('stg_press__claims') }}

),

numbers as (

    select * from {{ ref('stg_press__numbers') }}

),

final as (

    select
        claims.claim_id,
        claims.source_document,
        claims.quote,
        claims.value,
        claims.unit
    from claims
    where
        not claims.matched
        and exists (
            select 1 from numbers
            where numbers.document_file = claims.source_document
        )

)

select * from final
