"""The BNS dynamic-table reader on the real schools file and on broken variants of it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ingest.base import Rejected, Row, SourceFormatError
from ingest.bns_dynamic import SOURCE, find_header_row
from ingest.excel import Sheet
from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
COLUMNS = SOURCE.raw_table.columns


def as_dicts(items):
    return [dict(zip(COLUMNS, i.values)) | {"row": i.row_number} for i in items if isinstance(i, Row)]


def workbook_bytes(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def minimal_table(**overrides) -> list[list]:
    rows = [
        ["Число общеобразовательных школ", None, None, None],
        [None, None, None, overrides.get("unit", "единиц")],
        [None, "2020/21", "2021/22", "2022/23"],
        ["Все население", None, None, None],
        ["Республика Казахстан", 7440, 7550, 7687],
        [overrides.get("region", "Алматинская"), 793, overrides.get("value", 800), 464],
        ["город Алматы", 300, 317, 333],
    ]
    return rows


def test_real_schools_file_yields_every_cell_with_its_block_and_reference():
    # Given the real BNS table of schools by region (3 blocks × 20 regions + republic × 23 years)
    items = SOURCE.parse_bytes(SCHOOLS.read_bytes(), SCHOOLS.name)
    rows = as_dicts(items)
    # Then every cell of every block arrives, nothing is quarantined
    assert len(rows) == 3 * 20 * 23
    assert not [i for i in items if isinstance(i, Rejected)]
    assert {r["block_label"] for r in rows} == {"Все население", "Городское население", "Сельское население"}
    assert {r["period_label"] for r in rows} >= {"2000/01", "2021/22", "2022/23"}
    # And Almaty oblast 2021/22 is 800 (before the split) and 464 the year after, as delivered
    oblast = {
        r["period_label"]: r for r in rows if r["row_label"] == "Алматинская" and r["block_label"] == "Все население"
    }
    assert oblast["2021/22"]["cell_text"] == "800" and oblast["2021/22"]["cell_ref"] == "W13"
    assert oblast["2022/23"]["cell_text"] == "464"
    assert oblast["2021/22"]["unit_label"] == "единиц"
    assert oblast["2021/22"]["language"] == "ru"


def test_markers_and_formulas_are_kept_as_delivered():
    rows = as_dicts(SOURCE.parse_bytes(SCHOOLS.read_bytes(), SCHOOLS.name))
    by_ref = {r["cell_ref"]: r for r in rows}
    # a leftover external-workbook formula (no cached value) stays as its formula text
    assert by_ref["W35"]["cell_text"] == "=[1]Алматинская!$G$32"
    # "…" (missing) in Shymkent 2014/15
    shymkent = [r for r in rows if r["row_label"] == "город Шымкент" and r["period_label"] == "2014/15"]
    assert {r["cell_text"] for r in shymkent} == {"…"}
    # regions created in 2022 have empty cells before, kept as NULL
    abai = [r for r in rows if r["row_label"] == "Абай" and r["period_label"] == "2021/22"]
    assert abai and all(r["cell_text"] is None for r in abai)


def test_header_row_is_found_by_content_not_position():
    # Given the same table shifted down and right, with a different unit cell position
    shifted = [[None] * 3] * 5 + [[None, None, *row] for row in minimal_table()]
    items = SOURCE.parse_bytes(workbook_bytes(shifted), "shifted.xlsx")
    rows = as_dicts(items)
    assert len(rows) == 3 * 3
    assert {r["row_label"] for r in rows} == {"Республика Казахстан", "Алматинская", "город Алматы"}
    assert find_header_row(Sheet("s", [[None, "2001", "2002", "2003 г."]])) == (0, [1, 2, 3])


def test_calendar_year_tables_work_without_code_changes():
    table = minimal_table()
    table[2] = [None, "2020", "2021", "2022"]
    rows = as_dicts(SOURCE.parse_bytes(workbook_bytes(table), "calendar.xlsx"))
    assert {r["period_label"] for r in rows} == {"2020", "2021", "2022"}


def test_text_in_a_numeric_cell_is_quarantined_with_cell_and_reason():
    items = SOURCE.parse_bytes(workbook_bytes(minimal_table(value="восемьсот")), "bad.xlsx")
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1
    assert "not a number or BNS marker" in rejected[0].reason and "C6" in rejected[0].reason
    assert rejected[0].row_number == 6
    assert len(as_dicts(items)) == 8  # the other cells still load


def test_unknown_territory_is_quarantined():
    items = SOURCE.parse_bytes(workbook_bytes(minimal_table(region="Атлантида")), "bad.xlsx")
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [r.reason for r in rejected] == [
        "unknown territory name: 'Атлантида' is not in seeds/territory_names.csv (ru)"
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"<html><body>Not found</body></html>", "an HTML page"),
        (b"PK\x03\x04truncated", "not a readable .xlsx workbook"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, "broken.xlsx")
    assert "broken.xlsx" in str(info.value)


def test_truncated_real_file_is_refused():
    data = SCHOOLS.read_bytes()
    with pytest.raises(SourceFormatError, match="broken.xlsx"):
        SOURCE.parse_bytes(data[: len(data) // 2], "broken.xlsx")


def test_missing_unit_is_refused_naming_sheet_and_row():
    with pytest.raises(SourceFormatError, match=r"sheet 'Sheet1', row 3: no unit of measure"):
        SOURCE.parse_bytes(workbook_bytes(minimal_table(unit=None)), "nounit.xlsx")


def test_a_workbook_without_year_header_is_refused():
    with pytest.raises(SourceFormatError, match="no sheet has a header row of years"):
        SOURCE.parse_bytes(workbook_bytes([["a", "b"], ["c", 1]]), "other.xlsx")
