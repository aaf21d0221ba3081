"""The database restarting in the middle of a run: a load and a dbt build fail with a clear error and
succeed when the task is retried (what Airflow's retries do).

These tests stop and start a *second* embedded PostgreSQL (its own ``EDU_WH_HOME`` and port, started
for each test with ``edu_wh.warehouse.start_embedded``), never the session's server that the other
tests use.
Components reach it by ``EDU_WH_DATABASE_URL``, as Airflow workers reach a server, so nothing
restarts it behind the test's back. Long: run by ``make reliability``.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import _free_port
from tests.reliability.helpers import (
    current_release,
    load_all_inputs,
    published_hashes,
    record_figures,
    stage_all_inputs,
    transform_gate_publish,
    wait_for,
)
from tests.reliability.helpers import start_script as start

pytestmark = pytest.mark.reliability_long

ROWS = 300_000


@pytest.fixture
def second_server(tmp_path_factory, pg_server):
    """A second embedded server of the test's own: (settings, URL of its edu_wh database).

    One per test, so a test that leaves its server stopped or half-loaded cannot decide the next one."""
    from edu_wh.bootstrap import bootstrap
    from edu_wh.config import settings
    from edu_wh.warehouse import start_embedded, stop_embedded
    from ingest.registry import all_sources

    home = tmp_path_factory.mktemp("second_server")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDU_WH_HOME", str(home))
        mp.setenv("EDU_WH_PG_PORT", str(_free_port()))
        mp.delenv("EDU_WH_DATABASE_URL", raising=False)
        cfg = settings()
    assert cfg.pg_port != pg_server.pg_port and cfg.pgdata != pg_server.pgdata
    start_embedded(cfg)
    url = cfg.url
    with psycopg.connect(url) as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    try:
        yield cfg, url
    finally:
        stop_embedded(cfg)


@pytest.fixture
def on_second_server(second_server, monkeypatch, tmp_path):
    cfg, url = second_server
    monkeypatch.setenv("EDU_WH_DATABASE_URL", url)
    monkeypatch.setenv("EDU_WH_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("EDU_WH_RELEASES_DIR", str(tmp_path / "releases"))
    monkeypatch.setenv("EDU_WH_DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    return cfg, url


def restart(cfg) -> None:
    from edu_wh.warehouse import start_embedded, stop_embedded

    assert stop_embedded(cfg)
    assert start_embedded(cfg)


LOAD_TASK = (
    "import sys, json; from orchestration.tasks import load_landing; from pathlib import Path; "
    "print(json.dumps(load_landing('nedb', paths=[Path(sys.argv[1])]).as_dict()))"
)


def test_a_restart_during_a_load_fails_the_task_clearly_and_the_retry_loads_everything(on_second_server, tmp_path):
    from ingest.nedb import write_bulk_file
    from orchestration.tasks import load_landing

    cfg, url = on_second_server
    path = write_bulk_file(tmp_path / "nedb_restart_2023-24.csv", ROWS)
    # Given the load task COPYing a large extract
    proc = start(LOAD_TASK, str(path))
    with psycopg.connect(url, autocommit=True) as conn:
        wait_for(
            lambda: conn.execute("select 1 from pg_stat_progress_copy where tuples_processed > 50000").fetchone(),
            timeout=120,
            poll=0.01,
            what="the COPY to pass 50,000 rows",
        )
    # When the database is stopped and started again
    restart(cfg)
    _, stderr = proc.communicate(timeout=120)
    # Then the task failed, saying the server ended its connection
    assert proc.returncode != 0
    # the error ends the output (libpq's message may run over a few lines)
    last = "\n".join(stderr.strip().splitlines()[-4:])
    assert "psycopg.OperationalError" in last or "AdminShutdown" in last, stderr[-2000:]
    assert "terminating connection due to administrator command" in stderr or "server closed the connection" in stderr
    with psycopg.connect(url) as conn:
        killed = conn.execute(
            "select batch_id, status from meta.load_batches where source_file = %s", (path.name,)
        ).fetchone()
        assert killed[1] == "loading"
        assert conn.execute("select count(*) from raw.nedb_school_years").fetchone()[0] == 0
    # When the task is retried, Then it marks the dead batch abandoned and loads every row once
    summary = load_landing("nedb", paths=[path])
    assert summary.loaded[0]["rows"] == ROWS
    with psycopg.connect(url) as conn:
        assert conn.execute("select status from meta.load_batches where batch_id = %s", (killed[0],)).fetchone() == (
            "abandoned",
        )
        rows, distinct = conn.execute("select count(*), count(distinct bin) from raw.nedb_school_years").fetchone()
    assert rows == distinct == ROWS
    record_figures("restart", "database restart during a load", injected=1, survived=1, lost=ROWS - rows)


BUILD_TASK = "from orchestration.tasks import dbt_command, drop_candidate; drop_candidate(); dbt_command(['build'])"


def test_a_restart_during_the_dbt_build_fails_it_clearly_and_the_retry_publishes(on_second_server):
    cfg, url = on_second_server
    # Given every input loaded on the second server
    load_all_inputs(stage_all_inputs())
    # And the dbt build running, some models built already
    proc = start(BUILD_TASK)
    with psycopg.connect(url, autocommit=True) as conn:
        wait_for(
            lambda: conn.execute(
                "select count(*) >= 10 from information_schema.tables where table_schema in ('staging', 'intermediate')"
            ).fetchone()[0],
            timeout=300,
            poll=0.1,
            what="dbt to build ten models",
        )
    # When the database restarts
    restart(cfg)
    _, stderr = proc.communicate(timeout=600)
    # Then the build fails with dbt's own reason, as a readable error
    assert proc.returncode != 0
    assert "edu_wh.errors.UserError: dbt build failed" in stderr, stderr[-3000:]
    # When the chain is retried (reset_candidate, dbt, gate, publish), Then it publishes a release
    result = transform_gate_publish("test__after_restart")
    assert result["status"] == "published"
    with psycopg.connect(url) as conn:
        release = current_release(conn)
        assert published_hashes(conn) == release[2]
    record_figures("restart", "database restart during the dbt build", injected=1, survived=1, lost=0)
