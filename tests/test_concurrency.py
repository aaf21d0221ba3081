"""Concurrency: the pipeline lease serialises builds, a dead holder's lease expires, readers see one release.

**The readers' contract** (what exports, the portal, BI extracts and the ministry reader must do to
read several published tables as one release): open a ``REPEATABLE READ`` (or ``SERIALIZABLE``)
transaction whose **first statement reads a table in ``published``**. That statement takes the
transaction's snapshot and an ACCESS SHARE lock on the table; the swap
(``publication/swap.py``) must take ACCESS EXCLUSIVE locks on *every* published table before it
renames the schemas, so it waits (short ``lock_timeout``, retried) until the reader commits, and
every later read in the transaction sees the same release. A transaction that takes its snapshot
with anything else first (``select 1``, a read of ``meta.releases``) holds no lock while a swap
goes through, and then reads the new release's tables, which its older snapshot cannot see:
``test_a_reader_that_breaks_the_contract_reads_an_empty_release`` shows exactly that.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from tests.conftest import admin_url, drop_database, new_database
from tests.dags.helpers import load_samples

_RUN_DAG = """
import json, sys
from orchestration.airflow_env import apply_airflow_env
apply_airflow_env()
from airflow.dag_processing.dagbag import DagBag
from edu_wh.config import DAGS_DIR
bag = DagBag(dag_folder=str(DAGS_DIR))
run = bag.dags[sys.argv[1]].test()
tasks = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
print("RESULT " + json.dumps({"state": str(run.state), "run_id": run.run_id, "tasks": tasks}))
"""


def _airflow_home_copy(dagbag, target) -> dict[str, str]:
    """A private Airflow home with a copy of the migrated metadata DB: two dag.test() processes must
    not share one SQLite file; what they share is the warehouse, as two Airflow workers would."""
    from edu_wh.config import settings

    target.mkdir(parents=True)
    shutil.copyfile(settings().airflow_home / "airflow.db", target / "airflow.db")
    return {
        "AIRFLOW_HOME": str(target),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{target / 'airflow.db'}",
    }


@pytest.fixture(scope="module")
def two_runs_at_once(template_db, dagbag, tmp_path_factory):
    """Two transform_publish runs started together, in two processes, against one warehouse."""
    name = new_database(template_db, prefix="concurrent")
    tmp = tmp_path_factory.mktemp("concurrent")
    env = {
        "EDU_WH_DATABASE_URL": admin_url(name),
        "EDU_WH_LANDING_DIR": str(tmp / "landing"),
        "EDU_WH_RELEASES_DIR": str(tmp / "releases"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        load_samples()
        procs = []
        for i in (1, 2):
            proc_env = {**os.environ, **env, **_airflow_home_copy(dagbag, tmp / f"airflow{i}")}
            # both streams to files: a pipe nobody reads while the other run is waited for fills up and
            # blocks the run that holds the lease, and the two would wait for each other forever
            out = tmp / f"run{i}.out"
            with open(out, "w") as stdout, open(tmp / f"run{i}.log", "w") as stderr:
                proc = subprocess.Popen(
                    [sys.executable, "-c", _RUN_DAG, "transform_publish"], env=proc_env, stdout=stdout, stderr=stderr
                )
            procs.append((proc, out))
            time.sleep(0.5)  # distinct run ids (they are timestamps)
        results = []
        for proc, out in procs:
            proc.wait(timeout=900)
            line = next((x for x in out.read_text().splitlines() if x.startswith("RESULT ")), None)
            assert line, f"dag.test() printed no result; see {out} and {out.with_suffix('.log')}"
            results.append(json.loads(line.removeprefix("RESULT ")))
        yield {"url": admin_url(name), "runs": results, "env": env}
    drop_database(name)


def _lease_periods(conn) -> dict[str, dict[str, object]]:
    periods: dict[str, dict[str, object]] = {}
    for run_id, action, at in conn.execute(
        "select run_id, details->>'action', at from meta.events where kind = 'pipeline_lock' order by event_id"
    ).fetchall():
        periods.setdefault(run_id, {})[action] = at
    return periods


def test_two_runs_at_once_both_succeed_one_after_the_other(two_runs_at_once):
    runs = two_runs_at_once["runs"]
    assert [r["state"] for r in runs] == ["success", "success"], [r["tasks"] for r in runs]
    assert runs[0]["run_id"] != runs[1]["run_id"]
    with psycopg.connect(two_runs_at_once["url"]) as conn:
        periods = _lease_periods(conn)
        assert set(periods) == {r["run_id"] for r in runs}
        (a_id, a), (b_id, b) = sorted(periods.items(), key=lambda kv: kv[1]["acquired"])
        assert set(a) == set(b) == {"acquired", "released"}
        # the lease periods do not overlap: the second run took it only after the first let go
        assert a["acquired"] < a["released"] <= b["acquired"] < b["released"]
        # and everything the second run built happened inside its own lease
        gates = dict(conn.execute("select run_id, started_at from meta.gate_runs").fetchall())
        assert a["acquired"] < gates[a_id] < a["released"] <= b["acquired"] < gates[b_id] < b["released"]
        publishes = dict(conn.execute("select run_id, message from meta.events where kind = 'publish'").fetchall())
        assert publishes[a_id].startswith("published release 1")
        assert "nothing published" in publishes[b_id]  # the same inputs make the same release


def test_published_is_one_consistent_release_after_the_two_runs(two_runs_at_once):
    from edu_wh.hashes import content_hashes

    with psycopg.connect(two_runs_at_once["url"]) as conn:
        releases = conn.execute("select release_id, status, table_hashes from meta.releases").fetchall()
        assert [(r[0], r[1]) for r in releases] == [(1, "current")]
        hashes, counts, _ = content_hashes(conn, "published")
        assert hashes == releases[0][2]
        # the tables the loaded samples feed (BNS, press, KATO) are filled; the others are empty, not missing
        assert all(counts[t] > 0 for t in ("school_counts", "claims", "territories")), counts
        assert conn.execute("select holder from meta.pipeline_lock").fetchone() == (None,)


def test_a_dead_holders_lease_is_taken_over_after_its_ttl_and_not_before(warehouse, db, monkeypatch):
    from edu_wh.errors import UserError
    from edu_wh.lease import acquire_pipeline_lock, release_pipeline_lock, renew_pipeline_lock

    ttl = 6
    monkeypatch.setenv("EDU_WH_PIPELINE_LOCK_TTL_SECONDS", str(ttl))
    # Given a run that took the lease and died without releasing it (killed, as by an OOM kill)
    dead = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal; from orchestration.tasks import acquire_pipeline_lock; "
            "acquire_pipeline_lock('manual__dead'); os.kill(os.getpid(), signal.SIGKILL)",
        ],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dead.returncode == -signal.SIGKILL, dead.stderr
    taken_at = db.execute("select acquired_at from meta.pipeline_lock where holder = 'manual__dead'").fetchone()[0]
    # When another run asks for it before the TTL, it is refused with the holder's name
    with pytest.raises(UserError, match="another pipeline run holds the warehouse \\(manual__dead since"):
        acquire_pipeline_lock("manual__impatient", wait_seconds=1, poll=0.2)
    # When a run waits for it, it gets it once the TTL has passed, and the takeover is recorded
    acquire_pipeline_lock("manual__next", wait_seconds=ttl * 3, poll=0.2)
    now = db.execute("select clock_timestamp()").fetchone()[0]
    assert (now - taken_at).total_seconds() >= ttl
    assert (now - taken_at).total_seconds() < ttl + 5
    assert db.execute("select holder from meta.pipeline_lock").fetchone() == ("manual__next",)
    event = db.execute(
        "select message, details from meta.events where kind = 'pipeline_lock' order by event_id desc limit 1"
    ).fetchone()
    assert event[1] == {"action": "taken_over", "previous_holder": "manual__dead"}
    assert "taken over by manual__next from manual__dead" in event[0]
    # and the dead run, were it only slow, can neither go on building nor release what is no longer its own
    with pytest.raises(
        UserError, match="run manual__dead no longer holds the pipeline lease \\(now held by manual__next\\)"
    ):
        renew_pipeline_lock("manual__dead")
    assert release_pipeline_lock("manual__dead") is False
    # renewing restarts the TTL of the holder's lease
    renew_pipeline_lock("manual__next")
    renewed_at = db.execute("select acquired_at from meta.pipeline_lock").fetchone()[0]
    assert renewed_at > now
    assert release_pipeline_lock("manual__next") is True


# --- readers during publishes ------------------------------------------------------------------------

#: the two tables whose content every test release changes, so a mixed read is detectable
CHANGED = ("school_counts", "territories")


def _publish_variant(i: int, run_id: str) -> None:
    """A candidate that differs from the current release in both CHANGED tables, gated and published.

    Built with SQL from the current release instead of dbt (a dbt build takes a minute); the gate
    and the swap are the real ones.
    """
    from edu_wh.warehouse import connect
    from orchestration.tasks import run_gate
    from publication.swap import publish, schema_tables

    with connect("transformer", autocommit=True) as conn:
        conn.execute("drop schema if exists candidate cascade")
        conn.execute("create schema candidate")
        for table in schema_tables(conn, "published"):
            conn.execute(f'create table candidate."{table}" as select * from published."{table}"')
        label = f"Almaty (test release {i})"
        conn.execute("update candidate.territories set name_en = %s where kato_code = '750000000'", (label,))
        conn.execute(
            "update candidate.school_counts set territory_name_en = %s where kato_code = '750000000'", (label,)
        )
    run_gate(run_id)
    assert publish(run_id=run_id).status == "published"


def _reader(url: str, stop: threading.Event, seen: list, errors: list) -> None:
    """The ministry reader, by the contract: REPEATABLE READ, first statement reads published."""
    from publication.swap import table_hash

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set role edu_wh_ministry_reader")
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        while not stop.is_set():
            try:
                with conn.transaction():
                    first, _ = table_hash(conn, "published", CHANGED[0])  # the snapshot and the first lock
                    time.sleep(0.05)  # a report reading table after table
                    second, _ = table_hash(conn, "published", CHANGED[1])
                seen.append((first, second))
            except psycopg.Error as exc:
                errors.append(f"{type(exc).__name__}: {exc}")


def test_readers_never_see_a_mix_of_two_releases_during_repeated_publishes(two_runs_at_once):
    url = two_runs_at_once["url"]
    stop = threading.Event()
    seen: list[tuple] = []
    errors: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        for key, value in two_runs_at_once["env"].items():
            mp.setenv(key, value)
        readers = [threading.Thread(target=_reader, args=(url, stop, seen, errors)) for _ in range(3)]
        for reader in readers:
            reader.start()
        try:
            started = time.monotonic()
            for i in range(1, 5):
                _publish_variant(i, f"test__readers_{i}")
                time.sleep(0.3)
            publishing = time.monotonic() - started
        finally:
            stop.set()
            for reader in readers:
                reader.join(30)
    with psycopg.connect(url) as conn:
        releases = {
            release_id: (hashes[CHANGED[0]], hashes[CHANGED[1]])
            for release_id, hashes in conn.execute("select release_id, table_hashes from meta.releases").fetchall()
        }
    assert len(releases) >= 5 and len(set(releases.values())) == len(releases)  # each differs in both tables
    assert not errors, errors[:5]
    assert len(seen) > 20, f"only {len(seen)} reads in {publishing:.1f} s"
    observed = {pair: [r for r, h in releases.items() if h == pair] for pair in set(seen)}
    mixed = [pair for pair, matches in observed.items() if not matches]
    assert not mixed, f"{len(mixed)} read(s) combined tables of different releases (or an empty table)"
    # the readers were reading while releases changed (they saw several of them)
    assert len({r for matches in observed.values() for r in matches}) >= 3


def test_a_reader_that_breaks_the_contract_reads_an_empty_release(two_runs_at_once):
    """Why the first statement must read published: a snapshot taken before a swap cannot see the
    new release's rows, yet name lookup finds the new tables."""
    url = two_runs_at_once["url"]
    with pytest.MonkeyPatch.context() as mp:
        for key, value in two_runs_at_once["env"].items():
            mp.setenv(key, value)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("set role edu_wh_ministry_reader")
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                conn.execute("select 1")  # the snapshot is taken here, with no lock on published
                _publish_variant(99, "test__contract")
                rows = conn.execute("select count(*) from published.school_counts").fetchone()[0]
            assert rows == 0
            # the same read in a new transaction sees the new release
            assert conn.execute("select count(*) from published.school_counts").fetchone()[0] > 0


def test_a_step_run_by_hand_takes_the_lease_only_when_no_run_holds_it_and_gives_it_back(warehouse, db):
    from edu_wh.errors import UserError
    from edu_wh.lease import acquire_pipeline_lock, pipeline_lease, release_pipeline_lock

    # Given a DAG run building a release
    acquire_pipeline_lock("scheduled__build")
    # Then `edu-wh publish` (or transform, gate, rollback) does not start
    with (
        pytest.raises(UserError, match="another pipeline run holds the warehouse"),
        pipeline_lease("publish", wait_seconds=0),
    ):
        pytest.fail("the step ran while a DAG run held the lease")
    release_pipeline_lock("scheduled__build")
    # And once the run is done, the step holds the lease while it works and releases it after
    with pipeline_lease("publish", wait_seconds=0) as run_id:
        assert run_id.startswith("cli__publish__")
        assert db.execute("select holder from meta.pipeline_lock").fetchone() == (run_id,)
    assert db.execute("select holder from meta.pipeline_lock").fetchone() == (None,)
