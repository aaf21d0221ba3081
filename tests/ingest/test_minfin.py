"""The Ministry of Finance source: the real bulletin series (data/samples/minfin), parsed, loaded in
two deliveries, and turned into monthly and annual executed spending by staging; its raw suite
(``expectations/suites/raw_minfin.py``) on the real series and on deliveries carrying defects."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edu_wh.config import REPO_ROOT
from expectations.suites.raw_minfin import SUITE
from ingest.base import ParseReport, Rejected, Row, SourceFormatError
from ingest.loader import load_file
from ingest.minfin import COLUMNS, SOURCE
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

SAMPLE = REPO_ROOT / "data" / "samples" / "minfin" / "local_budget_execution_education_2013-2023.csv"
HEADER = ",".join(COLUMNS)


def lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def parse(text: str, filename: str = "minfin.csv") -> tuple[list, ParseReport]:
    import io

    report = ParseReport()
    return list(SOURCE.parse(io.BytesIO(text.encode("utf-8")), filename, report)), report


def test_the_real_series_parses_completely():
    # Given the real bulletin series (291 rows under its header)
    items, report = parse(SAMPLE.read_text(encoding="utf-8"))
    # Then every row is kept as delivered and the newest edition is December 2023
    rows = [i for i in items if isinstance(i, Row)]
    assert len(rows) == 291 and len(items) == 291
    assert rows[0].values == ("2013-01-01", "ALA", "EXP.04", "Образование", "2251.4433498", "level")
    assert report.period == "2023-12-01"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2023-12-15,ALM,EXP.04,Образование,1,level", "not the first day of a month"),
        ("2023-12-01,Алматинская,EXP.04,Образование,1,level", "not a bulletin region code"),
        ("2023-12-01,ALM,04,Образование,1,level", "not a bulletin item"),
        ("2023-12-01,ALM,EXP.04,Образование,1 234,level", "is not a number"),
        ("2023-12-01,ALM,EXP.04,Образование,1,yoy", "is not 'level'"),
    ],
)
def test_bad_rows_are_quarantined_with_a_reason(line, reason):
    items, _ = parse(f"{HEADER}\n2023-11-01,ALM,EXP.04,Образование,1,level\n{line}\n")
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1 and reason in rejected[0].reason and rejected[0].row_number == 3


def test_a_month_repeated_within_one_file_keeps_its_first_row():
    items, _ = parse(
        f"{HEADER}\n2023-11-01,ALM,EXP.04,Образование,1,level\n2023-11-01,ALM,EXP.04,Образование,2,level\n"
    )
    assert [type(i) for i in items] == [Row, Rejected]
    assert "already at row 2" in items[1].reason


def test_a_file_without_the_columns_is_refused_and_they_are_named():
    with pytest.raises(SourceFormatError, match="missing column.*transformation"):
        parse("date,region,item_code,item_name,value\n2023-11-01,ALM,EXP.04,Образование,1\n")
    with pytest.raises(SourceFormatError, match="no readable row"):
        parse(HEADER + "\n")


def split_sample(folder: Path) -> tuple[Path, Path]:
    """The real file in two deliveries: editions up to 2021-12, then the later editions, which also
    repeat 2021-11 unchanged and 2021-12 of Almaty oblast revised by +1000.5 million tenge."""
    header, *body = lines()
    earlier = [row for row in body if row < "2022"]
    later = [row for row in body if row >= "2022"]
    repeated = [row for row in earlier if row.startswith(("2021-11-01,ALM,EXP.04", "2021-12-01,ALM,EXP.04"))]
    assert len(repeated) == 2
    november, december = repeated
    value = Decimal(december.split(",")[4])
    revised = december.replace(str(value), str(value + Decimal("1000.5")))
    first = folder / "minfin_to_2021-12.csv"
    second = folder / "minfin_2022-01_to_2023-12.csv"
    first.write_text("\n".join([header, *earlier]) + "\n", encoding="utf-8")
    second.write_text("\n".join([header, november, revised, *later]) + "\n", encoding="utf-8")
    return first, second


def test_two_deliveries_extend_the_series_revise_a_month_and_duplicate_nothing(db):
    from edu_wh.config import settings
    from edu_wh.dbt_runner import dbt_command
    from orchestration.tasks import load_landing

    folder = settings().landing_dir / "minfin"
    folder.mkdir(parents=True)
    first, second = split_sample(folder)
    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    dbt_command(["seed"])
    build = ["build", "-s", "+stg_minfin__budget_execution_years", "+int_minfin_figures_revised"]

    # Given the earlier editions delivered and built
    assert len(load_landing("minfin", paths=[first]).loaded) == 1
    dbt_command(build)
    assert db.execute("select max(edition_month)::text from staging.stg_minfin__budget_execution").fetchone() == (
        "2021-12-01",
    )
    # When the later editions arrive as a new delivery (and the same delivery again)
    assert len(load_landing("minfin", paths=[second]).loaded) == 1
    assert load_landing("minfin", paths=[second]).already_loaded == [second.name]
    dbt_command(build)

    # Then the series runs to December 2023, one row per region, item and month, the 291 of the file
    series = db.execute(
        "select count(*), count(distinct (region_code, item_code, year, month)), max(edition_month)::text, "
        "bool_or(is_synthetic) from staging.stg_minfin__budget_execution"
    ).fetchone()
    assert series == (291, 291, "2023-12-01", False)
    # And the revised December 2021 of Almaty oblast wins, and is listed as a revision (the repeated,
    # unchanged November is not)
    assert db.execute(
        "select cumulative_executed_kzt, times_delivered from staging.stg_minfin__budget_execution "
        "where region_code = 'ALM' and item_code = 'EXP.04' and year = 2021 and month = 12"
    ).fetchone() == (Decimal("361112359384.13000000"), 2)
    assert db.execute(
        "select edition_month::text, previous_source_file, revising_source_file, revision_kzt "
        "from intermediate.int_minfin_figures_revised"
    ).fetchall() == [("2021-12-01", first.name, second.name, Decimal("1000500000.0000000"))]

    # And the year 2023 of Almaty oblast is 390,464.79202783 million tenge, on its borders without
    # Zhetysu, 75,780.94060607 million more than 2022 on the same borders; 2022 is not compared with
    # 2021 (Zhetysu still inside); 2021 against 2020 (306,093.4148785 million), both with Zhetysu, is
    years = db.execute(
        "select year, borders, executed_kzt, executed_change_kzt from staging.stg_minfin__budget_execution_years "
        "where region_code = 'ALM' and item_code = 'EXP.04' and year >= 2021 order by year"
    ).fetchall()
    assert years == [
        (2021, "almaty_oblast_with_zhetysu", Decimal("361112359384.13000000"), Decimal("55018944505.63000000")),
        (2022, "almaty_oblast_after_split", Decimal("314683851421.76000000"), None),
        (2023, "almaty_oblast_after_split", Decimal("390464792027.83000000"), Decimal("75780940606.07000000")),
    ]
    # And months: October 2022 changes borders (not derived), November is the difference of two
    # editions; September 2019 of the city follows the missing 2019-08 edition
    months = dict(
        db.execute(
            "select region_code || ' ' || edition_month::text, executed_in_month_kzt "
            "from staging.stg_minfin__budget_execution where item_code = 'EXP.04' and edition_month in "
            "('2022-10-01', '2022-11-01', '2019-09-01', '2013-01-01')"
        ).fetchall()
    )
    assert months["ALM 2022-10-01"] is None and months["ALA 2019-09-01"] is None
    assert months["ALM 2022-11-01"] == Decimal("32042219559.18000000")
    assert months["ALA 2013-01-01"] == Decimal("2251443349.80000000")


def test_the_ingest_minfin_dag_loads_the_real_series_through_airflow(db, dagbag):
    import shutil

    from edu_wh.config import settings
    from tests.conftest import run_dag

    # Given the real series in landing (as `make demo` stages it)
    folder = settings().landing_dir / "minfin"
    folder.mkdir(parents=True)
    shutil.copyfile(SAMPLE, folder / SAMPLE.name)
    # When the DAG runs
    run = run_dag(dagbag, "ingest_minfin")
    # Then the file is one real (not synthetic) batch of 291 rows, the newest edition December 2023
    assert run.state == "success"
    assert db.execute(
        "select count(*), sum(rows_loaded), bool_or(is_synthetic), max(period)::text from meta.load_batches "
        "where source = 'minfin' and status = 'loaded'"
    ).fetchone() == (1, 291, False, "2023-12-01")


# --- the raw suite (expectations/suites/raw_minfin.py) against the warehouse ----------------


def test_the_real_series_passes_every_check(seeded):
    # Given the real series (Almaty oblast falls at the 2022-10 edition, when its borders change)
    load_file(SOURCE, SAMPLE)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes, the fall included: the borders changed there
    assert_passes(report)


def test_a_revision_a_fall_and_an_unmapped_region_are_reported(seeded, tmp_path):
    # Given the real series, then a delivery that revises December 2023 of Almaty city by +5 %, whose
    # November 2023 of Almaty oblast is above December, and which brings Abai oblast (ABA)
    load_file(SOURCE, SAMPLE)
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
    load_file(SOURCE, SAMPLE)
    batch = batch_of(seeded, SAMPLE.name)
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
