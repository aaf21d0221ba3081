"""Cheaper stand-ins for seven slow dbt internals, applied before dbt runs in-process.

1. Behaviour flags' source module.

``dbt_common.behavior_flags.BehaviorFlagRendered._default_source`` names the module that defined a
behaviour flag by calling ``inspect.stack()``, which builds source context for every frame of the
stack; ``inspect.getmodule`` scans all of ``sys.modules`` for each frame whose file is not a module
(Jinja templates, ``-c`` scripts). In a long-lived process with Airflow, GX and dbt loaded (a
``dag.test()`` run, a Cosmos task, the test suite) that cost seconds per dbt invocation, on every
adapter registration. The replacement returns the same answer, the first calling module other than
``dbt_common.behavior_flags``, by walking ``frame.f_globals['__name__']``: no source reading, no scan.

2. A connection per node. dbt-adapters closes a thread's connection when each node ends
(``BaseConnectionManager.release``) and opens a new one for the next: about 570 PostgreSQL
connections per full build of this project (each a server process, an authentication, and
dbt-postgres's ``set role``), measured with py-spy at ~14 % of dbt's threads' time. The stand-in
keeps a thread's connection open between nodes: it rolls back what the node left open (what
``close`` does first; also a session aborted outside a transaction dbt counted) and the next node
reuses the connection (dbt's own ``ConnectionReused`` path); a connection that is not open, or not
idle after the rollback, is closed as before, and dbt closes them all when the invocation ends
(``cleanup_all``). The reuse spans one invocation only. One catch makes a second change necessary: dbt-postgres runs
``set role <role>`` right after connecting, inside the implicit transaction psycopg2 opens, so the
rollback after a test would drop the role and the next node would build as the login user. The
stand-in commits that first transaction when ``open`` returns, so the role holds for the session.

3. Log lines nobody keeps. dbt formats every event (each SQL statement, connection, cache action)
into a line for each of its loggers (stdout and dbt.log) and only then hands it to Python logging,
which drops it below the logger's level (``_Logger.write_line``): with ``--quiet``, or dbt.log at
``warn``, thousands of lines per build were formatted for nothing. The stand-in asks the Python
logger first and formats only lines it will write; what is written is unchanged.

4. Events built through ``ParseDict``. Every dbt event (each SQL statement, connection, node start and
result: some 20 per node) builds its protobuf message twice with ``google.protobuf.json_format.ParseDict``,
a pure-Python walk over the fields: in ``BaseEvent.__init__``, and again, wrapped with the event's info
(level, time, thread...), in ``msg_from_base_event`` when it is fired. py-spy put the two at ~30 % of the
Python time of dbt's threads in an incremental build, which is Python-bound (one core, the GIL). The
stand-ins hand the same fields to the message classes themselves (upb, in C; the time as a datetime
rather than a text parsed back) and keep the originals for whatever a constructor does not take as it
is (a timestamp given as text, positional arguments, a wrong type): those events are built, or refused,
exactly as before.

5. A type tester per query result. Every query result dbt reads (a test's failure count, a relation's
columns) becomes an agate table, and ``dbt_common.clients.agate_helper.build_type_tester`` builds new
agate types for each one, among them two date-time types that each compile parsedatetime's regular
expressions (~6 % of the threads' Python time); ``empty_table`` (every statement that fetches nothing)
does the same through agate's default tester. The stand-in builds one tester per set of text-only
columns and one empty table, and reuses them: agate testers and tables are not changed once built.

6. The graph summary. Each ``dbt build`` writes ``target/graph_summary.json`` (every node's name, type
and successors, twice: with and without the test edges), and ``Linker.get_graph_summary`` serialises
each whole node (``to_dict``) to read its type: ~0.05 s of every invocation, a fixed cost that weighs
on a small incremental build. The stand-in reads the type from the node; the file is the same.

7. Garbage collection during an invocation. dbt allocates a great many short-lived objects per node
(events, Jinja contexts, a namespace of every macro), so Python's cyclic collector runs its young
generation every 700 allocations and, every hundred of those, a full collection that walks every
object in the process: the loaded manifest, and in an Airflow task or the test suite Airflow and GX
as well. In an incremental build that was ~18 % of dbt's Python time. The stand-in wraps
``dbtRunner.invoke``: the objects that exist when the invocation starts are frozen (``gc.freeze``:
not collected, not walked; unless the process froze objects itself, which then stay as they are) and
the young generation is collected every 20,000 allocations instead of 700; both are undone when the
invocation returns. Cycles are still collected, later.

``tests/test_dbt_speedups.py`` checks each against the locked dbt, on the real warehouse.
"""

from __future__ import annotations

import gc
import sys
import threading


def _wrap(owner, name: str, make) -> bool:
    """Put ``make(original)`` in place of ``owner.<name>`` (a class's own attribute, or a module's) once:
    a stand-in carries its ``original``. False when the attribute is gone."""
    original = owner.__dict__.get(name)
    if original is None:
        return False
    if getattr(original, "original", None) is None:
        setattr(owner, name, make(original))
    return True


def _default_source() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name and name != "dbt_common.behavior_flags":
            return name
        frame = frame.f_back
    return "Unknown"


def _release_keeping_open(self) -> None:
    """``BaseConnectionManager.release``, keeping an open, idle connection for the thread's next node."""
    from dbt.adapters.contracts.connection import ConnectionState
    from psycopg2.extensions import TRANSACTION_STATUS_IDLE

    with self.lock:
        conn = self.get_if_exists()
        if conn is None:
            return
    try:
        handle = conn.handle
        status = getattr(handle, "get_transaction_status", None)  # a psycopg2 connection
        if conn.state == ConnectionState.OPEN and status is not None and getattr(handle, "closed", True) == 0:
            # what dbt counts as open, and what the session says (a failed statement outside dbt's
            # own transaction leaves the session aborted): either way, roll back
            if conn.transaction_open or status() != TRANSACTION_STATUS_IDLE:
                self._rollback_handle(conn)
                conn.transaction_open = False
            if status() == TRANSACTION_STATUS_IDLE:
                return  # clean: the thread's next node reuses it
        self.close(conn)
    except Exception:
        # as the original: a connection whose rollback or close failed is dropped
        self.clear_thread_connection()
        raise


def _open_with_session_role(original):
    from psycopg2.extensions import TRANSACTION_STATUS_INTRANS

    def open(cls, connection):
        if connection.state == "open":
            return original.__func__(cls, connection)
        connection = original.__func__(cls, connection)
        # a new session, on which dbt-postgres ran only ``set role`` (dbt may already count a
        # transaction as open: it sends its BEGIN after the handle resolves); commit the role
        status = getattr(connection.handle, "get_transaction_status", None)
        if status is not None and status() == TRANSACTION_STATUS_INTRANS:
            connection.handle.commit()
        return connection

    return classmethod(open)


#: Python logging's level of each dbt event level (dbt_common.events.logger.send_to_logger)
_PY_LEVELS = {"test": 10, "debug": 10, "info": 20, "warn": 30, "error": 40}


def _write_line_if_kept(original):
    from dbt_common.events.logger import _is_print_event

    def write_line(self, msg) -> None:
        logger = self._python_logger
        if logger is not None:
            level = "error" if _is_print_event(msg) else msg.info.level  # as the original
            if level in _PY_LEVELS and not logger.isEnabledFor(_PY_LEVELS[level]):
                return
        original(self, msg)

    write_line.original = original
    return write_line


def _apply_log_levels() -> bool:
    try:
        from dbt_common.events import logger as dbt_logger
    except ImportError:
        return False
    cls = getattr(dbt_logger, "_Logger", None)
    return cls is not None and hasattr(dbt_logger, "_is_print_event") and _wrap(cls, "write_line", _write_line_if_kept)


def _apply_default_source() -> bool:
    try:
        from dbt_common.behavior_flags import BehaviorFlagRendered
    except ImportError:
        return False
    if not hasattr(BehaviorFlagRendered, "_default_source"):
        return False
    BehaviorFlagRendered._default_source = staticmethod(_default_source)
    return True


def _apply_connection_reuse() -> bool:
    try:
        from dbt.adapters.base.connections import BaseConnectionManager
        from dbt.adapters.postgres.connections import PostgresConnectionManager
    except ImportError:
        return False
    open_ = PostgresConnectionManager.__dict__.get("open")
    needed = ("get_if_exists", "clear_thread_connection", "_rollback_handle", "close", "release")
    if not isinstance(open_, classmethod) or not all(hasattr(BaseConnectionManager, n) for n in needed):
        return False
    PostgresConnectionManager.open = _open_with_session_role(open_)
    BaseConnectionManager.release = _release_keeping_open
    return True


def _event_init_by_message_class(original):
    def __init__(self, *args, **kwargs) -> None:
        msg_cls = getattr(self.PROTO_TYPES_MODULE, type(self).__name__, None)
        if not args and msg_cls is not None:
            fields = dict(kwargs)
            for key in ("base_msg", "msg"):  # as the original: these are sent as text
                if key in fields:
                    fields[key] = str(fields[key])
            try:
                message = msg_cls(**fields)
            except Exception:  # noqa: BLE001 - the original builds it, or reports why it cannot
                pass
            else:
                self.pb_msg = message
                return
        original(self, *args, **kwargs)

    __init__.original = original
    return __init__


def _apply_event_init() -> bool:
    try:
        from dbt_common.events import base_types
        from google.protobuf.json_format import ParseDict
    except ImportError:
        return False
    if getattr(base_types, "ParseDict", None) is not ParseDict:  # the original no longer builds it this way
        return False
    return hasattr(base_types, "BaseEvent") and _wrap(base_types.BaseEvent, "__init__", _event_init_by_message_class)


def _msg_by_message_class(original):
    from datetime import UTC, datetime

    from dbt_common.events import base_types
    from google.protobuf.timestamp_pb2 import Timestamp

    def msg_from_base_event(event, level=None):
        msg_cls = getattr(event.PROTO_TYPES_MODULE, f"{type(event).__name__}Msg", None)
        if msg_cls is None:
            return original(event, level=level)
        msg_level: str = level.value if level else event.level_tag().value
        assert msg_level is not None
        ts = Timestamp()
        ts.FromDatetime(datetime.now(UTC).replace(tzinfo=None))  # the original: this as text, parsed back
        info = {
            "level": msg_level,
            "msg": event.message(),
            "invocation_id": base_types.get_invocation_id(),
            "extra": base_types.get_global_metadata_vars(),
            "ts": ts,
            "pid": base_types.get_pid(),
            "thread": base_types.get_thread_name(),
            "code": event.code(),
            "name": type(event).__name__,
        }
        try:
            message = msg_cls(info=info)
        except Exception:  # noqa: BLE001 - the original builds it, or reports why it cannot
            return original(event, level=level)
        message.data.CopyFrom(event.pb_msg)
        return message

    msg_from_base_event.original = original
    return msg_from_base_event


def _apply_event_messages() -> bool:
    try:
        from dbt_common.events import base_types, event_manager
    except ImportError:
        return False
    original = getattr(base_types, "msg_from_base_event", None)
    fired_with = getattr(event_manager, "msg_from_base_event", None)
    if original is None or fired_with is not original:  # in place already, or the original moved
        return getattr(fired_with, "original", None) is not None
    stand_in = _msg_by_message_class(original)
    base_types.msg_from_base_event = event_manager.msg_from_base_event = stand_in
    return True


def _cached_type_testers(original):
    from functools import lru_cache

    @lru_cache(maxsize=256)
    def cached(text_columns: frozenset, string_null_values):
        return original(text_columns, string_null_values=string_null_values)

    def build_type_tester(text_columns, string_null_values=("null", "")):
        nulls = tuple(string_null_values) if string_null_values is not None else None
        return cached(frozenset(text_columns), nulls)

    build_type_tester.original = original
    return build_type_tester


def _apply_type_testers() -> bool:
    try:
        from dbt_common.clients import agate_helper
    except ImportError:
        return False
    return _wrap(agate_helper, "build_type_tester", _cached_type_testers) and _wrap(
        agate_helper, "empty_table", _one_empty_table
    )


def _one_empty_table(original):
    table = original()

    def empty_table():
        return table

    empty_table.original = original
    return empty_table


def _graph_summary_by_type(original):
    def get_graph_summary(self, manifest):
        graph_nodes = {}
        index_dict = {}
        for node_index, node_name in enumerate(self.graph):
            index_dict[node_name] = node_index
            graph_nodes[node_index] = {"name": node_name, "type": str(manifest.expect(node_name).resource_type.value)}
        for node in graph_nodes.values():
            successors = [index_dict[n] for n in self.graph.successors(node["name"])]
            if successors:
                node["succ"] = successors
        return graph_nodes

    get_graph_summary.original = original
    return get_graph_summary


def _apply_graph_summary() -> bool:
    try:
        from dbt.compilation import Linker
    except ImportError:
        return False
    return _wrap(Linker, "get_graph_summary", _graph_summary_by_type)


#: the young generation's threshold during an invocation (Python's default: 700)
INVOCATION_GC_THRESHOLD = 20_000
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, ...] = ()
_gc_froze = False


def _invoke_with_gc_tuned(original):
    def invoke(self, *args, **kwargs):
        global _gc_depth, _gc_saved, _gc_froze
        with _gc_lock:
            if _gc_depth == 0:
                _gc_saved = gc.get_threshold()
                # a process that froze objects itself (a worker forked by Airflow's LocalExecutor keeps
                # its parent's objects frozen for copy-on-write) keeps them so: no freeze, no unfreeze
                _gc_froze = gc.get_freeze_count() == 0
                if _gc_froze:
                    gc.freeze()
                gc.set_threshold(max(_gc_saved[0], INVOCATION_GC_THRESHOLD), *_gc_saved[1:])
            _gc_depth += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            with _gc_lock:
                _gc_depth -= 1
                if _gc_depth == 0:
                    gc.set_threshold(*_gc_saved)
                    if _gc_froze:
                        gc.unfreeze()

    invoke.original = original
    return invoke


def _apply_invocation_gc() -> bool:
    try:
        from dbt.cli.main import dbtRunner
    except ImportError:
        return False
    return _wrap(dbtRunner, "invoke", _invoke_with_gc_tuned)


#: which stand-ins are in place (after :func:`apply`)
applied: dict[str, bool] = {}


def apply() -> bool:
    """Idempotent; each stand-in is a no-op if the internals it replaces moved (then dbt simply stays
    slower). True when all are in place (``tests/test_dbt_speedups.py`` checks they still apply to
    the locked dbt and answer as the originals do)."""
    stand_ins = (
        ("default_source", _apply_default_source),
        ("connection_reuse", _apply_connection_reuse),
        ("log_levels", _apply_log_levels),
        ("event_init", _apply_event_init),
        ("event_messages", _apply_event_messages),
        ("type_testers", _apply_type_testers),
        ("graph_summary", _apply_graph_summary),
        ("invocation_gc", _apply_invocation_gc),
    )
    for name, stand_in in stand_ins:
        if not applied.get(name):
            applied[name] = stand_in()
    return all(applied.values())
