"""Fewer XCom writes from the Cosmos watcher producer, applied when the producer starts.

Cosmos 1.15's producer (``DbtProducerWatcherOperator``) pushes an XCom ``<unique_id>_dbt_event``
for every node-progress event dbt emits (``NodeStart``, ``NodeCompiling``, ``NodeExecuting``,
``NodeFinished``) of every node, tests included, each under one process-wide lock
(``cosmos.operators._watcher.state.safe_xcom_push``). For this project's build (about 600 nodes)
that is about 2,400 writes through the Execution API, serialised across dbt's threads: measured with
py-spy, 27 s of a 58 s producer under ``dag.test()``, where the same ``dbt build`` alone takes 26 s.

Nothing reads most of them:

* the key holds one value per node, each event overwrites the previous one, and a sensor reads it
  once, when its node is terminal (``DbtConsumerWatcherSensor.poke`` / ``execute_complete``; this
  project's sensors start only after the build ended: ``orchestration.dbt_cosmos.wire_watcher``):
  only the last event of a node is ever read, and dbt's last node-progress event is ``NodeFinished``;
* sensors exist per model and seed; a test's result reaches its model's test sensor through the
  aggregated ``<model>_tests_status`` key, never through the test's own event key.

So the stand-in forwards to Cosmos's own function only the events a sensor can read: ``NodeFinished``
and the error events, of models, seeds and snapshots. The node statuses, the tests' aggregation and
the compiled SQL are pushed by Cosmos exactly as before (they are not handled here).
``tests/test_cosmos_speedups.py`` checks that it still applies to the locked Cosmos and that every
key a sensor reads ends with the same value as with the original.
"""

from __future__ import annotations

from typing import Any

#: node-progress events a later event of the same node always overwrites
SUPERSEDED_EVENTS = frozenset({"NodeStart", "NodeCompiling", "NodeExecuting"})
#: nodes no sensor reads the event key of (their results reach sensors through aggregated keys)
UNREAD_RESOURCE_TYPES = frozenset({"test", "unit_test"})

_applied = False


def read_by_a_sensor(dbt_log: dict[str, Any]) -> bool:
    """Whether a sensor can ever read what the producer would push for this dbt log event."""
    name = (dbt_log.get("info") or {}).get("name")
    node_info = (dbt_log.get("data") or {}).get("node_info") or {}
    return name not in SUPERSEDED_EVENTS and node_info.get("resource_type") not in UNREAD_RESOURCE_TYPES


def apply() -> bool:
    """Idempotent; a no-op (Cosmos simply stays slower) if Cosmos's internals moved. True when the
    stand-in is in place."""
    global _applied
    if _applied:
        return True
    try:
        from cosmos.operators._watcher import base
    except ImportError:
        return False
    original = getattr(base, "_process_dbt_log_event", None)
    events = getattr(base, "_DBT_NODE_STATUS_EVENT_TYPES", None)
    if original is None or events != SUPERSEDED_EVENTS | {"NodeFinished"}:
        return False

    def _process_dbt_log_event(task_instance: Any, dbt_log: dict[str, Any]) -> None:
        if read_by_a_sensor(dbt_log):
            original(task_instance, dbt_log)

    _process_dbt_log_event.original = original
    base._process_dbt_log_event = _process_dbt_log_event
    _applied = True
    return True
