"""raw.press_numbers: every number of every scraped press article, with its sentence, as delivered.

Checks every loaded batch (one per article file; a re-delivered article is compared with its
earlier delivery). Grain: one row per article × character offset. The reviewed claims registry
(``reference.press_claims_registry``) must find each of its claims in the article it names, with
the same matching as ``stg_press__claims``.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    allowed_values_check,
    press_claim_matches_sql,
    required_columns_check,
    rows_check,
    rule_sql,
    unique_key_check,
    volume_checks,
    with_reference,
)
from ingest.press import SOURCE

BLOCK_KINDS = ["body", "ticker", "standalone_number", "related_headlines", "metadata"]
NUMBER_KINDS = ["quantity", "year", "year_range", "date"]
NUMERIC = "'^-?\\d+(\\.\\d+)?$'"


def normalize_quote_sql(expression: str) -> str:
    """The ``normalize_quote`` macro (runs of whitespace → one space), as the function dbt creates."""
    return rule_sql("normalize_quote", expression)


def build(ctx: GateContext) -> list[Check]:
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="numbers"),
        unique_key_check(
            ["char_start"],
            grain="article × character offset",
            resolve="two numbers were extracted at the same place of one article: a bug in ingest/press_numbers.py",
        ),
        required_columns_check(
            [
                "document_file",
                "document_sha256",
                "language",
                "block_kind",
                "sentence",
                "value_text",
                "number_kind",
                "char_start",
                "char_end",
            ],
            what="number",
        ),
        allowed_values_check(
            "block_kind",
            BLOCK_KINDS,
            protects="every number is placed in the article body or in a known kind of site noise",
            resolve="a new kind of page block: extend ingest/press.py and stg_press__numbers",
        ),
        allowed_values_check(
            "language",
            ["kk", "ru"],
            protects="every article is read as Kazakh or Russian",
            resolve="the language detection in ingest/press_numbers.py needs the new case",
        ),
        allowed_values_check(
            "number_kind",
            NUMBER_KINDS,
            protects="every number is a quantity, a year, a year range or a date",
            resolve="a new kind of number: extend ingest/press_numbers.py and stg_press__numbers",
        ),
        rows_check(
            f"""
select {WHERE}, char_start, char_end, phrase,
       'offsets ' || coalesce(char_start, '?') || '-' || coalesce(char_end, '?') || ' do not frame the phrase'
           as problem
from batch_rows
where case
    when char_start ~ '^\\d+$' and char_end ~ '^\\d+$' and sentence_start ~ '^\\d+$'
        then char_end::bigint <= char_start::bigint or char_start::bigint < sentence_start::bigint
    else true
end
""",
            protects="every number's position in the article is a valid span inside its sentence",
            resolve="the text was decoded differently from the offsets; a bug in ingest/press.py",
        ),
        rows_check(
            f"""
select {WHERE}, phrase, value_text, 'quantity ' || coalesce(value_text, '(none)') || ' is not a non-negative number'
           as problem
from batch_rows
where number_kind = 'quantity' and case when value_text ~ {NUMERIC} then value_text::numeric < 0 else true end
""",
            protects="every quantity in an article is a non-negative number in its base unit",
            resolve="the number parser misread the phrase; add the case to tests/ingest/test_press.py and fix "
            "ingest/press_numbers.py",
        ),
        with_reference(
            ctx,
            ["press_claims_registry"],
            lambda: rows_check(
                f"""
with documents as (
    select distinct _batch_id, _source_file, document_file from batch_rows
)

select documents._batch_id, documents._source_file, registry.claim_id, registry.value, registry.unit, registry.quote,
       'claim ' || registry.claim_id || ' (' || registry.value || ' ' || registry.unit || ') is not in the article'
           as problem
from reference.press_claims_registry as registry
inner join documents on registry.source_document = documents.document_file
where not exists (
    select 1 from batch_rows as numbers
    where numbers._batch_id = documents._batch_id
      and {press_claim_matches_sql("numbers", "registry")}
)
""",
                protects="every claim of the reviewed registry is found in the article it names (same quote, value "
                "and unit)",
                resolve="the article was re-delivered with other text, or the number parser changed: compare the "
                "text with seeds/press_documents.csv's version, then fix the registry row (quote, value, unit) in "
                "seeds/press_claims_registry.csv or the parser",
            ),
        ),
        with_reference(
            ctx,
            ["press_documents"],
            lambda: rows_check(
                """
select min(batch_rows._batch_id) as _batch_id, batch_rows._source_file, batch_rows.document_file,
       batch_rows.document_sha256 as delivered_sha256, documents.document_sha256 as reviewed_sha256,
       case when documents.document_file is null then 'the article is not in seeds/press_documents.csv'
            else 'the article differs from the reviewed version' end as problem
from batch_rows
left join reference.press_documents as documents on batch_rows.document_file = documents.document_file
where documents.document_file is null or documents.document_sha256 <> batch_rows.document_sha256
group by batch_rows._batch_id, batch_rows._source_file, batch_rows.document_file, batch_rows.document_sha256,
         documents.document_file, documents.document_sha256
""",
                protects="every article is registered and is the version its claims were reviewed against",
                resolve="register the article (title, publisher, date, SHA-256) in seeds/press_documents.csv, and "
                "review its numbers for the claims registry",
                severity="warning",
            ),
        ),
    ]


SUITE = Suite(
    name="raw.press",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
