"""The raw suite of Comfortable School reports on the generated reports, and on reports carrying defects."""

from __future__ import annotations

import openpyxl
import psycopg

from expectations.suites.raw_comfortable_school import SUITE
from ingest.comfortable_school import SOURCE
from ingest.loader import load_file
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

LAST = "komfortnaya_shkola_operator_2025q2.xlsx"
HEADER_ROW = 4


def load_reports(drop) -> None:
    for path in sorted((drop / "comfortable_school").glob("*.xlsx")):
        load_file(SOURCE, path)


def test_the_generated_reports_pass_every_check(seeded, drop):
    # Given the operator's quarterly reports and the oblast akimat's August 2023 report
    load_reports(drop)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes (the register grows from report to report; growth is not a problem here)
    assert_passes(report)
    assert len(report.suites[0].batches) == 12


def test_a_project_that_moves_or_swells_in_a_new_report_is_reported(seeded, drop, tmp_path):
    # Given every report, then the operator's next report in which one project sits in another district
    # and another has 6,000 places
    load_reports(drop)
    wb = openpyxl.load_workbook(drop / "comfortable_school" / LAST)
    ws = wb.active
    columns = {ws.cell(HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1)}
    moved = ws.cell(HEADER_ROW + 1, columns["ID проекта"]).value
    ws.cell(HEADER_ROW + 1, columns["Код КАТО"]).value = "751110000"
    ws.cell(HEADER_ROW + 2, columns["Мощность (мест)"]).value = 6000
    path = tmp_path / "komfortnaya_shkola_operator_2025q3.xlsx"
    wb.save(path)
    new = load_file(SOURCE, path).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then both are warnings naming the project and the report; publication is not blocked
    assert_fails(report, "keeps its territory", shows=f"project {moved} is placed in 2 territories", severity="warning")
    assert_fails(
        report, "project sizes are plausible", shows="6000 places for one school", severity="warning", batch=new
    )
    assert report.success


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded, drop):
    # Given the last report, changed in raw by hand
    load_file(SOURCE, drop / "comfortable_school" / LAST)
    batch = batch_of(seeded, LAST)
    with psycopg.connect(seeded) as conn:
        ids = [r[0] for r in conn.execute("select project_id from raw.comfortable_school_reports order by 1 limit 7")]
    sql(seeded, "update raw.comfortable_school_reports set status = 'Приостановлено' where project_id = %s", (ids[0],))
    sql(seeded, "update raw.comfortable_school_reports set funding_source = 'Грант' where project_id = %s", (ids[1],))
    sql(seeded, "update raw.comfortable_school_reports set places = '0' where project_id = %s", (ids[2],))
    sql(seeded, "update raw.comfortable_school_reports set status_date = 'вчера' where project_id = %s", (ids[3],))
    sql(
        seeded,
        "update raw.comfortable_school_reports set status_date = '2031-01-01', target_year = '23' where project_id = %s",
        (ids[4],),
    )
    sql(
        seeded,
        "update raw.comfortable_school_reports set kato_code = '999999999', name_ru = null where project_id = %s",
        (ids[5],),
    )
    sql(
        seeded,
        "insert into raw.comfortable_school_reports select * from raw.comfortable_school_reports where project_id = %s",
        (ids[6],),
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "status (planned, under construction", shows="unknown status Приостановлено", batch=batch)
    assert_fails(report, "status (planned, under construction", shows="unknown funding source Грант")
    assert_fails(report, "positive whole number of places", shows="not a positive whole number: places=0")
    assert_fails(report, "no status is dated after its report", shows="status date вчера is not a date")
    assert_fails(report, "no status is dated after its report", shows=["after the report date", "planned year 23"])
    assert_fails(report, "is a known KATO code", shows="unknown KATO code 999999999")
    assert_fails(report, "every project row has its", shows="empty: name_ru")
    assert_fails(report, "one row per project × status date", shows=ids[6])
    assert_publication_blocked(report)
