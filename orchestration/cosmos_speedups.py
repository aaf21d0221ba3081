"""Fewer XCom writes from the Cosmos watcher producer, applied when the producer starts.

Cosmos 1.15's producer (``DbtProducerWatcherOperator``) pushes an XCom ``<unique_id>_dbt_event``
for every node-progress event dbt emits (``NodeStart``, ``NodeCompiling``, ``NodeExecuting``,
``NodeFinished``) of every node, tests included, each under one process-wide lock
(``cosmos.operators._watcher.state.safe_xcom_push``). For this project's build (about 600 nodes)
that is about 2,400 writes through the Execution API, serialised across dbt's threads: measured with
py-spy, 27 s of a 58 s producer under ``dag.test()``, where the same ``dbt build`` alone takes 26 s.

Nothing reads most of them. A node's result task (``orchestration.dbt_results``) starts after the
build ended and reads the node's status and its tests' aggregated status; dbt's message of a node
(its event key) only when the node or one of its tests failed. So the stand-in forwards to Cosmos's
own function only the last event of a node that failed (``NodeFinished`` and the error events; a
node's earlier events are overwritten by later ones anyway). The node statuses and the tests'
aggregation are pushed by Cosmos exactly as before (they are not handled here).

It also stops the compiled SQL of each model from being looked for and pushed
(``store_compiled_sql_for_model``): only Cosmos's own sensors show it, and it is never there (Cosmos
looks under ``<project copy>/target``, and this project's dbt writes to ``DBT_TARGET_PATH``), so each
model only left a warning in the producer's log. Each release's dbt docs hold every compiled model.

And it holds those writes until the build is over: Cosmos pushes each one from dbt's threads as a
node ends, through the Execution API, one at a time under a process-wide lock, so dbt's threads
waited on each other's API calls. The writes are kept in memory (latest value per key) and pushed,
in order, when the producer records that it finished (its ``task_status`` XCom, written after the
build whether it passed or failed); the result tasks read them only after that.

And it hands Cosmos's event callback only the events its parser can use. dbt calls the callback with
every event it fires, debug ones included (each SQL statement, connection, cache action: thousands
per build), and Cosmos converts each to JSON and parses it before finding nothing to do; at debug
level its message would not reach the task log either. The stand-in drops debug events before the
callback unless Cosmos's parser reads them (the node-progress and error events, the startup
versions, the upstream-failure skips); every event at info level or above still goes through.

And one repair that is not about speed: after the build, Cosmos hands the task's environment to
OpenLineage's artifact processor by writing it into ``os.environ`` and never takes it back
(``AbstractDbtLocalBase.calculate_openlineage_events_completes``). A task process ends there, but under
``dag.test()`` (``make demo``, the tests) the release build's settings stayed for every later dbt run
of the process: ``DBT_WRITE_JSON=false`` left the export's ``dbt docs generate`` and any manifest
build without their JSON. The stand-in puts the environment back as it was once the processor is done.

``tests/test_cosmos_speedups.py`` checks that it still applies to the locked Cosmos and that every
key a result task reads ends with the same value as with the original.
"""

from __future__ import annotations

import os
import threading
from typing import Any

#: node-progress events a later event of the same node always overwrites
SUPERSEDED_EVENTS = frozenset({"NodeStart", "NodeCompiling", "NodeExecuting"})

_applied = False
#: the writes held until the producer finishes: task instance → key → value
_held: dict[Any, dict[str, Any]] = {}
_held_lock = threading.Lock()
#: the producer's last XCom, written when its build ended, passed or failed (Cosmos's watcher.py)
FINISHED_KEY = "task_status"


def _holder(task_instance: Any) -> Any:
    return getattr(task_instance, "id", None) or id(task_instance)


def read_by_a_result_task(dbt_log: dict[str, Any]) -> bool:
    """Whether a result task can ever read what the producer would push for this dbt log event."""
    from cosmos.operators._watcher.state import is_dbt_node_status_failed  # models: error; tests: fail, error

    name = (dbt_log.get("info") or {}).get("name")
    node_info = (dbt_log.get("data") or {}).get("node_info") or {}
    return name not in SUPERSEDED_EVENTS and is_dbt_node_status_failed(node_info.get("node_status"))


def needed_debug_events() -> frozenset[str]:
    """The debug-level dbt events Cosmos's log parser (``store_dbt_resource_status_from_log``) uses."""
    from cosmos.operators._watcher import base, state

    return frozenset(
        base._DBT_EVENT_ALLOWLIST
        | state.DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES
        | {"MainReportVersion", "AdapterRegistered"}  # _store_startup_event_from_log
    )


def only_parsed_events(callback: Any, needed: frozenset[str]) -> Any:
    """``callback``, called only with the events Cosmos's parser can use (see the module's doc)."""

    def filtered(msg: Any) -> None:
        info = msg.info
        if info.level != "debug" or info.name in needed:
            callback(msg)

    filtered.original = callback
    return filtered


def apply() -> bool:
    """Idempotent; a no-op (Cosmos simply stays slower) if Cosmos's internals moved. True when the
    stand-in is in place."""
    global _applied
    if _applied:
        return True
    try:
        from cosmos.dbt import runner
        from cosmos.operators import local, watcher
        from cosmos.operators._watcher import aggregation, base, state
    except ImportError:
        return False
    original = getattr(base, "_process_dbt_log_event", None)
    events = getattr(base, "_DBT_NODE_STATUS_EVENT_TYPES", None)
    if (
        original is None
        or events != SUPERSEDED_EVENTS | {"NodeFinished"}
        or not callable(getattr(base, "store_compiled_sql_for_model", None))
        or not all(callable(getattr(m, "safe_xcom_push", None)) for m in (base, aggregation, watcher))
        or not callable(getattr(runner, "get_runner", None))
        or not hasattr(base, "_DBT_EVENT_ALLOWLIST")
        or not hasattr(state, "DBT_UPSTREAM_FAILURE_SKIP_EVENT_NAMES")
        or not callable(getattr(local.AbstractDbtLocalBase, "calculate_openlineage_events_completes", None))
    ):
        return False
    push = watcher.safe_xcom_push

    def _process_dbt_log_event(task_instance: Any, dbt_log: dict[str, Any]) -> None:
        if read_by_a_result_task(dbt_log):
            original(task_instance, dbt_log)

    def store_compiled_sql_for_model(*args: Any, **kwargs: Any) -> None:
        return None

    def hold(task_instance: Any, key: str, value: Any) -> None:
        """dbt's threads: keep the write (no API call while dbt runs)."""
        with _held_lock:
            _held.setdefault(_holder(task_instance), {})[key] = value

    def push_when_finished(task_instance: Any, key: str, value: Any) -> None:
        """The producer's own writes: before it records that it finished, push what was held."""
        if key == FINISHED_KEY:
            with _held_lock:
                held = _held.pop(_holder(task_instance), {})
            for held_key, held_value in held.items():
                push(task_instance=task_instance, key=held_key, value=held_value)
        push(task_instance=task_instance, key=key, value=value)

    lineage = local.AbstractDbtLocalBase.calculate_openlineage_events_completes

    def calculate_openlineage_events_completes(self: Any, *args: Any, **kwargs: Any) -> Any:
        saved = dict(os.environ)
        try:
            return lineage(self, *args, **kwargs)
        finally:
            for key in set(os.environ) - set(saved):
                del os.environ[key]
            os.environ.update(saved)

    calculate_openlineage_events_completes.original = lineage
    local.AbstractDbtLocalBase.calculate_openlineage_events_completes = calculate_openlineage_events_completes
    get_runner = runner.get_runner
    needed = needed_debug_events()

    def get_runner_with_parsed_events(callbacks: list | None = None) -> Any:
        if callbacks and isinstance(callbacks, list):
            callbacks = [only_parsed_events(callback, needed) for callback in callbacks]
        return get_runner(callbacks=callbacks)

    get_runner_with_parsed_events.original = get_runner
    runner.get_runner = get_runner_with_parsed_events
    _process_dbt_log_event.original = original
    store_compiled_sql_for_model.original = base.store_compiled_sql_for_model
    hold.original = push_when_finished.original = push
    base._process_dbt_log_event = _process_dbt_log_event
    base.store_compiled_sql_for_model = store_compiled_sql_for_model
    base.safe_xcom_push = aggregation.safe_xcom_push = hold
    watcher.safe_xcom_push = push_when_finished
    _applied = True
    return True
