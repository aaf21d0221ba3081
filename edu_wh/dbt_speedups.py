"""Cheaper stand-ins for three slow dbt internals, applied before dbt runs in-process.

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

``tests/test_dbt_speedups.py`` checks each against the locked dbt, on the real warehouse.
"""

from __future__ import annotations

import sys


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
    if cls is None or not hasattr(dbt_logger, "_is_print_event") or "write_line" not in cls.__dict__:
        return False
    cls.write_line = _write_line_if_kept(cls.write_line)
    return True


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
    )
    for name, stand_in in stand_ins:
        if not applied.get(name):
            applied[name] = stand_in()
    return all(applied.values())
