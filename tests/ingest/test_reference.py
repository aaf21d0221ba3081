"""Territory names and units shared by the parsers (Python) and staging (SQL)."""

from __future__ import annotations

import pytest

from ingest.reference import detect_language, normalize_name, resolve_territory, territory_names


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


def test_sql_twin_of_normalize_name_gives_the_same_result(db, dbt_manifest):
    """The dbt macro normalize_name must match ingest.reference.normalize_name on every seed name."""
    import re

    from edu_wh.config import DBT_PROJECT_DIR

    macro = (DBT_PROJECT_DIR / "macros" / "normalize_name.sql").read_text()
    body = re.search(r"%\}(.*)\{%-? endmacro", macro, re.S).group(1).replace("{{ expression }}", "%(n)s")
    names = [name for (_, name) in territory_names()] + ["  Туркестанская*  ", "Число школ1)", "г. Шымкент", "Ёлка"]
    for name in names:
        sql_value = db.execute(f"select {body}", {"n": name}).fetchone()[0]
        assert sql_value == normalize_name(name), name
