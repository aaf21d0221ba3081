"""The raw suite of the Ministry of Finance bulletin on the real series, and on deliveries carrying defects."""

from __future__ import annotations

from expectations.suites.raw_minfin import SUITE
from ingest.loader import load_file
from ingest.minfin import SOURCE
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

SERIES = SAMPLES / "minfin" / "local_budget_execution_education_2013-2023.csv"
HEADER = "date,region,item_code,item_name,value,transformation"


def test_the_real_series_passes_every_check(seeded):
    # Given the real series (Almaty oblast falls at the 2022-10 edition, when its borders change)
    load_file(SOURCE, SERIES)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes, the fall included: the borders changed there
    assert_passes(report)


def test_a_revision_a_fall_and_an_unmapped_region_are_reported(seeded, tmp_path):
    # Given the real series, then a delivery that revises December 2023 of Almaty city by +5 %, whose
    # November 2023 of Almaty oblast is above December, and which brings Abai oblast (ABA)
    load_file(SOURCE, SERIES)
    later = tmp_path / "minfin_2024-01.csv"
    later.write_text(
        f"{HEADER}\n"
        "2023-11-01,ALM,EXP.04,Образование,400000,level\n"
        "2023-12-01,ALM,EXP.04,Образование,390464.79202783,level\n"
        "2023-12-01,ALA,EXP.04,Образование,441148.0553176935,level\n"
        "2024-01-01,ABA,EXP.04,Образование,20000,level\n",
        encoding="utf-8",
    )
    new = load_file(SOURCE, later).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then each is a warning naming the figure; publication is not blocked
    assert_fails(
        report,
        "revisions of earlier months",
        shows=["revised from 420141.00506447", "to 441148.0553176935"],
        severity="warning",
        batch=new,
    )
    assert_fails(
        report,
        "does not fall within a year",
        shows="falls from 400000 (2023-11-01) to 390464.79202783",
        severity="warning",
        batch=new,
    )
    assert_fails(report, "mapped to a territory", shows="region ABA", severity="warning", batch=new)
    assert report.success


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the real series, changed in raw by hand
    load_file(SOURCE, SERIES)
    batch = batch_of(seeded, SERIES.name)
    sql(seeded, "update raw.minfin_budget_execution_rows set value = '1 234,5' where date = '2013-02-01'")
    sql(seeded, "update raw.minfin_budget_execution_rows set transformation = 'yoy' where date = '2013-03-01'")
    sql(seeded, "update raw.minfin_budget_execution_rows set region = null where date = '2013-04-01'")
    sql(
        seeded,
        "update raw.minfin_budget_execution_rows set date = '2013-05-01' where date = '2013-06-01' and region = 'ALA'",
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then each defect is named, with its batch, and publication is blocked
    assert_fails(report, "numeric value", shows="value 1 234,5 is not a number", batch=batch)
    assert_fails(report, "is a level", batch=batch)
    assert_fails(report, "has its date, region", shows="empty: region", batch=batch)
    assert_fails(report, "one row per edition month", batch=batch)
    assert_publication_blocked(report)
