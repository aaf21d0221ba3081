"""The gate applies dbt's rules through the SQL functions dbt renders from its macros (no SQL copies).

The rules written as data (``vars: rules:`` of dbt_project.yml: normalize_name, bns_value, bns_value_status)
are compared with the parsers' side on the real texts in tests/ingest/test_reference.py."""

from __future__ import annotations

import re

import psycopg

from edu_wh.config import DBT_PROJECT_DIR
from expectations.helpers import bns_status_sql, bns_value_sql, normalize_name_sql
from expectations.suites.raw_bns_dynamic import population_sql
from expectations.suites.raw_comfortable_school import date_sql
from expectations.suites.raw_press import normalize_quote_sql

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
    # a rule that applies another rule ({{ normalize_name(block) }}) gets that macro's body inlined, or
    # the function of a rule rendered from data
    nested = r"{{\s*(\w+)\(" + match[1] + r"\)\s*}}"
    body = re.sub(nested, lambda m: "(" + nested_rule(m[1], argument) + ")", match[2])
    return body.replace("{{ " + match[1] + " }}", argument)


def values(conn, expression: str) -> list:
    return [
        conn.execute(
            f"select {expression.replace('%', '%%').replace('x_', '%s::text')}", (s,) * expression.count("x_")
        ).fetchone()[0]
        for s in SAMPLES
    ]


def nested_rule(name: str, argument: str) -> str:
    return macro(*RULES[name], argument) if name in RULES else f"reference.{name}({argument})"


RULES = {  # function dbt creates → (macro file, macro) for the rules written in SQL
    "normalize_quote": ("press_claims.sql", "normalize_quote"),
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
        for rule in GATE_SIDE.keys() - RULES.keys():  # rendered from data: the gate calls the function too
            assert GATE_SIDE[rule]("x_") == f"reference.{rule}(x_)", "the gate keeps no SQL copy of a dbt rule"
            assert _answers(conn, f"reference.{rule}(x_)", SAMPLES)  # and dbt created it
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
