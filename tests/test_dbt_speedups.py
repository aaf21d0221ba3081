"""The dbt stand-ins (edu_wh/dbt_speedups.py) still apply to the locked dbt and give the originals'
answers: the behaviour flags' source (in a fresh interpreter, so the original is really the original),
connections kept between nodes (a real build on the real warehouse), log lines formatted only when kept,
events and their messages built without ``ParseDict``, reused type testers, the graph summary and the
collector's settings during an invocation (a real build, every event rebuilt by both and compared)."""

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


def test_a_build_fires_the_events_the_originals_would_build(seeded, monkeypatch):
    """Every event of a real build (a table from the seeds and its tests), built again by the stand-ins
    and by the originals from the same arguments: the same messages and the same wrapped messages (all
    but the time); the graph summary the same; the collector tuned during the invocation only."""
    import copy
    import gc

    from dbt.compilation import Linker
    from dbt_common.events import base_types

    from edu_wh.dbt_runner import dbt_command

    assert dbt_speedups.apply() and all(dbt_speedups.applied.values()), dbt_speedups.applied
    init, wrap = base_types.BaseEvent.__init__, base_types.msg_from_base_event
    summary = Linker.get_graph_summary
    recorded, summaries, thresholds, finished = [], [], [], {}

    def recording_init(self, *args, **kwargs):
        try:
            kept = copy.deepcopy(kwargs)
        except Exception:  # noqa: BLE001 - an argument that cannot be copied: compare what can be
            kept = None
        if kept is not None:
            recorded.append((type(self), args, kept))
        init(self, *args, **kwargs)

    def comparing_summary(self, manifest):
        ours = summary(self, manifest)
        summaries.append(ours == summary.original(self, manifest))
        return ours

    def callback(msg) -> None:
        thresholds.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        if msg.info.name == "NodeFinished":
            finished[msg.data.node_info.unique_id] = msg.data.run_result.status

    monkeypatch.setattr(base_types.BaseEvent, "__init__", recording_init)
    monkeypatch.setattr(Linker, "get_graph_summary", comparing_summary)
    before = (gc.get_threshold(), gc.get_freeze_count())
    dbt_command(
        ["build", "--select", "dim_indicator", "--indirect-selection", "cautious"],
        env={"DBT_WRITE_JSON": "false"},
        callbacks=[callback],
    )
    assert gc.get_threshold() == before[0]
    # unfrozen again; or, where the session froze objects itself (Airflow's DAG processor does), left frozen
    # (some may have been freed by their reference counts meanwhile)
    assert gc.get_freeze_count() == 0 if before[1] == 0 else before[1] - 1000 < gc.get_freeze_count() <= before[1]
    assert set(thresholds) == {(dbt_speedups.INVOCATION_GC_THRESHOLD, True)}
    monkeypatch.undo()

    assert finished and set(finished.values()) == {"success", "pass"}, finished
    assert [unique_id.split(".")[0] for unique_id in finished].count("test") >= 2
    assert summaries == [True, True]  # dbt build: the graph, then the graph with the test edges
    direct = fallback = 0
    for cls, args, kwargs in recorded:
        ours, theirs = cls.__new__(cls), cls.__new__(cls)
        init(ours, *args, **copy.deepcopy(kwargs))
        init.original(theirs, *args, **copy.deepcopy(kwargs))
        assert ours.pb_msg == theirs.pb_msg, (cls.__name__, kwargs)
        try:
            getattr(cls.PROTO_TYPES_MODULE, cls.__name__)(**kwargs)
            direct += 1
        except Exception:  # noqa: BLE001 - the stand-in handed this one to the original
            fallback += 1
        for level in (None, base_types.EventLevel.INFO):
            wrapped, original = wrap(ours, level=level), wrap.original(theirs, level=level)
            assert abs(wrapped.info.ts.ToDatetime() - original.info.ts.ToDatetime()).total_seconds() < 5
            wrapped.info.ClearField("ts")
            original.info.ClearField("ts")
            assert wrapped == original, cls.__name__
    assert len(recorded) > 100 and direct > 4 * fallback, (len(recorded), direct, fallback)


def test_reused_type_testers_read_results_as_new_ones_do():
    """Query results read into agate tables with the cached testers get the types and values that new
    testers give, text-only columns included; the empty table is the one agate builds."""
    from datetime import date, datetime
    from decimal import Decimal

    from dbt_common.clients import agate_helper

    assert dbt_speedups.apply()
    rows = [
        [1, Decimal("2.5"), date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), True, "005", "", None],
        [None, None, None, None, None, "null", "x", "7"],
    ]
    names = ["i", "n", "d", "ts", "b", "code", "blank", "mixed"]
    cached, original = agate_helper.build_type_tester, agate_helper.build_type_tester.original

    def read(build, text_only):
        table = agate_helper.agate.Table(rows, names, column_types=build(text_only, string_null_values=()))
        return [type(t).__name__ for t in table.column_types], [list(r.values()) for r in table.rows]

    for text_only in ((), {"code", "blank"}, {"code", "blank", "mixed"}):
        assert read(cached, text_only) == read(original, text_only), text_only
        assert cached(text_only, string_null_values=()) is cached(set(text_only), string_null_values=())
    ours, theirs = agate_helper.empty_table(), agate_helper.empty_table.original()
    assert ours is agate_helper.empty_table() and ours.column_names == theirs.column_names and len(ours.rows) == 0


GC_PROBE = r"""
import gc, json
from edu_wh import dbt_speedups

invoke = dbt_speedups._invoke_with_gc_tuned(lambda runner: (gc.get_freeze_count(), gc.get_threshold()[0]))
out = {"threshold": gc.get_threshold(), "start": gc.get_freeze_count()}
out["inside"], out["tuned"] = invoke(None)
out["after"], out["threshold_after"] = gc.get_freeze_count(), gc.get_threshold()
gc.freeze()  # as Airflow's LocalExecutor does before forking its workers
out["frozen"] = gc.get_freeze_count()
unfrozen = [[] for _ in range(1000)]  # what a second freeze would add
out["frozen_inside"], out["frozen_tuned"] = invoke(None)
out["frozen_after"], out["frozen_threshold_after"] = gc.get_freeze_count(), gc.get_threshold()
print(json.dumps(out))
"""


def test_an_invocation_leaves_objects_the_process_froze_itself_frozen():
    """Airflow's LocalExecutor forks its workers with the parent's objects frozen (copy-on-write), and
    its DAG processor freezes them for good: an invocation there neither freezes more nor unfreezes
    them; in a process that froze nothing it freezes and unfreezes (a fresh interpreter: the test
    session's own Airflow may have frozen objects)."""
    result = subprocess.run([sys.executable, "-c", GC_PROBE], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    tuned = dbt_speedups.INVOCATION_GC_THRESHOLD
    assert probe["start"] == 0 and probe["inside"] > 0 and probe["tuned"] == tuned
    assert (probe["after"], probe["threshold_after"]) == (0, probe["threshold"])
    # frozen objects may still be freed by their reference counts, but none are added or thawed
    assert probe["frozen"] - 100 < probe["frozen_inside"] <= probe["frozen"] and probe["frozen_tuned"] == tuned
    assert probe["frozen"] - 100 < probe["frozen_after"] <= probe["frozen"]
    assert probe["frozen_threshold_after"] == probe["threshold"]
