"""API faults of the fake publishers (real HTTP servers on 127.0.0.1): all of them in one fetch, a fetch
killed in the middle of its paging, and a publisher's clock in the future.

Each fault on its own (429 with Retry-After, 500/502/503, timeouts, truncated and invalid JSON, a
repeated page, persistent failures and the resume after them, an unreachable publisher) is tested
by tests/ingest/test_egov.py and tests/ingest/test_budget.py; this file adds what they do not:
every kind of fault in one fetch, a SIGKILL mid-fetch, and the cursor's behaviour with a record
dated in the future.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from ingest.budget import BudgetSource
from ingest.budget import synth as budget_synth
from ingest.budget.fake import FakeBudget
from ingest.egov import EgovSource
from ingest.egov import synth as egov_synth
from ingest.egov.datasets import DATASETS
from ingest.egov.fake import FakeEgov
from ingest.http import RetryPolicy
from tests.conftest import REPO
from tests.ingest.publisher_world import small_world
from tests.reliability.helpers import record_figures, wait_for

KEY = "test-egov-key"
FAST = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, jitter=0.5)
UNTIL = (2024, 2)
ALL_KINDS = {"status", "delay", "truncate", "invalid_json", "repeat_page"}


@pytest.fixture
def egov(warehouse, tmp_path, monkeypatch):
    egov_synth.render(small_world(), tmp_path / "synth")
    with FakeEgov(tmp_path / "synth", api_key=KEY) as fake:
        monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", fake.url)
        monkeypatch.setenv("EDU_WH_EGOV_API_KEY", KEY)
        monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "0.5")
        yield fake


@pytest.fixture
def budget(warehouse, tmp_path, monkeypatch):
    budget_synth.render(small_world(), tmp_path / "synth")
    with FakeBudget(tmp_path / "synth") as fake:
        monkeypatch.setenv("EDU_WH_BUDGET_BASE_URL", fake.url)
        monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "0.5")
        yield fake


def landing(source: str):
    from edu_wh.config import settings

    return settings().landing_dir / source


def load(source: str):
    from orchestration.tasks import load_landing

    summary = load_landing(source)
    assert not summary.rejected, summary.rejected
    return summary


def switch_on_every_fault(fake, start: int = 1, every: int = 2) -> None:
    """One of each, on every ``every``-th data request from ``start`` on (a bad afternoon at the
    publisher): the request after each fault is answered normally, so each fault costs one retry."""
    switches = [
        lambda after: fake.faults.rate_limit(1, retry_after="1", after=after),
        lambda after: fake.faults.server_error(1, status=503, after=after),
        lambda after: fake.faults.server_error(1, status=500, after=after),
        lambda after: fake.faults.server_error(1, status=502, after=after),
        lambda after: fake.faults.delay(1.5, 1, after=after),  # longer than the 0.5 s timeout
        lambda after: fake.faults.truncate(1, after=after),
        lambda after: fake.faults.invalid_json(1, after=after),
        lambda after: fake.faults.repeat_page(1, after=after),
    ]
    for i, switch in enumerate(switches):
        switch(start + i * every)


def effective_faults(fake) -> list[str]:
    """The faults the fake really answered with (a repeat with no earlier page to repeat is not one)."""
    return [r.fault for r in fake.requests if r.fault]


def test_egov_survives_every_kind_of_fault_in_one_fetch_with_no_record_lost_or_doubled(egov, db):
    fake = egov
    expected = {d.dataset: len(fake.visible(d.dataset, d.version)) for d in DATASETS}
    # Given a portal that answers 429, 503, 500, 502, too slowly, truncated, as HTML and with a repeated
    # page, one after the other in the middle of the paging
    switch_on_every_fault(fake)
    # When the fetch runs and its files are loaded
    EgovSource(page_size=1, retry=FAST).fetch(landing("egov"))
    load("egov")
    # Then every fault happened and was survived, and every record is in raw exactly once
    faults = wait_for(lambda: len(effective_faults(fake)) == 8 and effective_faults(fake), timeout=5, what="faults")
    assert set(faults) == ALL_KINDS and len(faults) == 8, faults
    counts = dict(db.execute("select dataset, count(*) from raw.egov_records group by dataset").fetchall())
    assert counts == {name: n for name, n in expected.items() if n}
    doubled = db.execute(
        "select count(*) - count(distinct (dataset, record_id, modified)) from raw.egov_records"
    ).fetchone()[0]
    assert doubled == 0
    record_figures(
        "api",
        "egov: every fault in one fetch",
        injected=len(faults),
        survived=len(faults),
        lost=sum(expected.values()) - sum(counts.values()),
    )


def test_budget_survives_every_kind_of_fault_in_one_fetch_with_no_row_lost_or_doubled(budget, db):
    fake = budget
    world_rows = len(small_world().budget_lines)
    switch_on_every_fault(fake, start=3)
    BudgetSource(first_period=(2022, 10), until=UNTIL, rows_per_page=2, retry=FAST).fetch(landing("budget"))
    load("budget")
    faults = wait_for(lambda: len(effective_faults(fake)) == 8 and effective_faults(fake), timeout=5, what="faults")
    assert set(faults) == ALL_KINDS and len(faults) == 8, faults
    count, distinct = db.execute(
        "select count(*), count(distinct (region_name, month, program)) from raw.budget_execution_rows"
    ).fetchone()
    assert count == distinct == world_rows
    record_figures(
        "api",
        "budget: every fault in one fetch",
        injected=len(faults),
        survived=len(faults),
        lost=world_rows - distinct,
    )


FETCH = (
    "import sys; from ingest.egov import EgovSource; from ingest.http import RetryPolicy; "
    "EgovSource(page_size=2, retry=RetryPolicy(max_attempts=4, backoff_base=0.01)).fetch(sys.argv[1])"
)


def test_an_egov_fetch_killed_mid_paging_resumes_where_it_stopped(egov, db, monkeypatch):
    fake = egov
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "5")
    expected = {d.dataset: len(fake.visible(d.dataset, d.version)) for d in DATASETS}
    folder = landing("egov")
    # Given a fetch in another process, against a portal that takes 0.3 s per page
    fake.faults.delay(0.3, None, after=1)
    proc = subprocess.Popen(
        [sys.executable, "-c", FETCH, str(folder)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # When it is killed with SIGKILL once two pages of the first dataset are on disk
    wait_for(lambda: len(list(folder.glob("state_schools__*.json.part"))) >= 2, timeout=60, what="two pages")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    on_disk = sorted(int(p.name.split("__from-")[1][:6]) for p in folder.glob("state_schools__*.json.part"))
    # Then nothing of it is loadable yet (pages wait as .part files), and its progress is recorded
    assert load("egov").loaded == []
    # When the fetch runs again with the portal back to normal
    fake.faults.clear()
    fake.reset_log()
    EgovSource(page_size=2, retry=FAST).fetch(folder)
    # Then it asked only for the pages it did not have, and after loading every record is in raw once
    asked = [r.source_body()["from"] for r in fake.data_requests() if "state_schools" in r.path]
    assert not set(asked) & set(on_disk), (asked, on_disk)
    load("egov")
    counts = dict(db.execute("select dataset, count(*) from raw.egov_records group by dataset").fetchall())
    assert counts == {name: n for name, n in expected.items() if n}
    assert db.execute("select count(*) - count(distinct (dataset, record_id)) from raw.egov_records").fetchone()[0] == 0
    record_figures(
        "api",
        "egov: fetch SIGKILLed mid-paging, then resumed",
        injected=1,
        survived=1,
        lost=sum(expected.values()) - sum(counts.values()),
        pages_kept=len(on_disk),
    )


def test_a_record_dated_in_the_future_does_not_hide_later_changes(egov, db):
    fake = egov
    # Given the portal publishes one record whose `modified` is years ahead (a clock or typing error)
    records = fake.visible("state_schools", "v1")
    future = {**records[0], "modified": "2031-01-01T00:00:00"}
    fake.add_records("state_schools", "v1", [future])
    EgovSource(page_size=2, retry=FAST).fetch(landing("egov"))
    load("egov")
    # When a school is changed today and the fetch runs again
    changed = {**records[1], "modified": "2024-05-01T10:00:00", "student_co": 999}
    fake.add_records("state_schools", "v1", [changed])
    EgovSource(page_size=2, retry=FAST).fetch(landing("egov"))
    load("egov")
    # Then today's change arrives
    arrived = db.execute(
        "select count(*) from raw.egov_records where record_id = %s and modified = %s",
        (str(changed["id"]), changed["modified"]),
    ).fetchone()[0]
    cursor = db.execute("select cursor_value from meta.api_cursors where dataset = 'state_schools/v1'").fetchone()
    assert arrived == 1, f"the change of {changed['modified']} never arrived; cursor {cursor}"


def test_the_fakes_faults_are_what_the_publishers_send(egov):
    """The storm above is only meaningful if the fake really answers with each fault."""
    import httpx

    fake = egov
    switch_on_every_fault(fake, start=0, every=1)
    body = json.dumps({"from": 0, "size": 2, "query": {"match_all": {}}})
    seen = []
    with httpx.Client(base_url=fake.url, timeout=5) as client:
        for _ in range(8):
            response = client.get("/api/detailed/state_schools/v1", params={"apiKey": KEY, "source": body})
            seen.append((response.status_code, response.headers.get("retry-after"), response.content[:1]))
    assert [s[0] for s in seen[:4]] == [429, 503, 500, 502] and seen[0][1] == "1"
    assert seen[5][2] == b"{" and seen[6][2] == b"<"  # truncated JSON, then an HTML page
