"""Territory, period and value labels of BNS tables, as BNS writes them (spellings seen in real files)."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.bns.periods import parse_period
from ingest.bns.territory import clean_label, fold_lookalikes, label_language, resolve_labels
from ingest.bns.values import normalise_unit, parse_value

CITY, OBLAST = "750000000", "190000000"


def codes(labels: list[str]) -> list[str | None]:
    return [r.kato_code for r in resolve_labels(labels)]


@pytest.mark.parametrize(
    "label", ["г. Алматы", "г.Алматы", "город Алматы", "Алматы қаласы", "Almaty city", "г.Алматы  ", "Город Алматы"]
)
def test_every_spelling_of_almaty_city(label):
    assert codes(["Алматинская", label]) == [OBLAST, CITY]


@pytest.mark.parametrize("label", ["Алматинская", "Алматинская область", "Алматы облысы", "Almaty oblast", "Аlmaty"])
def test_every_spelling_of_almaty_oblast(label):
    assert codes([label, "Almaty city"])[0] == OBLAST


def test_bare_almaty_is_the_oblast_in_kazakh_and_english_tables_where_the_city_has_its_own_row():
    assert codes(["Алматы", "Жетісу", "Алматы қаласы"]) == [OBLAST, "330000000", CITY]
    assert codes(["Almaty", "Zhetisu", "Almaty city"]) == [OBLAST, "330000000", CITY]


def test_bare_almaty_is_the_city_in_a_russian_table_and_in_a_table_of_cities():
    assert codes(["Алматинская", "Алматы"]) == [OBLAST, CITY]
    assert codes(["Astana", "Almaty", "Uralsk", "Semey", "Taraz"])[1] == CITY


def test_districts_of_other_regions_with_look_alike_names_are_never_almaty_oblast():
    # «Алматы ауданы» is a district of Astana; «Алмалинский район» a district of Almaty city
    assert codes(["Алматы ауданы", "Алматы қаласы"])[0] is None
    assert codes(["Алматинский район", "Almaty district"]) == [None, None]
    assert codes(["Алмалинский район"]) == ["751110000"]


def test_look_alike_letters_and_glued_footnote_marks():
    assert fold_lookalikes("Аlmaty") == "Almaty"  # Cyrillic А in a Latin word
    assert fold_lookalikes("Cистема") == "Система"  # Latin C in a Cyrillic word
    assert clean_label("Туркестанская2)") == ("Туркестанская", "2)")
    assert clean_label("Туркестанская**") == ("Туркестанская", "**")
    assert codes(["Туркестанская2)", "Аktobе", "Кyzylorda"]) == ["610000000", "150000000", "430000000"]


def test_the_language_is_decided_per_label():
    assert [label_language(x) for x in ["Алматы қаласы", "Алматинская", "Аlmaty", "Алматы"]] == ["kk", "ru", "en", "ru"]


def test_every_region_of_kazakhstan_resolves_not_only_almaty():
    ru = ["Акмолинская", "Западно-Казахстанская", "Северо-Казахстанская", "Область Ұлытау", "Жетысу", "город Шымкент"]
    en = ["Batys Kazakhstan", "Soltustik Kazakhstan", "Shygys Kazakhstan", "Mangystau", "Ulytau", "Shymkent city"]
    kk = ["Батыс Қазақстан", "Солтүстік Қазақстан", "Шығыс  Қазақстан", "Маңғыстау", "Ұлытау", "Шымкент қаласы"]
    expected = ["110000000", "270000000", "590000000", "620000000", "330000000", "790000000"]
    assert codes(ru) == expected
    assert codes(en)[1:] == ["590000000", "630000000", "470000000", "620000000", "790000000"]
    assert codes(kk) == ["270000000", "590000000", "630000000", "470000000", "620000000", "790000000"]


@pytest.mark.parametrize(
    ("label", "kind", "start", "end", "mark"),
    [
        ("2006*", "year", date(2006, 1, 1), date(2006, 12, 31), "*"),
        ("20211)", "year", date(2021, 1, 1), date(2021, 12, 31), "1)"),
        ("2022 год", "year", date(2022, 1, 1), date(2022, 12, 31), None),
        ("2022/23", "academic_year", date(2022, 9, 1), date(2023, 8, 31), None),
        ("I квартал         2008 года", "quarter", date(2008, 1, 1), date(2008, 3, 31), None),
        ("IV quarter of 2024", "quarter", date(2024, 10, 1), date(2024, 12, 31), None),
        ("I полугодие 2008 года", "cumulative", date(2008, 1, 1), date(2008, 6, 30), None),
        ("9 месяцев 2008 года", "cumulative", date(2008, 1, 1), date(2008, 9, 30), None),
        ("01.04.2025", "date", date(2025, 4, 1), date(2025, 4, 1), None),
        ("As of April 1, 2025", "date", date(2025, 4, 1), date(2025, 4, 1), None),
    ],
)
def test_period_labels(label, kind, start, end, mark):
    period = parse_period(label)
    assert (period.kind, period.start, period.end, period.footnote) == (kind, start, end, mark)


def test_a_month_takes_the_year_of_its_table():
    assert parse_period("Наурыз").with_year(2025).start == date(2025, 3, 1)
    assert parse_period("January").start is None
    assert parse_period("Абай") is None and parse_period("2021/25") is None


@pytest.mark.parametrize(
    ("text", "value", "marker", "mark"),
    [
        ("106 0002)", "106000", None, "2)"),
        ("65,63", "65.63", None, None),
        ("110.2", "110.2", None, None),
        ("0,0", "0.0", "negligible", None),
        ("-", None, "none", None),
        ("…1)", None, "missing", "1)"),
        ("...", None, "missing", None),
        ("х", None, "confidential", None),
        ("=L4+L5", None, "formula", None),
    ],
)
def test_values_markers_and_glued_footnotes(text, value, marker, mark):
    parsed = parse_value(text)
    assert (parsed.value, parsed.marker, parsed.footnote) == (value, marker, mark)


def test_unreadable_values_and_units():
    assert parse_value("n/a") is None and parse_value("12 abc") is None
    assert normalise_unit("тыс. тенге").code == "kzt" and normalise_unit("тыс. тенге").multiplier == 1000
    assert normalise_unit("на конец года, человек").code == "persons"
    assert normalise_unit("at the end of the period, in tenge per 1 square meter").code == "kzt_per_m2"
    assert normalise_unit("тыс. тонн").multiplier == 1000
