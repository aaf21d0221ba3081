"""The gate applies dbt's rules through the SQL functions dbt renders from its macros (no SQL copies)."""

from __future__ import annotations

import re

import psycopg

from edu_wh.config import DBT_PROJECT_DIR
from expectations.helpers import bns_status_sql, bns_value_sql, normalize_name_sql
from expectations.suites.raw_bns_dynamic import population_sql
from expectations.suites.raw_comfortable_school import date_sql
from expectations.suites.raw_press import normalize_quote_sql
from ingest.bns.values import is_value_text

MACROS = DBT_PROJECT_DIR / "macros"
SAMPLES = [
    None, "", "12", " 1 234 ", "1\u00a0234,5", "-7", "0,0", "-", "–", "…", "...", "х", "X", "=A1+B2", "abc", "12,",
    "г. Алматы", "Туркестанская*", "Абай1)", "  Жетісу   облысы ", "Ёлка", "25.08.2023", "2023-08-25T00:00:00",
    "5.8.2023 г.", "45163", "2023-08-25", "Все население", "Городское  население*", "Ауыл халқы", "Мужчины",
]  # fmt: skip


def macro(path, name: str, argument: str) -> str:
    """The body of a one-argument dbt macro with its argument replaced by ``argument``."""
    text = (MACROS / path).read_text(encoding="utf-8")
    match = re.search(r"{%\s*macro\s+" + name + r"\((\w+)\)\s*-?%}(.*?){%-?\s*endmacro\s*%}", text, re.S)
    assert match, f"macro {name} not in {path}"
    # a rule that applies another rule ({{ normalize_name(block) }}) gets that macro's body inlined
    nested = r"{{\s*(\w+)\(" + match[1] + r"\)\s*}}"
    body = re.sub(nested, lambda m: "(" + macro(*RULES[m[1]], argument) + ")", match[2])
    return body.replace("{{ " + match[1] + " }}", argument)


def values(conn, expression: str) -> list:
    return [
        conn.execute(
            f"select {expression.replace('%', '%%').replace('x_', '%s::text')}", (s,) * expression.count("x_")
        ).fetchone()[0]
        for s in SAMPLES
    ]


RULES = {  # function dbt creates → (macro file, macro)
    "normalize_name": ("normalize_name.sql", "normalize_name"),
    "normalize_quote": ("press_claims.sql", "normalize_quote"),
    "bns_value": ("parse_bns_value.sql", "bns_value"),
    "bns_value_status": ("parse_bns_value.sql", "bns_value_status"),
    "comfortable_school_date": ("comfortable_school.sql", "comfortable_school_date"),
    "bns_population_type": ("bns_population_type.sql", "bns_population_type"),
}
GATE_SIDE = {
    "normalize_name": normalize_name_sql,
    "normalize_quote": normalize_quote_sql,
    "bns_value": bns_value_sql,
    "bns_value_status": bns_status_sql,
    "comfortable_school_date": date_sql,
    "bns_population_type": population_sql,
}


def _answers(conn, expression: str, samples) -> list:
    query = f"select ({expression.replace('%', '%%').replace('x_', '%s::text')})::text"
    return [conn.execute(query, (s,) * expression.count("x_")).fetchone()[0] for s in samples]


def test_the_gate_applies_each_rule_through_the_function_dbt_renders_from_its_macro(seeded):
    # Given a warehouse where dbt ran (its on-run-start creates the rule functions)
    with psycopg.connect(seeded, autocommit=True) as conn:
        for rule, (path, name) in RULES.items():
            readable = SAMPLES
            if rule == "comfortable_school_date":  # to_date refuses the other texts, in both forms alike
                readable = [
                    s
                    for s in SAMPLES
                    if s is None or not re.search(r"\d\.\d", s) or re.match(r"^\d\d?\.\d\d?\.\d{4}", s)
                ]
            # When the gate's expression and the macro's own SQL are evaluated by PostgreSQL
            gate_side = GATE_SIDE[rule]("x_")
            assert gate_side == f"reference.{rule}(x_)", "the gate keeps no SQL copy of a dbt rule"
            # Then they agree on every sample
            assert _answers(conn, gate_side, readable) == _answers(conn, macro(path, name, "x_"), readable), rule


def test_the_bns_parsers_accept_exactly_the_cells_staging_reads(seeded):
    # Given the texts a BNS dynamic table or bulletin cell may hold
    with psycopg.connect(seeded, autocommit=True) as conn:
        for text in (s for s in SAMPLES if s is not None):
            # When staging's rules read it (a marker or formula has a status, a number a value)
            status, value = conn.execute(
                "select reference.bns_value_status(%s::text), reference.bns_value(%s::text)", (text, text)
            ).fetchone()
            readable = status in ("none", "missing", "confidential", "negligible", "formula") or value is not None
            # Then the parsers load it exactly when staging can read it (and quarantine it otherwise)
            assert is_value_text(text) == readable, text


def test_the_press_claim_rule_is_the_function_dbt_renders_not_a_copy():
    from expectations.helpers import press_claim_matches_sql

    gate_side = press_claim_matches_sql("numbers", "registry")
    assert gate_side.startswith("reference.press_claim_matches(numbers.document_file, numbers.block_kind, ")
    assert "strpos" not in gate_side and "normalize" not in gate_side
    # the macro file holds the rule once; stg_press__claims and the candidate claims apply it by name
    text = (MACROS / "press_claims.sql").read_text(encoding="utf-8")
    assert text.count("strpos(") == 1
    for model in ("staging/press/stg_press__claims.sql", "intermediate/press/int_claim_candidates_proposed.sql"):
        sql = (DBT_PROJECT_DIR / "models" / model).read_text(encoding="utf-8")
        assert "press_claim_matches(" in sql and "strpos(" not in sql, model
