"""Open budgets: the report parser on broken and wrong-unit reports, and the fetch against a fake portal.

The fake is a real HTTP server on 127.0.0.1 serving 2023's monthly reports of the small hand-built
world (tests/ingest/publisher_world.py) rendered by ingest.budget.synth; faults are switched on in
the fake, never by patching the client.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from edu_wh.errors import UserError
from ingest.base import Rejected, Row, SourceFormatError
from ingest.budget import SOURCE, BudgetSource
from ingest.budget import synth as budget_synth
from ingest.budget.client import REGIONS
from ingest.budget.fake import FakeBudget
from ingest.budget.parser import magnitude_problem, page_file_name
from ingest.http import RetryPolicy
from tests.ingest.publisher_world import PLANS, small_world

FAST = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05)
OBLAST, CITY = "190000000", "750000000"
JULY = page_file_name(OBLAST, 2023, 7, 1)
COLUMNS = SOURCE.raw_table.columns
UNTIL = (2024, 2)  # the fetch's "current month" in these tests: a few months after the world's last report


def report(rows, *, unit="тыс. тенге", date="07.2023", page=1, total=1, records=None) -> bytes:
    userdata = {"region": "Алматинская область", "date": date}
    if unit is not None:
        userdata["unit"] = unit
    payload = {"page": page, "total": total, "records": len(rows) if records is None else records, "rows": rows}
    return json.dumps(payload | {"userdata": userdata}, ensure_ascii=False).encode()


def row(rid, region="Алматинская область", program="003", plan="250000000.0", executed="145541666.7"):
    return {
        "id": str(rid),
        "cell": [region, "04", "02", "261", program, "Общеобразовательное обучение", plan, executed],
    }


@pytest.fixture
def world_dir(tmp_path):
    out = tmp_path / "synth"
    budget_synth.render(small_world(), out)
    return out


@pytest.fixture
def fake(world_dir):
    with FakeBudget(world_dir) as server:
        yield server


@pytest.fixture
def budget_env(warehouse, fake, monkeypatch):
    monkeypatch.setenv("EDU_WH_BUDGET_BASE_URL", fake.url)
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "5")
    return fake


def landing():
    from edu_wh.config import settings

    return settings().landing_dir / "budget"


def fast_source(rows_per_page: int = 1000, **kwargs) -> BudgetSource:
    return BudgetSource(first_period=(2022, 10), until=UNTIL, rows_per_page=rows_per_page, retry=FAST, **kwargs)


def load_all():
    from orchestration.tasks import load_landing

    return load_landing("budget")


def world_rows() -> int:
    return len(small_world().budget_lines)


def asked_months(fake, region: str) -> list[str]:
    return [
        r.params["date"] for r in fake.data_requests() if r.params.get("region") == region and r.params["page"] == "1"
    ]


def build_staging(db) -> None:
    """dbt build of the staging model and its parents, with its unit test (which needs TEMP on the database)."""
    from edu_wh.dbt_runner import dbt_command

    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    dbt_command(
        [
            "build",
            "-s",
            "+stg_budget__execution",
            "--indirect-selection",
            "cautious",
            "--vars",
            "{edu_wh_unit_tests: true}",
        ]
    )


# --- the parser (pure) --------------------------------------------------------------------------------


def test_a_report_page_becomes_one_raw_row_per_report_row_as_delivered():
    # Given a page of July's report with one programme
    items = SOURCE.parse_bytes(report([row(1)]), JULY)
    rows = [dict(zip(COLUMNS, i.values)) for i in items if isinstance(i, Row)]
    # Then the row keeps the text as delivered, with year, month and unit of the report
    assert rows == [
        {
            "report_region": "Алматинская область",
            "report_period": "07.2023",
            "unit_label": "тыс. тенге",
            "row_id": "1",
            "year": "2023",
            "month": "07",
            "region_name": "Алматинская область",
            "functional_group": "04",
            "subgroup": "02",
            "administrator": "261",
            "program": "003",
            "program_name": "Общеобразовательное обучение",
            "plan_amount": "250000000.0",
            "executed_amount": "145541666.7",
        }
    ]


def test_bad_rows_are_quarantined_with_their_reason_and_the_rest_loads():
    # Given a report with an unknown region, a negative execution, a text amount, a short row and a row of
    # another region (the city's row in the oblast's report would replace the city's own amount in staging)
    rows = [
        row(1),
        row(2, region="Атлантида"),
        row(3, program="011", executed="-5.0"),
        row(4, program="012", plan="н/д"),
        {"id": "5", "cell": ["Алматинская область", "04"]},
        row(6, region="г.Алматы", program="003"),
    ]
    items = SOURCE.parse_bytes(report(rows), JULY)
    # Then each bad row is quarantined with its place and a reason, and the good ones load
    assert [(i.row_number, i.reason) for i in items if isinstance(i, Rejected)] == [
        (2, "unknown region name: 'Атлантида' is not in seeds/territory_names.csv (ru)"),
        (3, "negative executed amount: -5.0"),
        (4, "plan amount is not a number: 'н/д'"),
        (5, "row has 2 cells, expected 8"),
        (6, "row region 'г.Алматы' is territory 750000000, but the report is for 190000000 (Алматинская область)"),
    ]
    assert [i.values[COLUMNS.index("row_id")] for i in items if isinstance(i, Row)] == ["1"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the response is empty"),
        (report([row(1), row(2)])[:-30], "truncated JSON"),
        (b"<html><body>502 Bad Gateway</body></html>", "invalid JSON"),
        (b'{"page": 1, "total": 0, "records": 0}', "no `rows` key"),
        (report([row(1), row(1)]), "row id 1 occurs twice"),
        (report([row(1)], date="06.2023"), "the report is for 06.2023, but the file name says 2023-07"),
        (report([row(1)], unit="тенге"), "amounts are in 'тенге', not thousand tenge"),
        (report([row(1)], unit="млн. тенге"), "amounts are in 'млн. тенге', not thousand tenge"),
        (report([row(1)], unit=None), "does not state its unit"),
    ],
)
def test_unusable_or_wrong_unit_reports_are_refused_naming_file_and_reason(data, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, JULY)
    assert JULY in str(info.value)


def test_amounts_a_thousand_times_off_the_previous_month_are_a_unit_problem():
    previous = Decimal("252400000.0")
    assert magnitude_problem(Decimal("252400000.0") * 1000, previous, "06.2023").startswith(
        "the annual plan totals 252,400,000,000.0 against 252,400,000.0 in 06.2023"
    )
    assert magnitude_problem(previous / 1000, previous, "06.2023") is not None
    assert magnitude_problem(previous * Decimal("1.3"), previous, "06.2023") is None  # a refined plan
    assert magnitude_problem(previous, None, "06.2023") is None  # nothing to compare with


# --- the renderer -------------------------------------------------------------------------------------


def test_the_renderer_is_deterministic_and_writes_one_report_per_region_and_month(tmp_path):
    first = budget_synth.render(small_world(), tmp_path / "a")
    second = budget_synth.render(small_world(), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert len(first) == 2 * 12
    december = json.loads((tmp_path / "a" / "_publisher_api" / "budget" / OBLAST / "2023-12.json").read_text())
    assert december["region"] == "Алматинская область" and december["date"] == "12.2023"
    assert december["unit"] == "тыс. тенге"
    plans = {r["cell"][4]: r["cell"][6] for r in december["rows"]}
    assert plans["003"] == "250000000.0"


# --- the fetch against the fake portal -----------------------------------------------------------------


def test_every_month_is_fetched_page_by_page_and_loaded(budget_env, db):
    fake = budget_env
    # When every region's reports are fetched with pages of 2 rows and loaded
    files = fast_source(rows_per_page=2).fetch(landing())
    summary = load_all()
    # Then months before the first report were skipped, each 2023 report came in two pages,
    # and the first unpublished month (January 2024) ended each region
    assert asked_months(fake, "Алматинская область") == [
        "10.2022",
        "11.2022",
        "12.2022",
        *(f"{m:02d}.2023" for m in range(1, 13)),
        "01.2024",
    ]
    assert len(files) == 2 * 12 * 2
    assert files[0].name == "budget_execution__190000000__2023-01__page-001.json"
    assert len(summary.loaded) == len(files) and not summary.rejected
    assert db.execute("select count(*) from raw.budget_execution_rows").fetchone()[0] == world_rows()
    cursors = dict(db.execute("select dataset, cursor_value from meta.api_cursors where source = 'budget'").fetchall())
    assert cursors == {OBLAST: "2023-12", CITY: "2023-12"}


def test_an_incremental_fetch_asks_only_for_new_months_and_staging_is_in_tenge(budget_env, db):
    fake = budget_env
    # Given a first fetch when the portal had published up to June 2023
    fake.published_until = "2023-06"
    fast_source().fetch(landing())
    load_all()
    # When July to December are published and the fetch runs again
    fake.published_until = None
    fake.reset_log()
    files = fast_source().fetch(landing())
    # Then it asked only for months after June (and January 2024, not published yet)
    assert asked_months(fake, "г.Алматы") == [f"{m:02d}.2023" for m in range(7, 13)] + ["01.2024"]
    assert {f.name.split("__")[2] for f in files} == {f"2023-{m:02d}" for m in range(7, 13)}
    load_all()
    # And nothing doubles: staging has one row per region, month and programme
    build_staging(db)
    count, distinct = db.execute(
        "select count(*), count(distinct (kato_code, year, month, functional_group, subgroup, administrator, "
        "program_code)) from staging.stg_budget__execution"
    ).fetchone()
    assert count == distinct == world_rows()
    # And amounts are in tenge, December carries the year's execution
    december = db.execute(
        "select plan_kzt, executed_kzt, plan_kzt_thousands, is_year_end, executed_in_month_kzt "
        "from staging.stg_budget__execution where kato_code = %s and year = 2023 and month = 12 and program_code = '003'",
        (OBLAST,),
    ).fetchone()
    line = next(b for b in small_world().budget_lines if (b.region_kato, b.month, b.program) == (OBLAST, 12, "003"))
    november = next(b for b in small_world().budget_lines if (b.region_kato, b.month, b.program) == (OBLAST, 11, "003"))
    assert december == (
        PLANS[OBLAST]["003"] * 1000,
        line.executed_kzt_thousands * 1000,
        PLANS[OBLAST]["003"],
        True,
        (line.executed_kzt_thousands - november.executed_kzt_thousands) * 1000,
    )
    regions = dict(
        db.execute(
            "select kato_code, count(distinct region_name) from staging.stg_budget__execution group by kato_code"
        ).fetchall()
    )
    assert regions == {OBLAST: 1, CITY: 1}


def test_a_month_delivered_again_replaces_the_older_delivery_in_staging(budget_env, db):
    # Given all of 2023 loaded
    fast_source(rows_per_page=1000).fetch(landing())
    load_all()
    # When the publisher re-issues December with a corrected execution and it is dropped into landing
    december = landing() / page_file_name(OBLAST, 2023, 12, 1)
    payload = json.loads(december.read_text())
    payload["rows"][0]["cell"][7] = "249000000.0"
    december.write_text(json.dumps(payload, ensure_ascii=False))
    load_all()
    build_staging(db)
    # Then staging shows the newer delivery, once
    rows = db.execute(
        "select executed_kzt_thousands from staging.stg_budget__execution "
        "where kato_code = %s and month = 12 and program_code = %s",
        (OBLAST, payload["rows"][0]["cell"][4]),
    ).fetchall()
    assert rows == [(Decimal("249000000.0"),)]


def test_a_report_in_tenge_is_refused_with_its_reason_and_earlier_months_stay(budget_env, db):
    fake = budget_env
    # Given the portal delivers July for the oblast in tenge, saying so in its unit field
    july = fake.report("Алматинская область", 2023, 7)
    tenge = [
        {"id": r["id"], "cell": [*r["cell"][:6], str(Decimal(r["cell"][6]) * 1000), str(Decimal(r["cell"][7]) * 1000)]}
        for r in july["rows"]
    ]
    fake.set_report("Алматинская область", 2023, 7, tenge, unit="тенге")
    # When the fetch runs, Then it fails naming the report and the unit
    with pytest.raises(UserError, match=r"Алматинская область 07\.2023 refused: amounts are in 'тенге'"):
        fast_source().fetch(landing())
    # And the refused report is kept in quarantine with its reason, not in landing
    from edu_wh.config import settings

    quarantined = settings().home / "quarantine" / "budget" / page_file_name(OBLAST, 2023, 7, 1)
    assert quarantined.exists()
    assert "not thousand tenge" in quarantined.with_name(quarantined.name + ".reason.txt").read_text()
    assert not (landing() / page_file_name(OBLAST, 2023, 7, 1)).exists()
    # And January to June landed, the oblast's cursor stops at June, and the city is complete
    cursors = dict(db.execute("select dataset, cursor_value from meta.api_cursors where source = 'budget'").fetchall())
    assert cursors == {OBLAST: "2023-06", CITY: "2023-12"}
    load_all()
    months = db.execute(
        "select distinct month from raw.budget_execution_rows where region_name = 'Алматинская область' order by 1"
    ).fetchall()
    assert [m[0] for m in months] == [f"{m:02d}" for m in range(1, 7)]


def test_a_report_whose_amounts_jump_a_thousandfold_is_refused_even_if_its_unit_says_thousands(budget_env, db):
    fake = budget_env
    # Given all of 2023 up to June already fetched and loaded on an earlier run, landing since cleaned
    fake.published_until = "2023-06"
    fast_source().fetch(landing())
    load_all()
    for path in landing().glob("*.json"):
        path.unlink()
    # When July arrives with amounts in tenge but the unit field still saying thousand tenge
    fake.published_until = None
    july = fake.report("г.Алматы", 2023, 7)
    inflated = [
        {"id": r["id"], "cell": [*r["cell"][:6], str(Decimal(r["cell"][6]) * 1000), r["cell"][7]]} for r in july["rows"]
    ]
    fake.set_report("г.Алматы", 2023, 7, inflated)
    # Then the fetch compares with June as loaded in raw and refuses July with the reason
    with pytest.raises(
        UserError, match=r"г\.Алматы 07\.2023 refused: the annual plan totals .* against .* in 06\.2023"
    ):
        fast_source().fetch(landing())
    cursors = dict(db.execute("select dataset, cursor_value from meta.api_cursors where source = 'budget'").fetchall())
    assert cursors[CITY] == "2023-06" and cursors[OBLAST] == "2023-12"


def test_a_rate_limit_is_waited_out_as_the_portal_asks(budget_env):
    fake = budget_env
    fake.faults.rate_limit(1, retry_after="1", after=3)
    started = time.monotonic()
    files = fast_source().fetch(landing())
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in fake.requests[3:5]] == [429, 200]
    assert len(files) == 2 * 12


@pytest.mark.parametrize(
    "switch, rows_per_page",
    [
        (lambda f: f.faults.server_error(2, status=500, after=4), 1000),
        (lambda f: f.faults.server_error(3, status=503, after=5), 1000),
        (lambda f: f.faults.delay(1.5, 1, after=4), 1000),
        (lambda f: f.faults.truncate(1, after=4), 1000),
        (lambda f: f.faults.invalid_json(1, after=6), 1000),
        (lambda f: f.faults.repeat_page(1, after=4), 2),
    ],
    ids=["500", "503", "timeout", "truncated", "invalid-json", "repeated-page"],
)
def test_transient_faults_are_retried_and_every_row_arrives_once(budget_env, db, monkeypatch, switch, rows_per_page):
    fake = budget_env
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "0.5")
    # Given one misbehaving stretch of the portal in the middle of the fetch
    switch(fake)
    # When the fetch runs and its files are loaded
    fast_source(rows_per_page).fetch(landing())
    load_all()
    # Then the fault happened, was retried, and every row arrived exactly once
    assert len(fake.faults.applied) >= 1
    count, distinct = db.execute(
        "select count(*), count(distinct (region_name, month, program)) from raw.budget_execution_rows"
    ).fetchone()
    assert count == distinct == world_rows()


def test_persistent_faults_fail_clearly_and_a_rerun_does_not_refetch_landed_months(budget_env, db):
    fake = budget_env
    # Given the portal fails for good after the oblast's first five published months
    fake.faults.server_error(None, status=502, after=3 + 5)
    # When the fetch runs, Then it fails naming the region, month, status and attempts
    with pytest.raises(UserError) as info:
        fast_source().fetch(landing())
    assert "Алматинская область 06.2023: budget.egov.kz failed 4 times" in str(info.value)
    assert "server error (HTTP 502)" in str(info.value)
    cursors = dict(db.execute("select dataset, cursor_value from meta.api_cursors where source = 'budget'").fetchall())
    assert cursors[OBLAST] == "2023-05"
    # When the portal recovers and the fetch runs again
    fake.faults.clear()
    fake.reset_log()
    fast_source().fetch(landing())
    # Then the oblast's months already landed were not asked for again
    assert asked_months(fake, "Алматинская область") == [f"{m:02d}.2023" for m in range(6, 13)] + ["01.2024"]
    load_all()
    count, distinct = db.execute(
        "select count(*), count(distinct (region_name, month, program)) from raw.budget_execution_rows"
    ).fetchone()
    assert count == distinct == world_rows()


def test_an_unreachable_portal_fails_fast_naming_the_setting(warehouse, monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("EDU_WH_BUDGET_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(UserError) as info:
        fast_source().fetch(landing())
    assert "budget.egov.kz is unreachable, the remaining regions were not tried" in str(info.value)
    assert "Алматинская область 10.2022: budget.egov.kz failed 4 times" in str(info.value)
    assert "г.Алматы" not in str(info.value) and "EDU_WH_BUDGET_BASE_URL" in info.value.hint


def test_a_page_that_keeps_repeating_fails_clearly(budget_env):
    budget_env.faults.repeat_page(None, after=4)
    with pytest.raises(UserError, match="repeats 2 row"):
        fast_source(rows_per_page=2).fetch(landing())


def test_loading_twice_and_fetching_again_change_nothing(budget_env, db):
    fake = budget_env
    fast_source().fetch(landing())
    first = load_all()
    second = load_all()
    assert second.loaded == [] and len(second.already_loaded) == len(first.loaded)
    assert db.execute("select count(*) from raw.budget_execution_rows").fetchone()[0] == world_rows()
    # And a second fetch with nothing new asks each region only for the next month
    fake.reset_log()
    assert fast_source().fetch(landing()) == []
    assert [r.params["date"] for r in fake.data_requests()] == ["01.2024", "01.2024"]


def test_the_ingest_budget_dag_fetches_and_loads_through_airflow(budget_env, db, dagbag):
    from tests.conftest import run_dag

    run = run_dag(dagbag, "ingest_budget")
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["fetch_budget"] == "success" and states["load_budget"] == "success"
    assert db.execute("select count(*) from raw.budget_execution_rows").fetchone()[0] == world_rows()
    assert {r.params["region"] for r in budget_env.data_requests()} == set(REGIONS.values())
