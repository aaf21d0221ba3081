"""The raw suite of the generic BNS reader (raw.bns_cells) on real workbooks, and the marts it feeds."""

from __future__ import annotations

import openpyxl
import psycopg

from expectations.suites.raw_bns import SUITE
from ingest.bns.reader import SOURCE
from ingest.loader import load_file
from tests.conftest import SAMPLES
from tests.expectations.conftest import assert_fails, gate, result, sql

CORPUS = SAMPLES / "bns" / "corpus"
SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
BULLETIN = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"
DOCTORS = CORPUS / "doctors-by-region__Численность врачей всех специальностей.xls"
LIFE = CORPUS / "average-life-expectancy__llife.xlsx"


def critical_failures(report) -> dict:
    return {r.protects: r.examples[:2] for r in report.results if not r.success and r.severity == "critical"}


def test_real_workbooks_pass_every_critical_check_and_no_figure_is_a_check(seeded):
    # Given real BNS workbooks of several topics and both samples loaded by the generic reader
    for path in (SCHOOLS, BULLETIN, DOCTORS, LIFE):
        load_file(SOURCE, path)
    # When the raw suite runs
    report = gate(SUITE)
    # Then nothing critical fails, and the first delivery of each file has nothing to compare with
    assert not critical_failures(report), critical_failures(report)
    assert result(report, "values of past periods").success
    assert len(report.results) >= 10
    assert "800" not in SUITE.description and "464" not in SUITE.description


def test_a_revised_past_value_is_a_warning_with_the_rows_not_a_refusal(seeded, tmp_path):
    # Given the schools table, then a revision of it where BNS corrected 2021/22 for Almaty oblast
    load_file(SOURCE, SCHOOLS)
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    assert ws["W13"].value == 800 and ws["A13"].value == "Алматинская"  # read from the file
    ws["W13"].value = 801
    revised = tmp_path / "number_of_schools_by_region_2000-2024_ru.xlsx"
    wb.save(revised)
    batch = load_file(SOURCE, revised).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the revision is reported with its cell and both values, as a warning; nothing critical fails
    assert_fails(report, "values of past periods", shows=["revised: 800", "now 801"], severity="warning", batch=batch)
    assert not critical_failures(report), critical_failures(report)


def test_cells_that_reached_raw_past_the_reader_are_caught(seeded):
    batch = load_file(SOURCE, DOCTORS).batch_id
    sql(seeded, "update raw.bns_cells set value = 'н/д', marker = null where cell_ref = 'B10'")
    sql(seeded, "update raw.bns_cells set period_kind = 'decade' where cell_ref = 'C10'")
    sql(seeded, "update raw.bns_cells set cell_ref = 'B11' where cell_ref = 'B12'")
    report = gate(SUITE)
    assert_fails(report, "every cell holds a number", shows=["neither a number nor a BNS marker"], batch=batch)
    assert_fails(report, "every period is a year", shows=["decade"], batch=batch)
    assert_fails(report, "sheet cell", batch=batch)


def test_a_seed_row_puts_a_bns_indicator_into_the_marts(seeded):
    """Adding an indicator is a row of seeds/bns_indicators.csv: the schools table and the doctors table
    reach fct_bns_indicator_values with no code of their own."""
    from edu_wh.dbt_runner import dbt_command

    for path in (SCHOOLS, BULLETIN, DOCTORS):
        load_file(SOURCE, path)
    dbt_command(["build", "--select", "+fct_bns_indicator_values"])
    with psycopg.connect(seeded) as conn:
        rows = dict(
            conn.execute(
                "select indicator_code || ' ' || kato_code || ' ' || period_label || ' ' || block_path, value "
                "from marts.fct_bns_indicator_values where kato_code in ('190000000', '750000000')"
            ).fetchall()
        )
    # values read from the files: schools W13 = 800, X35 = 51; doctors B10 = 3347; bulletin 1.1 C9 (thousand tenge)
    assert rows["general_schools 190000000 2021/22 Все население"] == 800
    assert rows["general_schools 190000000 2022/23 Городское население"] == 51
    assert rows["doctors 190000000 2003 "] == 3347
    assert rows["education_expenditure_current_kzt 190000000 2022 жыл Білім беру"] == 272914067 * 1000
