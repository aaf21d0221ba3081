"""Territory names, units and the rules shared by the parsers (Python) and staging (SQL)."""

from __future__ import annotations

import csv
import functools

import pytest

from edu_wh.config import REPO_ROOT
from edu_wh.dbt_runner import dbt_command
from ingest import reference
from ingest.bns.values import all_markers, is_value_text, parse_value
from ingest.excel import read_workbook
from ingest.reference import SEEDS_DIR, detect_language, normalize_name, resolve_territory, rules


@pytest.mark.parametrize(
    "name, language, kato",
    [
        ("Алматы", "kk", "190000000"),  # Kazakh: the oblast
        ("Алматы қаласы", "kk", "750000000"),  # Kazakh: the city
        ("Алматы", "ru", "750000000"),  # Russian: the city
        ("Алматинская", "ru", "190000000"),
        ("г. Алматы", "ru", "750000000"),
        ("город Алматы", "ru", "750000000"),
        ("Туркестанская*", "ru", "610000000"),
        ("Түркістан ", "kk", "610000000"),
        ("Шығыс  Қазақстан", "kk", "630000000"),
    ],
)
def test_names_resolve_by_language(name, language, kato):
    assert resolve_territory(name, language) == kato


def test_unknown_names_do_not_resolve():
    assert resolve_territory("Атлантида", "ru") is None


def test_language_detection():
    assert detect_language(["Табыстар және шығыстар"]) == "kk"
    assert detect_language(["Число общеобразовательных школ"]) == "ru"


@functools.cache
def real_texts() -> tuple[str, ...]:
    """Every distinct text of the real BNS files in data/samples/bns (titles, labels, units, cells, as the
    workbook reader gives them to the parsers) and every name and label of the seeds the parsers read."""
    texts: set[str] = set()
    for path in sorted((REPO_ROOT / "data" / "samples" / "bns").rglob("*.xls*")):
        with open(path, "rb") as fh:
            for sheet in read_workbook(fh, path.name):
                texts.update(text for row in sheet.rows for text in row if text is not None)
    seeds = {
        "territory_names.csv": ["name"],
        "bns_territory_spellings.csv": ["name"],
        "territories.csv": ["name_kk", "name_ru", "name_en"],
        "units.csv": ["label"],
        "comfortable_school_labels.csv": ["label"],
    }
    for seed, columns in seeds.items():
        with open(SEEDS_DIR / seed, encoding="utf-8", newline="") as fh:
            texts.update(row[c] for row in csv.DictReader(fh) for c in columns if row[c])
    return tuple(sorted(texts))


@pytest.fixture
def rules_db(db):
    """A warehouse with the rule functions dbt renders (its on-run-start runs with any command)."""
    dbt_command(["seed", "--select", "units"])
    return db


def test_normalize_name_gives_the_same_result_in_python_and_sql(rules_db):
    # Given the real texts, and a few that spell what the real ones lack
    made_up = ["  Туркестанская*  ", "Число школ1)", "г. Шымкент", "Ёлка", "a\tb\u00a0c\u202fd\x1c", "Абай١)", ""]
    texts = [*real_texts(), *made_up]
    # When the parsers' normalize_name and the SQL function dbt renders from the same rules read them
    rows = rules_db.execute("select t, reference.normalize_name(t) from unnest(%s::text[]) as t", (texts,)).fetchall()
    # Then they agree on every text
    assert len(rows) == len(texts) > 2000
    assert [(text, sql) for text, sql in rows if sql != normalize_name(text)] == []
    # and every step of the rule changed some text (the comparison covers each)
    for i, step in enumerate(rules()["normalize_name"]):
        before, after = _steps_up_to(i), _steps_up_to(i + 1)
        assert any(before(text) != after(text) for text in texts), step


def _steps_up_to(n: int):
    def apply(text: str) -> str:
        for step in reference._name_steps()[:n]:
            text = step(text)
        return text

    return apply


def test_a_replacement_postgresql_would_read_otherwise_is_refused(monkeypatch):
    # Given a rule whose replacement names a group (\1 in PostgreSQL, not in Python's plain replacement)
    bad = {**rules(), "normalize_name": [{"pattern": "(a)", "replacement": "\\1"}]}
    monkeypatch.setattr(reference, "rules", lambda: bad)
    reference._name_steps.cache_clear()
    # Then the parsers refuse it, naming the file
    try:
        with pytest.raises(ValueError, match="dbt_project.yml: rules.normalize_name: a replacement is plain text"):
            normalize_name("abc")
    finally:
        reference._name_steps.cache_clear()


def test_the_bns_cell_grammar_is_the_same_in_the_parsers_and_staging(rules_db):
    # Given the texts of the real BNS files, every marker of the rules and a few made-up cells
    markers = all_markers()
    made_up = ["12,", "1 2 3", " =A1+B2", "abc", "-7", "\u00a012", "1\u202f234", "12,5\n", "\t…", "x\u2003", "١٢"]
    texts = [*real_texts(), *markers, *(f" {m} " for m in markers), *made_up]
    # When staging's functions read them
    rows = rules_db.execute(
        "select t, reference.bns_value_status(t), reference.bns_value(t) from unnest(%s::text[]) as t", (texts,)
    ).fetchall()
    assert len(rows) == len(texts)
    statuses = {status for _, status, _ in rows}
    assert set(markers.values()) | {"formula", "reported"} <= statuses  # the texts cover every status
    for text, status, value in rows:
        # Then a marker means the same status on both sides
        trimmed = text.strip(" ")
        assert markers.get(trimmed, "formula" if trimmed.startswith("=") else "reported") == status, text
        # the dynamic-table and bulletin parsers load a cell exactly when staging can read it
        readable = status in (*markers.values(), "formula") or value is not None
        assert is_value_text(text) == readable, text
        # and the generic reader gives a marker the code staging gives it
        parsed = parse_value(text)
        if trimmed in markers and parsed.value is None:
            assert parsed.marker == status, text
