"""The raw suite of NEDB extracts on the generated scale-1 extracts, and on deliveries carrying defects."""

from __future__ import annotations

import csv
import io

import psycopg

from expectations.suites.raw_nedb import SUITE
from ingest.loader import load_file
from ingest.nedb import HEADERS, SOURCE
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    result,
    sql,
)

YEAR_FILE = "nedb_schools_2023-24.csv"
COLUMNS = list(HEADERS)


def read_extract(path) -> tuple[list[str], list[dict]]:
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return rows[0], [dict(zip(COLUMNS, row)) for row in rows[1:]]


def write_extract(path, header: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row[c] for c in COLUMNS] for row in rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def load_years(drop) -> None:
    for path in sorted((drop / "nedb").glob("*.csv")):
        load_file(SOURCE, path)


def test_the_generated_extracts_pass_every_check(seeded, drop):
    # Given the six generated yearly extracts (2019/20 … 2024/25; pre-2022 rows carry pre-split codes)
    load_years(drop)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes, including codes in use in the year each row reports on
    assert_passes(report)
    assert len(report.suites[0].batches) == 6


def test_a_redelivered_year_with_surprises_is_reported_but_not_blocked(seeded, drop, tmp_path):
    # Given the extracts, then 2023/24 delivered again: 60% more schools (copies under new BINs), one school
    # of 12,000 pupils, a 2022/23 row inside the 2023/24 file, and a school under Aksu district's pre-2022 code
    load_years(drop)
    header, rows = read_extract(drop / "nedb" / YEAR_FILE)
    extra = [{**row, "bin": f"{990000000000 + i:012d}"} for i, row in enumerate(rows[: int(len(rows) * 0.6)])]
    extra[0].update(pupils_grades_1_4="5000", pupils_grades_5_9="5000", pupils_grades_10_11="2000")
    extra[1].update(academic_year="2022/23")
    extra[2].update(kato_code="193200000")
    path = tmp_path / YEAR_FILE
    write_extract(path, header, rows + extra)
    second = load_file(SOURCE, path).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then each surprise is a warning naming the new delivery, and nothing blocks publication
    assert_fails(
        report, "no delivery grew by more than 50%", shows=f"{len(rows) + len(extra)} schools", severity="warning"
    )
    assert_fails(
        report, "school sizes are plausible", shows="12000 pupils for one school", severity="warning", batch=second
    )
    assert_fails(
        report,
        "holds the academic year its file name says",
        shows="1 rows of 2022/23 in the extract of 2023/24",
        severity="warning",
        batch=second,
    )
    assert_fails(
        report,
        "were in use on the date the row reports on",
        shows="code 193200000 was not in use on 2023-09-01",
        severity="warning",
        batch=second,
    )
    assert report.success and not report.critical_failures


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded, drop):
    # Given one generated extract, changed in raw by hand
    load_file(SOURCE, drop / "nedb" / YEAR_FILE)
    batch = batch_of(seeded, YEAR_FILE)
    with psycopg.connect(seeded) as conn:
        bins = [b for (b,) in conn.execute("select bin from raw.nedb_school_years order by bin limit 8").fetchall()]
    sql(seeded, "update raw.nedb_school_years set ownership = 'Муниципальная' where bin = %s", (bins[0],))
    sql(seeded, "update raw.nedb_school_years set shifts = '4' where bin = %s", (bins[1],))
    sql(seeded, "update raw.nedb_school_years set bin = '12345678901' where bin = %s", (bins[2],))
    sql(seeded, "update raw.nedb_school_years set kato_code = '999999999' where bin = %s", (bins[3],))
    sql(seeded, "update raw.nedb_school_years set teachers = 'много' where bin = %s", (bins[4],))
    sql(
        seeded,
        "update raw.nedb_school_years set pupils_free_meals = (pupils_grades_1_4::int + 10)::text where bin = %s",
        (bins[5],),
    )
    sql(
        seeded,
        "update raw.nedb_school_years set name_ru = null, meal_cost_unit = 'долларов' where bin = %s",
        (bins[6],),
    )
    sql(seeded, "insert into raw.nedb_school_years select * from raw.nedb_school_years where bin = %s", (bins[7],))
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "values the warehouse knows", shows="unknown ownership Муниципальная", batch=batch)
    assert_fails(report, "values the warehouse knows", shows="shifts 4 (expected 1-3)")
    assert_fails(report, "12-digit BIN and a 9-digit KATO code", shows="BIN 12345678901 is not 12 digits")
    assert_fails(report, "is a known KATO code", shows="unknown KATO code 999999999")
    assert_fails(report, "non-negative whole numbers", shows="teachers=много")
    assert_fails(report, "feeds more primary pupils", shows="free-meal pupils")
    assert_fails(report, "every school row has its", shows="empty: name_ru")
    assert_fails(report, "every unit of measure is known", shows="unknown unit долларов")
    assert_fails(report, "one row per school (BIN) × academic year", shows=bins[7])
    assert result(report, "complete in raw").success is False
    assert_publication_blocked(report)
