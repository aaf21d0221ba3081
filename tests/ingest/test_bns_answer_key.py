"""Answer key: the generic BNS reader against every real workbook of the corpus and both samples.

Every expected value below was read from the workbook by a person with a plain tool (openpyxl /
xlrd printing raw cells: ``ws.cell(row, col).value``), never by running the reader; the territory
codes are the KATO codes of ``dbt_project/seeds/territories.csv`` and the classifier. A key is
(file, sheet, cell, KATO code or None for a label kept unresolved, period label as written, period
start, block path, value or BNS marker). Files: ``data/samples/bns/corpus/`` (see its PROVENANCE.md)
and ``data/samples/bns/``.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from ingest.base import ParseReport, Rejected, Row, SourceFormatError
from ingest.bns.reader import COLUMNS, SOURCE

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "bns"
CORPUS = SAMPLES / "corpus"
COL = {name: i for i, name in enumerate(COLUMNS)}


class Key(NamedTuple):
    sheet: str
    cell: str
    kato: str | None
    period: str | None  # as written
    start: str | None  # normalised start date
    block: str | None
    value: str  # a number, or a marker: none | missing | confidential | formula
    footnote: str | None = None  # a text the footnote must contain


# fmt: off
KEYS: dict[str, list[Key]] = {
    "average-life-expectancy__Hosp_Amount.xlsx": [
        Key("Число больничных организаций", "B2", "000000000", "2003", "2003-01-01", None, "1029"),
        Key("Число больничных организаций", "L2", "000000000", "2013", "2013-01-01", None, "formula"),
        Key("Число больничных организаций", "B6", "190000000", "2003", "2003-01-01", None, "83"),
        Key("Число больничных организаций", "N21", "750000000", "2015", "2015-01-01", None, "76"),
        Key("Число больничных организаций", "B22", "790000000", "2003", "2003-01-01", None, "none"),
        Key("Число больничных организаций", "C17", "610000000", "2004", "2004-01-01", None, "154", "**"),
    ],
    "average-life-expectancy__llife.xlsx": [
        Key("Все население", "B2", "000000000", "1999", "1999-01-01", None, "65.63"),
        Key("Все население", "B3", "100000000", "1999", "1999-01-01", None, "none"),
        Key("Все население", "N21", "750000000", "2011", "2011-01-01", None, "71.74"),
        Key("Мужчины", "B8", "000000000", "1999", "1999-01-01", "Мужчины", "60.58"),
        Key("Мужчины", "B34", "190000000", "1999", "1999-01-01", "Городское население", "59.13"),
        Key("Женщины", "B12", "190000000", "1999", "1999-01-01", "Женщины", "71.14"),
        Key("Женщины", "B37", "330000000", "1999", "1999-01-01", "Городское население", "none"),
    ],
    "city-air-pullution-index__air_poll.xls": [
        Key("ООС", "B4", "000000000", "2005", "2005-01-01", None, "2968.8"),
        Key("ООС", "S5", "100000000", "2022", "2022-01-01", None, "39"),
        Key("ООС", "B8", "190000000", "2005", "2005-01-01", None, "68.4"),
        Key("ООС", "B24", "750000000", "2005", "2005-01-01", None, "15.5"),
        Key("ООС", "O17", "610000000", "2018", "2018-01-01", None, "none"),
        Key("ООС", "O20", "610000000", "2018", "2018-01-01", None, "30"),
        Key("ООС", "S21", "620000000", "2022", "2022-01-01", None, "105"),
    ],
    "city-cost-of-living-index__avg_cost.xls": [
        Key("Продажа нового жилья", "B4", "000000000", "2001", "2001-01-01", None, "23636.58"),
        Key("Продажа нового жилья", "B6", "750000000", "2001", "2001-01-01", None, "38224.5"),
        Key("Продажа нового жилья", "D7", "790000000", "2003", "2003-01-01", None, "missing"),
        Key("Продажа нового жилья", "N18", "631000000", "2013", "2013-01-01", None, "106000", "2)"),
        Key("Продажа нового жилья", "B14", "191000000", "2001", "2001-01-01", None, "missing"),
        Key("Перепродажа жилья", "B23", "331000000", "2001", "2001-01-01", None, "5761"),
        Key("Аренда жилья", "B7", "750000000", "2001", "2001-01-01", None, "435"),
    ],
    "city-cost-of-living-index__avg_spend.xls": [
        Key("Лист1", "B4", "000000000", "2001", "2001-01-01", None, "4917.916666666667"),
        Key("Лист1", "W5", "100000000", "2022*", "2022-01-01", None, "63212.916666666664", "оценочные"),
        Key("Лист1", "S20", "610000000", "2018*", "2018-01-01", None, "31417"),
        Key("Лист1", "B8", "190000000", "2001", "2001-01-01", None, "3619.8333333333335"),
        Key("Лист1", "B24", "750000000", "2001", "2001-01-01", None, "8860.583333333334"),
        Key("Лист1", "B5", "100000000", "2001", "2001-01-01", None, "none"),
    ],
    "city-gdp-per-capita__6. ВРП на душу населения.xlsx": [
        Key("тыс.тенге", "B4", "000000000", "I квартал 2008 года", "2008-01-01", None, "205.6"),
        Key("тыс.тенге", "C8", "190000000", "I полугодие 2008 года", "2008-01-01", None, "169.4"),
        Key("тыс.тенге", "D8", "190000000", "9 месяцев 2008 года", "2008-01-01", None, "287.6"),
        Key("тыс.тенге", "E8", "190000000", "2008 год", "2008-01-01", None, "409.2"),
        Key("в долларах США", "B4", "000000000", "I квартал 2008 года", "2008-01-01", None, "1706.9"),
        Key("в долларах США", "C8", "190000000", "I полугодие 2008 года", "2008-01-01", None, "1405.6"),
    ],
    "city-public-transportation-quantity__public-transport-quantity.xlsx": [
        Key("Автобусный транспорт", "Q6", "000000000", "20051)", "2005-01-01", "Наличие автобусов", "65698", "1)"),
        Key("Автобусный транспорт", "Q10", "190000000", "20051)", "2005-01-01", "Наличие автобусов", "5705"),
        Key("Автобусный транспорт", "B26", "750000000", "1990", "1990-01-01", "Наличие автобусов", "none"),
        Key("Автобусный транспорт", "AG26", "750000000", "20211)", "2021-01-01", "Наличие автобусов", "8359"),
        Key("Автобусный транспорт", "B66", "190000000", "2003", "2003-01-01", None, "198.1"),
        Key("Автобусный транспорт", "P65", "150000000", "2017", "2017-01-01", None, "confidential"),
        Key("Автобусный транспорт", "M54", "750000000", "2003", "2003-01-01", None, "8251"),
    ],
    "doctors-by-region__Численность врачей всех специальностей.xls": [
        Key("Численность врачей", "B6", "000000000", "2003", "2003-01-01", None, "54613"),
        Key("Численность врачей", "U7", "100000000", "2022", "2022-01-01", None, "2702"),
        Key("Численность врачей", "B10", "190000000", "2003", "2003-01-01", None, "3347"),
        Key("Численность врачей", "U14", "330000000", "2022", "2022-01-01", None, "1696"),
        Key("Численность врачей", "B25", "750000000", "2003", "2003-01-01", None, "10052"),
        Key("Численность врачей", "B26", "790000000", "2003", "2003-01-01", None, "none"),
        Key("Численность врачей", "B21", "610000000", "2003", "2003-01-01", None, "6210", "Южно-Казахстанской"),
    ],
    "eco-spendings-and-emissions__eco.xls": [
        Key("ООС", "B4", "000000000", "2005", "2005-01-01", None, "43558237.5"),
        Key("ООС", "B8", "190000000", "2005", "2005-01-01", None, "306336.6"),
        Key("ООС", "B24", "750000000", "2005", "2005-01-01", None, "747845.8"),
        Key("ООС", "S5", "100000000", "2022", "2022-01-01", None, "4569245"),
        Key("ООС", "O20", "610000000", "2018", "2018-01-01", None, "1279159"),
        Key("ООС", "B25", "790000000", "2005", "2005-01-01", None, "none"),
    ],
    "education-mcda-kz__innovations.xls": [
        Key("4", "B5", "000000000", "2022 жыл", "2022-01-01", None, "26306"),
        Key("4", "B9", "190000000", "2022 жыл", "2022-01-01", None, "1072"),  # bare 'Алматы': the oblast
        Key("4", "B24", "750000000", "2022 жыл", "2022-01-01", None, "7036"),
        Key("4", "J25", "790000000", "2022 жыл", "2022-01-01", None, "22.6"),
        Key("4", "B13", "330000000", "2022 жыл", "2022-01-01", None, "471"),
        Key("4", "B22", "630000000", "2022 жыл", "2022-01-01", None, "1093"),
    ],
    "statGovParser__Dynamic table CPI_by_region_in_2025.xlsx": [
        Key("ИПЦ", "B4", "000000000", "January", "2025-01-01", "to the previous month", "101.1"),
        Key("ИПЦ", "B8", "190000000", "January", "2025-01-01", "to the previous month", "100.8"),
        Key("ИПЦ", "B23", "750000000", "January", "2025-01-01", "to the previous month", "100.7"),
        Key("ИПЦ", "D32", "190000000", "March", "2025-03-01", "by December of the previous year", "103.5"),
        Key("ИПЦ", "B56", "190000000", "January", "2025-01-01", "to the corresponding month of the previous year",
            "106.6"),
        Key("Проды", "B8", "190000000", "January", "2025-01-01", "to the previous month", "100.9"),
    ],
    "statGovParser__Dynamic table Housing_market_prices.xlsx": [
        Key("Sale of new housing", "B5", "000000000", "2001", "2001-01-01", None, "23636.58"),
        Key("Sale of new housing", "B7", "750000000", "2001", "2001-01-01", None, "38224.5"),  # a table of cities
        Key("Sale of new housing", "D8", "790000000", "2003", "2003-01-01", None, "missing"),
        Key("Sale of new housing", "B12", "621000000", "2001", "2001-01-01", None, "missing"),
        Key("Resale of apartments", "B12", "621000000", "2001", "2001-01-01", None, "missing"),
        Key("Resale of apartments", "B6", "710000000", "2001", "2001-01-01", None, "23853.6"),
    ],
    "statGovParser__Dynamic table Index_of_tariffs_for_the_transportation_of_goods_by_all_modes_of_transport.xlsx": [
        Key("regions", "B9", "190000000", "2003", "2003-01-01",
            "At the end of the period, to December of the previous year", "106.2"),
        Key("regions", "B6", "100000000", "2003", "2003-01-01",
            "At the end of the period, to December of the previous year", "missing"),
        Key("regions", "B24", "750000000", "2003", "2003-01-01",
            "At the end of the period, to December of the previous year", "100.6"),
        Key("regions", "B31", "190000000", "2003", "2003-01-01", "To previous year", "107.9"),
        Key("regions", "B46", "750000000", "2003", "2003-01-01", "To previous year", "102.8"),
        Key("regions", "B40", "550000000", "2003", "2003-01-01", "To previous year", "181.6"),
    ],
    "statGovParser__Household_expenses_and_income_of_the_Republic_of_Kazakhstan_(IV_quarter_of_2024).xlsx": [
        Key("1.1 ", "B8", "000000000", "IV quarter of 2024", "2024-10-01", "By region", "1030788"),
        Key("1.1 ", "B12", "190000000", "IV quarter of 2024", "2024-10-01", "By region", "1022765"),  # 'Аlmaty'
        Key("1.1 ", "C12", "190000000", "IV quarter of 2024", "2024-10-01", "By region", "957318"),
        Key("1.1 ", "B11", "150000000", "IV quarter of 2024", "2024-10-01", "By region", "1023789"),  # 'Аktobе'
        Key("1.1 ", "B27", "750000000", "IV quarter of 2024", "2024-10-01", "By region", "1180948"),
        Key("1.1 ", "B32", "100000000", "IV quarter of 2024", "2024-10-01", "In urban areas", "777761"),
    ],
    "statGovParser__Price_index_and_average_prices_for_socially_important_food_products_in_the_Republic_of_"
    "Kazakhstan_(as_1_April_2025).xlsx": [
        Key("5", "O4", "271000000", "As of April 1, 2025", "2025-04-01", None, "missing", "1)"),
        Key("5", "C4", "710000000", "As of April 1, 2025", "2025-04-01", None, "285"),
        Key("5", "D4", "750000000", "As of April 1, 2025", "2025-04-01", None, "290"),  # a table of cities
        Key("5", "V4", "611000000", "As of April 1, 2025", "2025-04-01", None, "221"),  # Turkistan, the city
        Key("5", "R4", "591000000", "As of April 1, 2025", "2025-04-01", None, "150"),  # 'Pertopavlovsk'
        Key("5", "B4", None, "As of April 1, 2025", "2025-04-01", None, "222"),  # 'By surveyed cities'
        Key("2", "C4", "710000000", "As of April 1, 2025", "2025-04-01", None, "102.5"),
    ],
    "../number_of_schools_by_region_2000-2023_ru.xlsx": [
        Key("Число общеобраз. школ", "B9", "000000000", "2000/01", "2000-09-01", "Все население", "8353"),
        Key("Число общеобраз. школ", "W13", "190000000", "2021/22", "2021-09-01", "Все население", "800"),
        Key("Число общеобраз. школ", "X13", "190000000", "2022/23", "2022-09-01", "Все население", "464"),
        Key("Число общеобраз. школ", "X35", "190000000", "2022/23", "2022-09-01", "Городское население", "51"),
        Key("Число общеобраз. школ", "X57", "190000000", "2022/23", "2022-09-01", "Сельское население", "413"),
        Key("Число общеобраз. школ", "W35", "190000000", "2021/22", "2021-09-01", "Городское население", "formula"),
        Key("Число общеобраз. школ", "X17", "330000000", "2022/23", "2022-09-01", "Все население", "349"),
        Key("Число общеобраз. школ", "X28", "750000000", "2022/23", "2022-09-01", "Все население", "333"),
    ],
    "../education_organisations_finance_2022_kk.xls": [
        Key("1.1", "B5", "000000000", "2022 жыл", "2022-01-01", "Білім беру", "4598125014"),
        Key("1.1", "B9", "190000000", "2022 жыл", "2022-01-01", "Білім беру", "275562056"),  # bare 'Алматы'
        Key("1.1", "B24", "750000000", "2022 жыл", "2022-01-01", "Білім беру", "588886105"),
        Key("1.1", "B13", "330000000", "2022 жыл", "2022-01-01", "Білім беру", "145282228"),
        Key("1.2", "B9", "190000000", "2022 жыл", "2022-01-01", "Мектепке дейінгі білім беру", "47714436"),
        Key("1.3", "E9", "190000000", "2022 жыл", "2022-01-01", "Бастауыш білім беру", "none"),
    ],
}
# fmt: on

#: workbooks that are not territorial tables, and why a person reading them says so
NOT_TERRITORIAL = {
    "decent_work_indicators__work_stats.xlsx": "ILO decent-work indicators for the whole republic: rows are "
    "indicators split by sex (Всего / Мужчины / Женщины), no region or city anywhere",
}
#: corpus files named .xlsx that are old binary .xls workbooks (read by their magic bytes, not their name)
XLS_UNDER_XLSX_NAME = {
    "statGovParser__Dynamic table Housing_market_prices.xlsx",
    "statGovParser__Dynamic table Index_of_tariffs_for_the_transportation_of_goods_by_all_modes_of_transport.xlsx",
}


@functools.cache
def parsed(name: str) -> dict[tuple[str, str], Row | Rejected]:
    path = CORPUS / name
    with open(path, "rb") as fh:
        items = list(SOURCE.parse(fh, path.name, ParseReport()))
    cells: dict[tuple[str, str], Row | Rejected] = {}
    for item in items:
        if isinstance(item, Row):
            key = (item.sheet, item.values[COL["cell_ref"]])
            assert key not in cells, f"{name}: cell {key} delivered twice"
            cells[key] = item
    return cells


def test_every_corpus_workbook_has_an_answer_key_or_a_reason_for_refusal():
    corpus = {p.name for p in CORPUS.iterdir() if p.suffix in (".xls", ".xlsx")}
    keyed = {name for name in KEYS if not name.startswith("../")}
    assert corpus == keyed | set(NOT_TERRITORIAL), corpus ^ (keyed | set(NOT_TERRITORIAL))
    assert len(corpus) == 16
    assert all(len(keys) >= 6 for keys in KEYS.values())


@pytest.mark.parametrize("name", sorted(KEYS))
def test_the_reader_matches_the_answer_key(name):
    # Given a real BNS workbook and values a person read from it
    # When the generic reader parses it
    cells = parsed(name)
    # Then every keyed cell is there with its territory, period, block and value
    wrong = []
    for key in KEYS[name]:
        row = cells.get((key.sheet, key.cell))
        if row is None:
            wrong.append(f"{key.sheet}!{key.cell}: not read")
            continue
        v = dict(zip(COLUMNS, row.values, strict=True))
        got_value = v["value"] if v["marker"] in (None, "negligible") else v["marker"]
        expected_value = key.value
        same_value = (
            Decimal(got_value) == Decimal(expected_value)
            if got_value and expected_value[0].isdigit() and got_value[0] in "-0123456789"
            else got_value == expected_value
        )
        checks = {
            "kato_code": (v["kato_code"], key.kato),
            "period_label": (v["period_label"], key.period),
            "period_start": (v["period_start"], key.start),
            "block_path": (v["block_path"], key.block),
        }
        for what, (got, expected) in checks.items():
            if got != expected:
                wrong.append(f"{key.sheet}!{key.cell} {what}: got {got!r}, expected {expected!r}")
        if not same_value:
            wrong.append(f"{key.sheet}!{key.cell} value: got {got_value!r}, expected {expected_value!r}")
        if key.footnote and key.footnote not in (v["footnote"] or ""):
            wrong.append(f"{key.sheet}!{key.cell} footnote: got {v['footnote']!r}, expected {key.footnote!r} in it")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(NOT_TERRITORIAL))
def test_a_workbook_that_is_not_a_territorial_table_is_refused_saying_so(name):
    # Given a real BNS workbook without regions (the reason is in NOT_TERRITORIAL)
    # When it is parsed, Then it is refused as a whole with a reason that says so
    with pytest.raises(SourceFormatError, match="not a territorial table"):
        parsed(name)


@pytest.mark.parametrize("name", sorted(XLS_UNDER_XLSX_NAME))
def test_old_xls_workbooks_under_an_xlsx_name_are_read_by_their_magic_bytes(name):
    assert (CORPUS / name).read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert len(parsed(name)) > 500


def test_no_cell_outside_a_territorial_table_is_loaded():
    # the Kazakh bulletin's sheets '2', '6' are by economic activity; the contents sheet is no table
    sheets = {sheet for sheet, _ in parsed("education-mcda-kz__innovations.xls")}
    assert {"2", "6", "Мазмұны", "Мұқаба"}.isdisjoint(sheets)
    assert {"1", "4", "22"} <= sheets
    # the transposed monthly sheet of the housing file has no territory
    assert "din rental housing" not in {s for s, _ in parsed("statGovParser__Dynamic table Housing_market_prices.xlsx")}
