"""Crash safety: a loader or a publisher killed with SIGKILL at the worst moments leaves nothing half
done, the release keeps answering, and the next run completes with nothing lost.

The process under test is a real ``python`` subprocess running the production function
(``ingest.loader.load_file``, ``publication.swap.publish``) against a copy of the released warehouse.
The moments are made observable from the database side, without hooks in the code under test:

* **mid-COPY**: ``pg_stat_progress_copy`` shows the loader's COPY has passed 50,000 rows;
* **after COPY, before COMMIT**: the test holds a row lock (``FOR NO KEY UPDATE``) on the new batch's
  ``meta.load_batches`` row, so the loader's last statement (marking the batch ``loaded``) waits,
  visibly, in ``pg_stat_activity``; the COPY is complete by then;
* **publish, between the two renames**: the test holds an uncommitted ``GRANT`` on the candidate
  schema, which locks its ``pg_namespace`` row, so ``ALTER SCHEMA candidate RENAME TO published``
  waits after ``published`` has already been renamed to ``archive_r<N>`` in the same transaction;
* **publish, after both renames, before COMMIT**: a row lock on the current release's
  ``meta.releases`` row holds the release bookkeeping, the swap's last step.

Each time, the process is killed while it waits there, and the test then lets go.
"""

from __future__ import annotations

import os
import signal
import subprocess

import psycopg
import pytest

from tests.reliability.helpers import prepare_variant, published_hashes, record_figures, wait_for
from tests.reliability.helpers import start_script as start

BULK_ROWS = 300_000
LOAD = (
    "import sys; from ingest.loader import load_file; from ingest.registry import get_source; "
    "print(load_file(get_source(sys.argv[1]), sys.argv[2]).summary())"
)
PUBLISH = "from publication.swap import publish; print(publish(run_id='test__killed').summary())"


@pytest.fixture(scope="module")
def bulk_nedb(tmp_path_factory):
    """A generated NEDB extract large enough for its COPY to take a while (the project's generator)."""
    from ingest.nedb import write_bulk_file

    return write_bulk_file(tmp_path_factory.mktemp("bulk") / "nedb_bulk_2023-24.csv", BULK_ROWS)


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def backend(conn, application: str, query_like: str = "%", *, waiting: bool = False):
    """The server process of the client called ``application`` (pid, query), optionally only while it
    waits for a lock."""
    return conn.execute(
        "select pid, query from pg_stat_activity where datname = current_database() and application_name = %s "
        "and query ilike %s and (not %s or wait_event_type = 'Lock')",
        (application, query_like, waiting),
    ).fetchone()


def gone(conn, application: str) -> bool:
    return backend(conn, application) is None


def release_state(conn) -> tuple:
    return conn.execute(
        "select release_id, content_hash, table_hashes from meta.releases where status = 'current'"
    ).fetchone()


def assert_release_answers(conn, release) -> None:
    """The current release is intact: its tables hash as recorded, and the ministry reader reads them."""
    assert release_state(conn) == release
    assert published_hashes(conn) == release[2]
    with conn.transaction(force_rollback=True):
        conn.execute("set local role edu_wh_ministry_reader")
        assert conn.execute("select count(*) from published.school_counts").fetchone()[0] > 0


def raw_rows(conn, batch_id: int) -> int:
    return conn.execute("select count(*) from raw.nedb_school_years where _batch_id = %s", (batch_id,)).fetchone()[0]


def the_next_run_completes(conn, path, killed_batch: int) -> int:
    """What the ingest DAG's next run does (orchestration.tasks.load_landing): the dead loader's batch is
    marked abandoned, the file loads completely. Returns the rows lost (expected 0)."""
    from orchestration.tasks import load_landing

    summary = load_landing("nedb", paths=[path])
    assert not summary.rejected, summary.rejected
    [loaded] = summary.loaded
    status, error = conn.execute(
        "select status, error from meta.load_batches where batch_id = %s", (killed_batch,)
    ).fetchone()
    assert status == "abandoned" and "loader stopped before commit" in error
    assert raw_rows(conn, killed_batch) == 0
    in_raw = conn.execute(
        "select count(*), count(distinct bin) from raw.nedb_school_years r join meta.load_batches b "
        "on b.batch_id = r._batch_id where b.source_file = %s and b.status = 'loaded'",
        (path.name,),
    ).fetchone()
    assert in_raw == (BULK_ROWS, BULK_ROWS)  # every row once
    assert loaded["rows"] == BULK_ROWS
    return BULK_ROWS - in_raw[0]


def test_a_loader_killed_mid_copy_leaves_nothing_and_the_next_run_loads_everything(release_copy, bulk_nedb):
    with psycopg.connect(release_copy, autocommit=True) as conn:
        release = release_state(conn)
        # Given a loader COPYing a large NEDB extract
        proc = start(LOAD, "nedb", str(bulk_nedb))
        copied = wait_for(
            lambda: conn.execute(
                "select p.tuples_processed from pg_stat_progress_copy p join pg_stat_activity a using (pid) "
                "where a.application_name = 'edu-wh load nedb' and p.tuples_processed > 50000"
            ).fetchone(),
            timeout=120,
            poll=0.01,
            what="the COPY to pass 50,000 rows",
        )[0]
        # When it is killed in the middle of the COPY
        kill(proc)
        assert copied < BULK_ROWS
        wait_for(lambda: gone(conn, "edu-wh load nedb"), timeout=30, what="the server to end the dead session")
        # Then its batch is still 'loading' with no row of it visible, and the release is untouched
        batch_id, status = conn.execute(
            "select batch_id, status from meta.load_batches where source_file = %s", (bulk_nedb.name,)
        ).fetchone()
        assert status == "loading" and raw_rows(conn, batch_id) == 0
        assert_release_answers(conn, release)
        # And the next run marks it abandoned and loads the whole file once
        lost = the_next_run_completes(conn, bulk_nedb, batch_id)
        assert_release_answers(conn, release)
    record_figures("crash", "loader SIGKILL mid-COPY", injected=1, survived=1, lost=lost, rows_copied_before=copied)


def test_a_loader_killed_after_copy_before_commit_leaves_nothing(release_copy, bulk_nedb):
    with psycopg.connect(release_copy, autocommit=True) as conn, psycopg.connect(release_copy) as holder:
        release = release_state(conn)
        # Given a loader whose batch row the test holds, so that marking it 'loaded' must wait
        proc = start(LOAD, "nedb", str(bulk_nedb))
        batch_id = wait_for(
            lambda: conn.execute(
                "select batch_id from meta.load_batches where source_file = %s and status = 'loading'",
                (bulk_nedb.name,),
            ).fetchone(),
            timeout=60,
            poll=0.01,
            what="the loader's batch row",
        )[0]
        holder.execute("select 1 from meta.load_batches where batch_id = %s for no key update", (batch_id,))
        pid, query = wait_for(
            lambda: backend(conn, "edu-wh load nedb", "update meta.load_batches set status = 'loaded'%", waiting=True),
            timeout=120,
            what="the loader to finish its COPY and wait to mark the batch loaded",
        )
        assert not conn.execute("select 1 from pg_stat_progress_copy where pid = %s", (pid,)).fetchone()
        # the release answers while the load is pending
        assert_release_answers(conn, release)
        # When the loader is killed there, between its COPY and its COMMIT, and the test lets go
        kill(proc)
        holder.rollback()
        wait_for(lambda: gone(conn, "edu-wh load nedb"), timeout=30, what="the server to end the dead session")
        # Then none of the 300,000 copied rows is visible and the batch is still 'loading'
        assert conn.execute("select status from meta.load_batches where batch_id = %s", (batch_id,)).fetchone() == (
            "loading",
        )
        assert raw_rows(conn, batch_id) == 0
        assert conn.execute("select count(*) from raw.quarantine where batch_id = %s", (batch_id,)).fetchone()[0] == 0
        assert_release_answers(conn, release)
        # And the next run marks it abandoned and loads everything
        lost = the_next_run_completes(conn, bulk_nedb, batch_id)
    record_figures("crash", "loader SIGKILL after COPY, before COMMIT", injected=1, survived=1, lost=lost)


@pytest.mark.parametrize(
    "moment, hold, waiting_query",
    [
        (
            "between the two renames",
            "grant usage on schema candidate to edu_wh_loader",
            'alter schema "candidate" rename to "published"%',
        ),
        (
            "after both renames, before COMMIT",
            "select 1 from meta.releases where status = 'current' for no key update",
            "update meta.releases set status = 'archived'%",
        ),
    ],
)
def test_a_publisher_killed_in_the_middle_of_the_swap_leaves_the_release_intact(
    release_copy, moment, hold, waiting_query
):
    from publication.swap import publish

    # Given a candidate that passed the real gate and differs from the current release
    prepare_variant("Almaty (crash test)")
    with psycopg.connect(release_copy, autocommit=True) as conn, psycopg.connect(release_copy) as holder:
        release = release_state(conn)
        candidate_tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'candidate'"
        ).fetchone()[0]
        # And the test holding the swap at the moment
        holder.execute(hold)
        proc = start(PUBLISH)
        wait_for(
            lambda: backend(conn, "edu-wh publish", waiting_query, waiting=True),
            timeout=120,
            poll=0.01,
            what=f"the swap to wait {moment}",
        )
        # When the publisher is killed there
        kill(proc)
        wait_for(lambda: gone(conn, "edu-wh publish"), timeout=30, what="the server to end the dead session")
        holder.rollback()
        # Then published is the previous release, whole and readable; no archive was made, the
        # candidate is still there to publish, and no release was recorded
        assert_release_answers(conn, release)
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
        assert f"archive_r{release[0]}" not in schemas
        assert (
            conn.execute("select count(*) from information_schema.tables where table_schema = 'candidate'").fetchone()[
                0
            ]
            == candidate_tables
        )
        assert conn.execute("select count(*) from meta.releases").fetchone()[0] == 1
        # And the next publish completes
        result = publish(run_id="test__after_the_crash")
        assert result.status == "published" and result.previous_release_id == release[0]
        assert conn.execute("select name_en from published.territories where kato_code = '750000000'").fetchone() == (
            "Almaty (crash test)",
        )
        assert published_hashes(conn) == release_state(conn)[2]
    record_figures("crash", f"publisher SIGKILL {moment}", injected=1, survived=1, lost=0)
