"""The raw suite of open-budget execution reports: 2023 fetched from the fake portal (the generated
budget), and reports re-delivered with defects the parser lets through."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest

from edu_wh.config import settings
from expectations.suites.raw_budget import SUITE
from ingest.budget import BudgetSource
from ingest.budget.fake import FakeBudget
from ingest.budget.parser import page_file_name
from ingest.http import RetryPolicy
from ingest.loader import load_file
from ingest.registry import get_source
from orchestration.tasks import load_landing
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    result,
    sql,
)

FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05)
SOURCE = get_source("budget")
OBLAST, CITY = "190000000", "750000000"


@pytest.fixture
def fetched(seeded, drop, monkeypatch):
    """2023's monthly reports of both regions (and January 2024) fetched from the fake portal and loaded."""
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "5")
    landing = settings().landing_dir / "budget"
    with FakeBudget(drop) as fake:
        files = BudgetSource(first_period=(2023, 1), until=(2024, 1), retry=FAST).fetch(landing, base_url=fake.url)
    assert len(files) == 26
    load_landing("budget")
    return landing


def redeliver(landing, tmp_path, kato: str, year: int, month: int, change, page: int = 1):
    """The landed report of ``kato`` for the month, its rows changed by ``change``, delivered again."""
    payload = json.loads((landing / page_file_name(kato, year, month, 1)).read_text(encoding="utf-8"))
    payload["rows"] = change(payload["rows"])
    payload["page"], payload["records"] = page, len(payload["rows"])
    path = tmp_path / page_file_name(kato, year, month, page)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return load_file(SOURCE, path)


def test_a_year_of_fetched_reports_passes_every_check(fetched):
    # Given 2023's reports of Almaty oblast and Almaty city, month by month
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: execution grows month by month and stays within the plan by December
    assert_passes(report)
    baselines = {b.source_file: b.baseline_file for b in report.suites[0].batches}
    # and each month's volume is compared with the region's previous month
    assert baselines[page_file_name(OBLAST, 2023, 7, 1)] == page_file_name(OBLAST, 2023, 6, 1)
    assert baselines[page_file_name(OBLAST, 2023, 1, 1)] is None


def test_reports_that_do_not_reconcile_block_publication(fetched, tmp_path):
    # Given the fetched year, then re-delivered reports the parser accepts as they are:
    def overspent(rows):  # December: a programme executed 120% of its plan
        rows[1]["cell"][7] = str(Decimal(rows[1]["cell"][6]) * Decimal("1.2"))
        return rows

    def fell(rows):  # November: a programme's execution since 1 January lower than October's
        rows[0]["cell"][7] = "1000.0"
        return rows

    december = redeliver(fetched, tmp_path, OBLAST, 2023, 12, overspent)
    november = redeliver(fetched, tmp_path, CITY, 2023, 11, fell)
    # June: a second page repeating a programme of the first
    repeated = redeliver(fetched, tmp_path, OBLAST, 2023, 6, lambda rows: [{**rows[1], "id": "99"}], page=2)
    # July: delivered again with 3 of its 14 programmes
    short = redeliver(fetched, tmp_path, OBLAST, 2023, 7, lambda rows: rows[:3])
    # When the raw suite runs
    report = gate(SUITE)
    # Then each fails its own check, naming the delivery and the programme
    assert_fails(
        report,
        "no programme has spent more than its annual plan",
        shows="by December exceeds the annual plan",
        batch=december.batch_id,
    )
    assert_fails(
        report, "never decreases from one month to the next", shows="to 1000.0 (month 11)", batch=november.batch_id
    )
    assert_fails(
        report,
        "one row per region × month × budget programme",
        shows=["of Алматинская область, 06.2023 is delivered 2 times", page_file_name(OBLAST, 2023, 6, 2)],
    )
    assert_fails(
        report,
        "no delivery lost more than 50% of the programme rows",
        shows="only 3 programme rows against 14",
        batch=short.batch_id,
    )
    assert repeated.rows_loaded == 1
    assert_publication_blocked(report)


def test_rows_that_reached_raw_past_the_parser_are_caught(fetched):
    url = settings().url
    name = page_file_name(CITY, 2023, 3, 1)
    batch = batch_of(url, name)
    with psycopg.connect(url) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "select row_id from raw.budget_execution_rows where _batch_id = %s order by row_id::int limit 5",
                (batch,),
            )
        ]
    rows = "update raw.budget_execution_rows set {} where _batch_id = %s and row_id = %s"
    sql(url, rows.format("executed_amount = '-5'"), (batch, ids[0]))
    sql(url, rows.format("month = '13', functional_group = 'A4'"), (batch, ids[1]))
    sql(url, rows.format("region_name = 'Алматы обл.'"), (batch, ids[2]))
    sql(url, rows.format("program = null"), (batch, ids[3]))
    sql(url, "update raw.budget_execution_rows set unit_label = 'тенге' where _batch_id = %s", (batch,))
    sql(
        url,
        "insert into raw.budget_execution_rows select * from raw.budget_execution_rows where _batch_id = %s "
        "and row_id = %s",
        (batch, ids[4]),
    )
    report = gate(SUITE)
    assert_fails(
        report, "amounts are non-negative numbers", shows="executed -5 is not a non-negative amount", batch=batch
    )
    assert_fails(report, "amounts are non-negative numbers", shows=["period 2023-13", "functional group A4"])
    assert_fails(report, "region of a report row is a known territory", shows="unknown territory Алматы обл. (ru)")
    assert_fails(report, "every report row has its", shows="empty: program")
    assert_fails(report, "amounts are in thousand tenge", shows="amounts in тенге, not thousand tenge")
    assert_fails(report, "one row per report row id", shows=f'"row_id": "{ids[4]}"')
    assert not result(report, "complete in raw").success
    assert_publication_blocked(report)
