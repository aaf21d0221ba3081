"""The gate's SQL twins give the same answers as the dbt macros and parsers they mirror."""

from __future__ import annotations

import re

from edu_wh.config import DBT_PROJECT_DIR
from expectations.helpers import bns_status_sql, bns_value_sql, normalize_name_sql
from expectations.suites.raw_bns_dynamic import BLOCKS
from expectations.suites.raw_comfortable_school import date_sql
from expectations.suites.raw_press import normalize_quote_sql

MACROS = DBT_PROJECT_DIR / "macros"
SAMPLES = [
    None, "", "12", " 1 234 ", "1\u00a0234,5", "-7", "0,0", "-", "–", "…", "...", "х", "X", "=A1+B2", "abc", "12,",
    "г. Алматы", "Туркестанская*", "Абай1)", "  Жетісу   облысы ", "Ёлка", "25.08.2023", "2023-08-25T00:00:00",
    "5.8.2023 г.", "45163", "2023-08-25",
]  # fmt: skip


def macro(path, name: str, argument: str) -> str:
    """The body of a one-argument dbt macro with its argument replaced by ``argument``."""
    text = (MACROS / path).read_text(encoding="utf-8")
    match = re.search(r"{%\s*macro\s+" + name + r"\((\w+)\)\s*-?%}(.*?){%-?\s*endmacro\s*%}", text, re.S)
    assert match, f"macro {name} not in {path}"
    return match[2].replace("{{ " + match[1] + " }}", argument)


def values(conn, expression: str) -> list:
    return [
        conn.execute(
            f"select {expression.replace('%', '%%').replace('x_', '%s::text')}", (s,) * expression.count("x_")
        ).fetchone()[0]
        for s in SAMPLES
    ]


def test_sql_twins_match_the_dbt_macros(db):
    # Given the gate's SQL twins and the dbt macros they mirror, on texts of every kind the publishers write
    pairs = {
        "normalize_name": (normalize_name_sql("x_"), macro("normalize_name.sql", "normalize_name", "x_")),
        "bns_value": (bns_value_sql("x_"), macro("parse_bns_value.sql", "bns_value", "x_")),
        "bns_value_status": (bns_status_sql("x_"), macro("parse_bns_value.sql", "bns_value_status", "x_")),
        "normalize_quote": (normalize_quote_sql("x_"), macro("press_claims.sql", "normalize_quote", "x_")),
    }
    for name, (twin, original) in pairs.items():
        # When both are evaluated by PostgreSQL, Then they agree on every sample
        assert values(db, twin) == values(db, original), name


def test_the_comfortable_school_date_twin_matches_the_macro(db):
    twin = date_sql("x_")
    original = f"({macro('comfortable_school.sql', 'comfortable_school_date', 'x_')})::text"
    readable = [
        s for s in SAMPLES if s is None or not re.search(r"\d\.\d", s or "") or re.match(r"^\d+\.\d+\.\d{4}", s)
    ]
    readable = [s for s in SAMPLES if s is None or not re.search(r"\d\.\d", s) or re.match(r"^\d\d?\.\d\d?\.\d{4}", s)]
    got = [
        db.execute(f"select {twin.replace('x_', '%s::text')}", (s,) * twin.count("x_")).fetchone()[0] for s in readable
    ]
    want = [
        db.execute(f"select {original.replace('x_', '%s::text')}", (s,) * original.count("x_")).fetchone()[0]
        for s in readable
    ]
    assert got == want


def test_the_block_headings_are_the_ones_staging_maps():
    staging = (DBT_PROJECT_DIR / "models" / "staging" / "bns" / "stg_bns__dynamic_cells.sql").read_text(
        encoding="utf-8"
    )
    quoted = set(re.findall(r"'([^']+)'", staging.split("as population_type")[0].split("case", 1)[1]))
    labels = {label for group in BLOCKS.values() for label in group}
    assert labels == quoted - {"total", "urban", "rural", "source.block_label"}
