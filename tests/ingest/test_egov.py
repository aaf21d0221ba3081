"""data.egov.kz: the parser on broken responses, and the client against a fake portal on 127.0.0.1.

The fake is a real HTTP server serving the small hand-built world (tests/ingest/publisher_world.py)
rendered by ingest.egov.synth; faults are switched on in the fake, never by patching the client.
"""

from __future__ import annotations

import json
import time

import pytest

from edu_wh.errors import UserError
from ingest.base import Rejected, Row, SourceFormatError
from ingest.egov import SOURCE, EgovSource
from ingest.egov import synth as egov_synth
from ingest.egov.client import resolve_api_key
from ingest.egov.datasets import DATASETS
from ingest.egov.fake import FakeEgov
from ingest.egov.parser import cursor_token, page_file_name
from ingest.http import PublisherError, RetryPolicy
from tests.ingest.publisher_world import small_world

KEY = "test-egov-key"
FAST = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, jitter=0.5)
PAGE = page_file_name("state_schools", "v1", None, 0)
COLUMNS = SOURCE.raw_table.columns
#: between the world's two publication waves (September 2022 and September 2023)
CUTOFF = "2023-06-30T00:00:00"


def detailed(records, total=None) -> bytes:
    return json.dumps({"totalCount": len(records) if total is None else total, "data": records}).encode()


def record(rid, modified="2023-09-01T10:00:00", **fields) -> dict:
    return {"id": rid, "region_nam": "город Алматы", "district_n": "Медеуский район", "modified": modified, **fields}


@pytest.fixture
def world_dir(tmp_path):
    out = tmp_path / "synth"
    egov_synth.render(small_world(), out)
    return out


@pytest.fixture
def fake(world_dir):
    with FakeEgov(world_dir, api_key=KEY) as server:
        yield server


@pytest.fixture
def egov_env(warehouse, fake, monkeypatch):
    """The warehouse and the settings pointing at the fake (as a user would configure them)."""
    monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", fake.url)
    monkeypatch.setenv("EDU_WH_EGOV_API_KEY", KEY)
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "5")
    return fake


def landing():
    from edu_wh.config import settings

    return settings().landing_dir / "egov"


def fast_source(page_size: int = 4) -> EgovSource:
    return EgovSource(page_size=page_size, retry=FAST)


def visible_versions(fake) -> dict[str, list[dict]]:
    return {d.dataset: fake.visible(d.dataset, d.version) for d in DATASETS}


def load_all():
    from orchestration.tasks import load_landing

    return load_landing("egov")


def build_staging(db, *models: str) -> None:
    """dbt build of ``models`` and their parents, with their unit tests (which need TEMP on the database)."""
    from edu_wh.dbt_runner import dbt_command

    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    selectors = [f"+{m}" for m in models]
    dbt_command(["build", "-s", *selectors, "--indirect-selection", "cautious", "--vars", "{edu_wh_unit_tests: true}"])


def raw_counts(db) -> dict[str, int]:
    return dict(db.execute("select dataset, count(*) from raw.egov_records group by dataset").fetchall())


# --- the parser (pure) ------------------------------------------------------------------------------


def test_a_detailed_response_becomes_one_raw_row_per_record():
    # Given a page of two records as /api/detailed/ delivers it
    data = detailed([record(1, student_co=540), record(2, modified="2023-09-02T11:00:00")], total=7)
    # When it is parsed
    items = SOURCE.parse_bytes(data, PAGE)
    rows = [dict(zip(COLUMNS, i.values)) for i in items if isinstance(i, Row)]
    # Then each record is one row: dataset and version from the file name, id, modified, the record as JSON
    assert [(r["dataset"], r["dataset_version"], r["record_id"], r["modified"]) for r in rows] == [
        ("state_schools", "v1", "1", "2023-09-01T10:00:00"),
        ("state_schools", "v1", "2", "2023-09-02T11:00:00"),
    ]
    assert json.loads(rows[0]["record"])["student_co"] == 540
    assert json.loads(rows[0]["record"])["region_nam"] == "город Алматы"


def test_the_v4_shape_a_bare_array_is_read_too():
    rows = [i for i in SOURCE.parse_bytes(json.dumps([record(5)]).encode(), PAGE) if isinstance(i, Row)]
    assert [r.values[2] for r in rows] == ["5"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the response is empty"),
        (detailed([record(1), record(2)])[:-25], "truncated JSON"),
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "invalid JSON"),
        (b'{"error": "limit exceeded"}', "no `data` key"),
        (b'{"totalCount": 1, "data": {"id": 1}}', "not a list of records"),
        (detailed([record(1), record(2), record(1)]), "record id 1 occurs twice"),
    ],
)
def test_unusable_responses_are_refused_naming_file_and_reason(data, message):
    # Given a response that cannot be trusted as a whole
    # When it is parsed, Then the whole file is refused with the file name and the reason
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, PAGE)
    assert PAGE in str(info.value)


def test_records_without_id_or_modified_are_quarantined_and_the_rest_loads():
    # Given a page with one good record, one without id and one without modified
    data = detailed(
        [record(1), {"region_nam": "город Алматы", "modified": "2023-09-01T10:00:00"}, record(3, modified=None)]
    )
    items = SOURCE.parse_bytes(data, PAGE)
    # Then the two bad ones are quarantined with their position and reason
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [(r.reason, r.row_number) for r in rejected] == [
        ("record without id", 2),
        ("record 3 without `modified` (cannot be loaded incrementally)", 3),
    ]
    assert [i.values[2] for i in items if isinstance(i, Row)] == ["1"]


def test_a_file_whose_name_does_not_say_the_dataset_is_refused():
    with pytest.raises(SourceFormatError, match="does not say which data.egov.kz dataset"):
        SOURCE.parse_bytes(detailed([record(1)]), "schools.json")


# --- the renderer -----------------------------------------------------------------------------------


def test_the_renderer_is_deterministic_and_publishes_later_versions(tmp_path):
    # Given the same world rendered twice
    first = egov_synth.render(small_world(), tmp_path / "a")
    second = egov_synth.render(small_world(), tmp_path / "b")
    # Then the files are byte-identical
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    payload = json.loads(first[0].read_text())
    assert payload["dataset"] == "state_schools"
    records = payload["records"]
    # And some schools have a second, later version with the last year's pupils
    by_id: dict[int, list[dict]] = {}
    for r in records:
        by_id.setdefault(r["id"], []).append(r)
    updated = {i: v for i, v in by_id.items() if len(v) == 2}
    assert updated and len(updated) < len(by_id)
    for versions in updated.values():
        early, late = sorted(versions, key=lambda r: r["modified"])
        assert early["modified"] < CUTOFF < late["modified"]
        assert late["student_co"] > early["student_co"]
    # And the truncated field names are the publisher's
    assert {"region_nam", "district_n", "student_co", "establish_", "sdu_load_i", "lat", "long"} <= set(records[0])
    # And a school outside Almaty city and oblast, and a closed one, are not in the registers
    private = json.loads(first[1].read_text())["records"]
    assert {r["name_ru"] for r in private} == {"Школа-гимназия № 11"}


# --- the client against the fake portal --------------------------------------------------------------


def test_without_a_key_the_portal_refuses_and_the_message_says_what_to_set(warehouse, fake, monkeypatch):
    # Given no key in the environment and no Airflow connection
    monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", fake.url)
    monkeypatch.delenv("EDU_WH_EGOV_API_KEY", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_EGOV_OPEN_DATA", raising=False)
    assert resolve_api_key() is None
    # When the fetch runs
    with pytest.raises(PublisherError) as info:
        fast_source().fetch(landing())
    # Then the portal's 403 becomes a message naming the setting, and it is not retried
    assert "data.egov.kz refused the API key; set EDU_WH_EGOV_API_KEY" in str(info.value)
    assert "egov_open_data" in info.value.hint
    assert [r.status for r in fake.requests] == [403]
    assert "apiKey" not in fake.requests[0].params


def test_the_key_can_come_from_the_airflow_connection(warehouse, fake, monkeypatch):
    # Given the key only as the password of the Airflow connection egov_open_data
    monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", fake.url)
    monkeypatch.delenv("EDU_WH_EGOV_API_KEY", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_EGOV_OPEN_DATA", json.dumps({"conn_type": "http", "password": KEY}))
    # Then it is found, and the portal accepts it
    assert resolve_api_key() == KEY
    assert fast_source().fetch(landing())
    assert {r.params.get("apiKey") for r in fake.requests} == {KEY}


def test_every_record_is_paged_into_landing_and_raw(egov_env, db):
    fake = egov_env
    expected = visible_versions(fake)
    # When every dataset is fetched with pages of 4 and loaded
    files = fast_source(page_size=4).fetch(landing())
    summary = load_all()
    # Then each dataset's pages were asked for at 0, 4, 8, … sorted by (modified, id)
    pages = [
        r.source_body() for r in fake.data_requests() if "state_schools" in r.path and r.source_body()["size"] == 4
    ]
    assert [p["from"] for p in pages] == list(range(0, len(expected["state_schools"]), 4))
    assert pages[0]["sort"] == [{"modified": {"order": "asc"}}, {"id": {"order": "asc"}}]
    # And one file per page landed, named after dataset, cursor and offset, all loaded
    assert len(files) == sum(-(-len(v) // 4) for v in expected.values())
    assert files[0].name == "state_schools__v1__after-start__from-000000.json"
    assert len(summary.loaded) == len(files) and not summary.rejected
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}
    # And each dataset's cursor is the newest `modified` seen, with no extraction in progress
    cursors = dict(db.execute("select dataset, cursor_value || '|' || page_offset from meta.api_cursors").fetchall())
    for ds in DATASETS:
        assert cursors[ds.key] == max(r["modified"] for r in expected[ds.dataset]) + "|0"
    assert not list(landing().glob("*.part")) and not list(landing().glob(".*"))


def test_an_incremental_fetch_asks_only_for_what_changed_and_staging_keeps_the_newest(egov_env, db):
    fake = egov_env
    # Given a first fetch while the portal showed only the first wave of publications
    fake.as_of = CUTOFF
    fast_source().fetch(landing())
    load_all()
    cursor = db.execute("select cursor_value from meta.api_cursors where dataset = 'state_schools/v1'").fetchone()[0]
    assert cursor < CUTOFF
    # When the portal publishes the second wave and the fetch runs again
    fake.as_of = None
    fake.reset_log()
    files = fast_source().fetch(landing())
    # Then every request for state_schools asked only for records modified after the cursor
    bodies = [r.source_body() for r in fake.data_requests() if "state_schools" in r.path]
    assert bodies and all(b["query"]["range"]["modified"]["gt"] == cursor for b in bodies)
    # And only the records modified after the cursor landed
    landed = [rec for f in files if f.name.startswith("state_schools") for rec in json.loads(f.read_text())["data"]]
    newer = [r for r in fake.visible("state_schools", "v1") if r["modified"] > cursor]
    assert sorted(r["id"] for r in landed) == sorted(r["id"] for r in newer)
    assert all(f"__after-{cursor_token(cursor)}__" in f.name for f in files if f.name.startswith("state_schools"))
    load_all()
    # And staging has each school once, in its newest version, with territories resolved
    build_staging(db, "stg_egov__schools", "stg_egov__kindergartens")
    schools = db.execute(
        "select source_dataset, record_id, student_count, kato_code, region_kato_code, modified_at::text "
        "from staging.stg_egov__schools"
    ).fetchall()
    all_state = fake.visible("state_schools", "v1")
    assert len([s for s in schools if s[0] == "state_schools"]) == len(all_state)
    assert len(schools) == len({(s[0], s[1]) for s in schools})
    newest = {str(r["id"]): r for r in all_state}
    for dataset, rid, pupils, kato, region, modified in schools:
        if dataset == "state_schools":
            assert pupils == newest[rid]["student_co"] and modified.replace(" ", "T") == newest[rid]["modified"]
        assert kato is not None and region in {"750000000", "190000000"}
    # a school updated in the second wave shows its new pupil count, not the first wave's
    pupils = {s[1]: s[2] for s in schools if s[0] == "state_schools"}
    fake.as_of = CUTOFF
    first_wave = {str(r["id"]): r["student_co"] for r in fake.visible("state_schools", "v1")}
    fake.as_of = None
    changed = [r for r in newer if str(r["id"]) in first_wave]
    assert changed and all(pupils[str(r["id"])] == r["student_co"] != first_wave[str(r["id"])] for r in changed)
    konaev = db.execute(
        "select count(*) from staging.stg_egov__schools where district_name = 'г. Конаев' and kato_code = '191000000'"
    ).fetchone()[0]
    assert konaev > 0
    gardens = db.execute(
        "select count(*), count(distinct record_id), count(kato_code), sum(places) from staging.stg_egov__kindergartens"
    ).fetchone()
    all_gardens = fake.visible("state_kindergartens", "v1")
    assert gardens == (len(all_gardens), len(all_gardens), len(all_gardens), sum(g["places_cou"] for g in all_gardens))


def test_a_rate_limit_is_waited_out_as_the_portal_asks(egov_env):
    fake = egov_env
    # Given the portal answers the first request with 429 and Retry-After: 1
    fake.faults.rate_limit(1, retry_after="1")
    # When the fetch runs
    started = time.monotonic()
    files = fast_source().fetch(landing())
    # Then it waited at least the second asked for (not its own 10 ms backoff), asked again and succeeded
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in fake.requests[:2]] == [429, 200]
    assert files


@pytest.mark.parametrize(
    "fault, switch",
    [
        ("500", lambda f: f.faults.server_error(2, status=500, after=1)),
        ("503", lambda f: f.faults.server_error(3, status=503, after=2)),
        ("timeout", lambda f: f.faults.delay(1.5, 1, after=1)),
    ],
)
def test_server_errors_and_timeouts_are_retried_with_backoff(egov_env, db, monkeypatch, fault, switch):
    fake = egov_env
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "0.5")
    expected = visible_versions(fake)
    # Given the portal fails a few requests in the middle of the paging
    switch(fake)
    # When the fetch runs and its files are loaded
    fast_source().fetch(landing())
    load_all()
    # Then the failed requests were retried and every record arrived exactly once
    assert fake.faults.applied and set(fake.faults.applied) <= {"status", "delay"}
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}


def test_an_unreachable_portal_fails_fast_naming_the_setting(warehouse, monkeypatch):
    import socket

    # Given a base URL where nothing listens
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("EDU_WH_EGOV_API_KEY", KEY)
    # When the fetch runs, Then it gives up after one dataset's attempts and says what to check
    with pytest.raises(UserError) as info:
        fast_source().fetch(landing())
    assert "data.egov.kz is unreachable, the remaining datasets were not tried" in str(info.value)
    assert "failed 4 times for state_schools/v1 (newest record): connection failed" in str(info.value)
    assert "EDU_WH_EGOV_BASE_URL" in info.value.hint
    assert "private_schools" not in str(info.value)


def test_persistent_server_errors_fail_clearly_and_a_rerun_resumes_without_refetching(egov_env, db):
    fake = egov_env
    expected = visible_versions(fake)
    # Given the portal starts failing for good after the probe and two pages of state_schools
    fake.faults.server_error(None, status=503, after=3)
    # When the fetch runs, Then it fails naming the datasets, the status and the attempts
    with pytest.raises(UserError) as info:
        fast_source(page_size=3).fetch(landing())
    message = str(info.value)
    assert "3 of 3 datasets could not be fetched" in message
    assert "failed 4 times for state_schools/v1 from 6: server error (HTTP 503)" in message
    # And the two pages it got wait on disk as .part files (the loader ignores them), with the progress recorded
    parts = sorted(p.name for p in landing().glob("*.part"))
    assert parts == [
        "state_schools__v1__after-start__from-000000.json.part",
        "state_schools__v1__after-start__from-000003.json.part",
    ]
    assert load_all().loaded == []
    state = db.execute(
        "select cursor_value, page_offset from meta.api_cursors where dataset = 'state_schools/v1'"
    ).fetchone()
    assert state == (None, 6)
    # When the portal recovers and the fetch runs again
    fake.faults.clear()
    fake.reset_log()
    files = fast_source(page_size=3).fetch(landing())
    # Then for state_schools it asked only for the pages it did not have (no new probe either)
    asked = [r.source_body()["from"] for r in fake.data_requests() if "state_schools" in r.path]
    assert asked == list(range(6, len(expected["state_schools"]), 3))
    assert len([f for f in files if f.name.startswith("state_schools")]) == -(-len(expected["state_schools"]) // 3)
    # And after loading, every record is in raw exactly once
    load_all()
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}
    duplicates = db.execute(
        "select count(*) - count(distinct (dataset, record_id, modified)) from raw.egov_records"
    ).fetchone()[0]
    assert duplicates == 0
    assert db.execute("select sum(page_offset) from meta.api_cursors").fetchone()[0] == 0


@pytest.mark.parametrize("kind, reason", [("truncate", "truncated JSON"), ("invalid_json", "invalid JSON")])
def test_truncated_or_invalid_json_is_asked_again_and_fails_clearly_if_it_persists(egov_env, db, kind, reason):
    fake = egov_env
    expected = visible_versions(fake)
    # Given one broken response in the middle of the paging
    getattr(fake.faults, kind)(1, after=2)
    # When the fetch runs, Then the broken page is asked again and everything arrives
    fast_source().fetch(landing())
    load_all()
    assert [r.fault for r in fake.requests].count(kind) == 1
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}
    # Given the portal answers broken JSON for good
    fake.as_of = None
    fake.add_records("state_schools", "v1", [record(999, modified="2030-01-01T00:00:00")])
    getattr(fake.faults, kind)(None)
    # Then the fetch fails naming the reason, and nothing new lands
    with pytest.raises(UserError, match=reason):
        fast_source().fetch(landing())
    assert not list(landing().glob("*after-2*.json"))


def test_a_repeated_page_is_detected_and_asked_again(egov_env, db):
    fake = egov_env
    expected = visible_versions(fake)
    # Given the portal answers the second page of state_schools with the first page again
    fake.faults.repeat_page(1, after=2)
    # When the fetch runs
    fast_source().fetch(landing())
    # Then the repeat was noticed, the page asked again, and no record is missing or doubled
    assert [r.fault for r in fake.requests].count("repeat_page") == 1
    load_all()
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}
    ids = db.execute("select count(*), count(distinct record_id) from raw.egov_records where dataset = 'state_schools'")
    assert len(set(ids.fetchone())) == 1


def test_a_page_that_keeps_repeating_fails_clearly(egov_env):
    fake = egov_env
    fake.faults.repeat_page(None, after=2)
    with pytest.raises(UserError, match="repeats 4 record"):
        fast_source().fetch(landing())


class QueryIgnoringEgov(FakeEgov):
    """A portal that answers page requests from all its records, ignoring the `query`."""

    def handle(self, path, params):
        body = json.loads(params.get("source") or "{}")
        if body.get("size", 0) > 1:
            body.pop("query", None)
            params = {**params, "source": json.dumps(body)}
        return super().handle(path, params)


def test_pages_outside_the_asked_window_are_refused(warehouse, world_dir, monkeypatch):
    with QueryIgnoringEgov(world_dir, api_key=KEY) as fake:
        monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", fake.url)
        monkeypatch.setenv("EDU_WH_EGOV_API_KEY", KEY)
        # Given a first fetch while everything the portal had was new anyway
        fake.as_of = CUTOFF
        fast_source().fetch(landing())
        # When the next fetch asks for records modified after the cursor and gets old ones too
        fake.as_of = None
        # Then the pages are refused with the reason, and nothing lands
        with pytest.raises(UserError, match=r"outside the requested window .*the query was not applied"):
            fast_source().fetch(landing())
    assert [p.name for p in landing().glob("state_schools__*.json") if "after-start" not in p.name] == []


def test_loading_twice_and_fetching_again_change_nothing(egov_env, db):
    fake = egov_env
    # Given everything fetched and loaded once
    fast_source().fetch(landing())
    first = load_all()
    before = db.execute("select count(*) from raw.egov_records").fetchone()[0]
    # When the same files are loaded again
    second = load_all()
    # Then every file is already loaded and nothing doubles
    assert second.loaded == [] and len(second.already_loaded) == len(first.loaded)
    assert db.execute("select count(*) from raw.egov_records").fetchone()[0] == before
    # When the fetch runs again with nothing new at the portal
    fake.reset_log()
    assert fast_source().fetch(landing()) == []
    # Then it only asked each dataset whether anything changed
    assert len(fake.data_requests()) == len(DATASETS)
    assert load_all().loaded == []


def test_the_ingest_egov_dag_fetches_and_loads_through_airflow(egov_env, db, dagbag):
    from tests.conftest import run_dag

    expected = visible_versions(egov_env)
    # When the DAG runs (fetch_egov → load_egov)
    run = run_dag(dagbag, "ingest_egov")
    # Then both tasks succeed and every record is in raw
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["fetch_egov"] == "success" and states["load_egov"] == "success"
    assert raw_counts(db) == {name: len(v) for name, v in expected.items() if v}
