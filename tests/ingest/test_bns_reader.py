"""The generic BNS reader on layouts built for one property each: no silent partial loads, blocks, axes."""

from __future__ import annotations

import pytest

from ingest.base import Row, SourceFormatError
from ingest.bns.reader import COLUMNS, SOURCE
from tests.workbooks import workbook

COL = {name: i for i, name in enumerate(COLUMNS)}
REGIONS = [
    "Республика Казахстан", "Абай", "Акмолинская", "Актюбинская", "Алматинская", "Атырауская",
    "Западно-Казахстанская", "Жамбылская", "Жетісу", "Карагандинская", "Костанайская", "Кызылординская",
    "Мангистауская", "Павлодарская", "Северо-Казахстанская", "Туркестанская", "Ұлытау",
    "Восточно-Казахстанская", "г. Астана", "г. Алматы", "г. Шымкент",
]  # fmt: skip


def dynamic(labels: list[str]) -> bytes:
    rows = [["Число чего-то"], [None, None, None, "единиц"], [None, 2021, 2022, 2023]]
    rows += [[label, 10 + i, 11 + i, 12 + i] for i, label in enumerate(labels)]
    return workbook({"Лист1": rows})


def test_a_few_unknown_territories_load_with_the_label_kept_and_noted():
    # Given 21 regions and one label no seed knows (1 of 22 rows, under 5 %)
    items = SOURCE.parse_bytes(dynamic([*REGIONS, "Новая область"]), "one_unknown.xlsx")
    rows = [i for i in items if isinstance(i, Row)]
    unknown = [r for r in rows if r.values[COL["territory_label"]] == "Новая область"]
    # Then it loads, and the unknown row keeps its label with no code
    assert len(rows) == 22 * 3 and len(unknown) == 3
    assert {r.values[COL["kato_code"]] for r in unknown} == {None}


def test_more_than_5_percent_unknown_territories_refuse_the_whole_file_with_the_list():
    # Given 21 regions and two districts of another region (2 of 23 rows, over 5 %)
    labels = [*REGIONS, "Алматы ауданы", "Сарыарка ауданы"]
    # When it is parsed, Then nothing is loaded and the message lists the rows
    with pytest.raises(SourceFormatError, match=r"2 of 23 territorial rows .* 'Алматы ауданы'.*'Сарыарка ауданы'"):
        SOURCE.parse_bytes(dynamic(labels), "two_unknown.xlsx")


def test_unreadable_values_count_as_problem_rows():
    rows = [["Число чего-то"], [None, 2021, 2022]] + [[r, "н/д", "?"] for r in REGIONS[:5]]
    rows += [[r, 1, 2] for r in REGIONS[5:]]
    with pytest.raises(SourceFormatError, match=r"unreadable value in row 'Абай'"):
        SOURCE.parse_bytes(workbook({"S": rows}), "unreadable.xlsx")


def test_regions_as_columns_and_periods_as_rows_are_read_transposed():
    # Given a sheet with the cities across and the years down (a transposed table)
    header = [None, "г. Астана", "г. Алматы", "г. Шымкент", "Актау", "Уральск"]
    rows = [["Средняя цена"], ["тенге"], header, [2022, 1, 2, 3, 4, 5], [2023, 6, 7, 8, 9, 10]]
    items = [i for i in SOURCE.parse_bytes(workbook({"S": rows}), "t.xlsx") if isinstance(i, Row)]
    got = {(r.values[COL["kato_code"]], r.values[COL["period_label"]]): r.values[COL["value"]] for r in items}
    assert got[("750000000", "2023")] == "7" and got[("271000000", "2022")] == "5"
    assert {r.values[COL["unit_code"]] for r in items} == {"kzt"}


def test_cells_an_older_reader_loaded_as_not_available_get_the_code_staging_reads(db):
    from edu_wh.bootstrap import bootstrap
    from edu_wh.config import REPO_ROOT
    from ingest.loader import load_file
    from ingest.registry import all_sources

    # Given a real file loaded as the reader wrote "…" before its markers came from rules.bns_cell
    load_file(SOURCE, REPO_ROOT / "data" / "samples" / "bns" / "corpus" / "city-cost-of-living-index__avg_cost.xls")
    old = db.execute("update raw.bns_cells set marker = 'not_available' where marker = 'missing'").rowcount
    # When the warehouse is bootstrapped (every command does)
    bootstrap(db, all_sources())
    # Then those cells say missing, as staging's accepted values and the published value_status do
    counts = db.execute(
        "select count(*) filter (where marker = 'not_available'), count(*) filter (where marker = 'missing') "
        "from raw.bns_cells"
    ).fetchone()
    assert old > 0 and counts == (0, old)
