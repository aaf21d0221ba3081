"""The raw suite of BNS bulletins on the real 2022 bulletin, and on editions carrying defects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from expectations.suites.raw_bns_bulletin import SUITE
from ingest.bns_bulletin import SOURCE
from ingest.excel import read_workbook
from ingest.loader import load_file
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    result,
    sql,
)

BULLETIN = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"


def edition(tmp_path: Path, name: str, edit: Callable[[dict[str, list[list]]], None] = lambda book: None) -> Path:
    """The real bulletin's cells as text, changed by ``edit`` (sheet name → rows), saved as a workbook."""
    with open(BULLETIN, "rb") as stream:
        book = {sheet.name: [list(row) for row in sheet.rows] for sheet in read_workbook(stream, BULLETIN.name)}
    edit(book)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet_name, rows in book.items():
        ws = wb.create_sheet(sheet_name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c).value = value
    path = tmp_path / name
    wb.save(path)
    return path


def row_of(rows: list[list], label: str) -> list:
    return next(row for row in rows if row and row[0] and row[0].strip() == label)


def test_the_real_bulletin_passes_every_check(seeded):
    # Given the real 2022 bulletin (75 tables, 21 by region)
    load_file(SOURCE, BULLETIN)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: in each table by region the regions add up to the republic
    assert_passes(report)
    assert result(report, "the regions add up to the republic").success


def test_a_new_edition_whose_regions_do_not_add_up_is_caught(seeded, tmp_path):
    # Given the 2022 bulletin, and a 2023 edition in which a region's value was mistyped (table 1.1)
    # and a region is listed twice under two spellings (table 1.2: 'Атырау' relabelled 'Алматы облысы')
    load_file(SOURCE, BULLETIN)

    def mistakes(book):
        book["Обложка"][4][0] = "Релиз шығарылымы: 21.06.2024"
        book["Обложка"][12][0] = "2023 жыл"
        almaty = row_of(book["1.1"], "Алматы")
        almaty[1] = str(int(almaty[1]) + 1000)

    path = edition(tmp_path, "education_organisations_finance_2023_kk.xlsx", mistakes)
    bad = load_file(SOURCE, path).batch_id
    # (the parser refuses a territory twice in a table; the relabelling reaches raw past it, as by hand)
    sql(
        seeded,
        "update raw.bns_bulletin_cells set row_label = 'Алматы облысы' where _batch_id = %s and table_code = '1.2' "
        "and row_label = 'Атырау'",
        (bad,),
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then the sums fail for the new edition's tables, naming table, column and both totals
    assert_fails(
        report,
        "the regions add up to the republic",
        shows=["table 1.1, Ағымдағы табыстар: the 20 regions add up to 4598126014, the republic is 4598125014"],
        batch=bad,
    )
    assert_fails(
        report,
        "one value per table × row (territory) × column",
        shows=["table 1.2: territory 190000000", "Алматы / Алматы облысы"],
        batch=bad,
    )
    assert_publication_blocked(report)


def test_a_smaller_edition_loaded_with_allow_volume_drop_is_accepted_by_the_gate(seeded, tmp_path):
    # Given the 2022 edition (as a workbook), then a 2023 edition with only the tables of part 1
    load_file(SOURCE, edition(tmp_path, "education_organisations_finance_2022_kk.xlsx"))

    def part_one(book):
        book["Обложка"][4][0] = "Релиз шығарылымы: 21.06.2024"
        book["Обложка"][12][0] = "2023 жыл"
        for name in [n for n in book if n[:1].isdigit() and not n.startswith("1.")]:
            del book[name]
        book["Содержание"] = [row for row in book["Содержание"] if not (row and row[0] and row[0][:1] in "234567")]

    smaller = edition(tmp_path, "education_organisations_finance_2023_kk.xlsx", part_one)
    # When it is loaded with --allow-volume-drop (the loader refuses it otherwise)
    loaded = load_file(SOURCE, smaller, allow_volume_drop=True)
    # Then the gate's volume check honours that acceptance and says so in the report
    report = gate(SUITE)
    assert result(report, "no delivery lost more than 50%").success
    assert f"only {loaded.rows_loaded:,} rows against 8,532" in report.markdown
    assert_passes(report)


def test_cells_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the real bulletin, changed in raw by hand (as an older parser or a manual fix could leave it)
    load_file(SOURCE, BULLETIN)
    batch = batch_of(seeded, BULLETIN.name)
    sql(seeded, "update raw.bns_bulletin_cells set table_kind = 'map' where table_code = '7.9'")
    sql(seeded, "update raw.bns_bulletin_cells set cell_text = 'жоқ' where table_code = '2.1' and cell_ref = 'D7'")
    sql(seeded, "update raw.bns_bulletin_cells set release_date = '2021-06-22'")
    sql(seeded, "update raw.bns_bulletin_cells set column_label = null where table_code = '3.1' and cell_ref = 'C6'")
    sql(seeded, "update raw.bns_bulletin_cells set language = 'en' where table_code = '6.1'")
    sql(
        seeded,
        "insert into raw.bns_bulletin_cells select * from raw.bns_bulletin_cells "
        "where table_code = '5.1' and cell_ref = 'D7'",
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "by region or by line item", shows='"table_kind": "map"', batch=batch)
    assert_fails(
        report, "every cell holds a number or a BNS marker", shows="not a number, a BNS marker or a formula: жоқ"
    )
    assert_fails(report, "release date comes after it", shows="report year 2022, released 2021-06-22")
    assert_fails(report, "every cell has its", shows="empty: column_label")
    assert_fails(report, "read as Kazakh or Russian", shows='"language": "en"')
    assert_fails(report, "one row per sheet cell", shows='"cell_ref": "D7"')
    assert_fails(report, "complete in raw", shows="raw holds 8533 rows, the load counted 8532")
    assert_publication_blocked(report)


def test_names_and_units_missing_from_the_reference_lists_are_caught(seeded):
    # Given the real bulletin, and reference lists that lost a region's Kazakh name and the unit (stale seeds)
    load_file(SOURCE, BULLETIN)
    sql(seeded, "delete from reference.territory_names where language = 'kk' and name = 'Ұлытау'")
    sql(seeded, "delete from reference.units where label = 'мың теңге'")
    # When the raw suite runs
    report = gate(SUITE)
    # Then the unknown name (on region tables only) and the unknown unit are named
    assert_fails(report, "row of a region table is a known territory", shows="unknown territory Ұлытау (kk)")
    assert_fails(report, "every unit of measure is known", shows="unknown unit мың теңге")
