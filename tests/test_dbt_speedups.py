"""The dbt stand-ins (edu_wh/dbt_speedups.py) still apply to the locked dbt and give the originals'
answers: the behaviour flags' source (in a fresh interpreter, so the original is really the original),
connections kept between nodes (a real build on the real warehouse), log lines formatted only when kept."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from edu_wh import dbt_speedups
from tests.conftest import REPO

PROBE = r"""
import inspect, json, sys
from dbt_common.behavior_flags import BehaviorFlagRendered
original = BehaviorFlagRendered.__dict__["_default_source"].__func__
source = inspect.getsource(original)

# a caller module in a real file, as an adapter's impl module (dbt.adapters.<x>.impl) is
sys.path.insert(0, sys.argv[1])
import fake_adapter_impl as caller

before = caller.ask(BehaviorFlagRendered)
from edu_wh import dbt_speedups
applied = dbt_speedups.apply()
after = caller.ask(BehaviorFlagRendered)
print(json.dumps({"applied": applied, "replaced": BehaviorFlagRendered._default_source is dbt_speedups._default_source,
                  "uses_stack": "inspect.stack()" in source, "before": before, "after": after,
                  "again": dbt_speedups.apply()}))
"""


def test_the_stand_in_still_applies_and_answers_as_dbt_common_does(tmp_path):
    (tmp_path / "fake_adapter_impl.py").write_text("def ask(cls):\n    return cls._default_source()\n")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # the locked dbt-common still has the slow internal the stand-in replaces (else drop the stand-in)
    assert probe["uses_stack"], "dbt-common no longer calls inspect.stack(): edu_wh/dbt_speedups.py may go"
    assert probe["applied"] and probe["replaced"] and probe["again"]
    # and both name the first calling module that is not dbt_common.behavior_flags
    assert probe["before"] == probe["after"] == "fake_adapter_impl"


def test_a_build_keeps_each_threads_connection_and_builds_as_the_configured_role(warehouse, tmp_path):
    """The connection stand-in on the real warehouse: the seeds and their own tests (118 nodes on 4
    threads) open a handful of connections, not one per node, and everything is built and read as
    the transformer role (``set role``), not as the login user, also after a test's rollback."""
    import psycopg

    from edu_wh.config import settings
    from edu_wh.dbt_runner import dbt_command

    assert dbt_speedups.apply() and all(dbt_speedups.applied.values()), dbt_speedups.applied
    finished = {}

    def node_finished(msg) -> None:
        if msg.info.name == "NodeFinished":
            finished[msg.data.node_info.unique_id] = msg.data.run_result.status

    # --indirect-selection cautious: only the tests whose every parent is a seed
    dbt_command(
        ["build", "--select", "resource_type:seed", "--indirect-selection", "cautious"],
        # dbt.log at debug, of this build only; no artifacts in the target other tests share
        env={"DBT_LOG_PATH": str(tmp_path), "DBT_LOG_LEVEL_FILE": "debug", "DBT_WRITE_JSON": "false"},
        callbacks=[node_finished],
    )
    results = list(finished)
    kinds = [unique_id.split(".")[0] for unique_id in results]
    assert kinds.count("seed") == 18 and kinds.count("test") > 50
    assert set(finished.values()) <= {"success", "pass"}
    opened = (tmp_path / "dbt.log").read_text().count("Opening a new connection")
    # each of 4 threads, the cache's schema listings and the hook's connection; dbt alone: one per node
    assert 0 < opened <= 15 < len(results), opened
    role = settings().dbt_env()["EDU_WH_DBT_ROLE"]
    with psycopg.connect(warehouse) as conn:
        owners = dict(
            conn.execute(
                "select tableowner, count(*) from pg_tables where schemaname = 'reference' group by 1"
            ).fetchall()
        )
    assert owners == {role: 18}


def test_lines_below_a_loggers_level_are_not_formatted_and_the_kept_ones_are_unchanged():
    """dbt's stdout/file loggers with the log-level stand-in write exactly what dbt writes without it."""
    import io

    from dbt.adapters.events.types import SQLQuery
    from dbt.events.types import LogModelResult, MainReportVersion
    from dbt_common.events.base_types import EventLevel, msg_from_base_event
    from dbt_common.events.logger import LineFormat, LoggerConfig, _TextLogger

    assert dbt_speedups.apply()
    stand_in = _TextLogger.write_line
    original = stand_in.original
    events = [
        msg_from_base_event(MainReportVersion(version="1.11", log_version=3)),
        msg_from_base_event(SQLQuery(conn_name="model.x", sql="select 1", node_info={})),
        msg_from_base_event(
            LogModelResult(
                description="sql table model marts.x", status="SELECT 3", index=1, total=2, execution_time=0.1
            ),
            level=EventLevel.INFO,  # a dynamic-level event: dbt fires a result at info (print_result_line)
        ),
    ]
    for level in (EventLevel.DEBUG, EventLevel.INFO, EventLevel.ERROR):
        written = []
        for write_line in (original, stand_in):
            stream = io.StringIO()
            logger = _TextLogger(
                LoggerConfig(name=f"probe_{level}", level=level, line_format=LineFormat.PlainText, output_stream=stream)
            )
            for msg in events:
                write_line(logger, msg)
            written.append([line[line.index(" ") :] for line in stream.getvalue().splitlines()])  # no timestamp
        assert written[0] == written[1], level
        assert len(written[1]) == {EventLevel.DEBUG: 3, EventLevel.INFO: 2, EventLevel.ERROR: 0}[level]


def test_a_released_connection_is_kept_only_when_its_session_is_clean(warehouse):
    """The stand-in's ``release`` on real PostgreSQL sessions: a node that left a transaction open, or a
    session aborted by a statement dbt did not count as a transaction, is rolled back and kept, usable;
    a connection whose session is gone is closed, as dbt closes every one."""
    import threading

    import psycopg2
    from dbt.adapters.contracts.connection import Connection, ConnectionState, Identifier
    from dbt.adapters.postgres.connections import PostgresConnectionManager, PostgresCredentials

    assert dbt_speedups.apply()
    manager = PostgresConnectionManager.__new__(PostgresConnectionManager)  # the connection pool of one adapter
    manager.lock, manager.thread_connections = threading.RLock(), {}
    credentials = PostgresCredentials(
        database="edu_wh", schema="marts", host="127.0.0.1", user="postgres", port=1, password=""
    )

    def released(handle, *, counted_open: bool) -> Connection:
        conn = Connection(
            type=Identifier("postgres"),
            name="model.edu_wh.x",
            state=ConnectionState.OPEN,
            transaction_open=counted_open,
            handle=handle,
            credentials=credentials,
        )
        manager.thread_connections[manager.get_thread_identifier()] = conn  # this thread's, as dbt keeps it
        manager.release()
        return conn

    handle = psycopg2.connect(warehouse.replace("postgresql+psycopg", "postgresql"))
    handle.cursor().execute("create temporary table t (x int)")  # a node's open transaction
    conn = released(handle, counted_open=True)
    assert conn.state == ConnectionState.OPEN and not conn.transaction_open and handle.closed == 0
    with pytest.raises(psycopg2.errors.DivisionByZero):
        handle.cursor().execute("select 1 / 0")  # aborted, and dbt never counted a transaction
    conn = released(handle, counted_open=False)
    assert conn.state == ConnectionState.OPEN and handle.closed == 0
    cursor = handle.cursor()
    cursor.execute("select to_regclass('pg_temp.t') is null")  # usable, and the first transaction rolled back
    assert cursor.fetchone() == (True,)
    handle.close()  # the session is gone: closed, as dbt does
    assert released(handle, counted_open=False).state == ConnectionState.CLOSED
