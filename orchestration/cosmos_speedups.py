"""Fewer XCom writes from the Cosmos watcher producer, applied when the producer starts.

Cosmos 1.15's producer (``DbtProducerWatcherOperator``) pushes an XCom ``<unique_id>_dbt_event``
for every node-progress event dbt emits (``NodeStart``, ``NodeCompiling``, ``NodeExecuting``,
``NodeFinished``) of every node, tests included, each under one process-wide lock
(``cosmos.operators._watcher.state.safe_xcom_push``). For this project's build (about 600 nodes)
that is about 2,400 writes through the Execution API, serialised across dbt's threads: measured with
py-spy, 27 s of a 58 s producer under ``dag.test()``, where the same ``dbt build`` alone takes 26 s.

Nothing reads most of them. The node's result tasks (``orchestration.dbt_results``) start after the
build ended and read a node's keys once:

* the key holds one value per node and each event overwrites the previous one, so only the last
  event of a node is ever read, and dbt's last node-progress event is ``NodeFinished``;
* a test reaches its model's task through the aggregated ``<model>_tests_status`` key; its own event
  is read only when it failed (the model's task then names the failing test and dbt's message).

So the stand-in forwards to Cosmos's own function only ``NodeFinished`` and the error events of
models, seeds and snapshots, and of the tests that failed. The node statuses, the tests' aggregation
and the compiled SQL are pushed by Cosmos exactly as before (they are not handled here).
``tests/test_cosmos_speedups.py`` checks that it still applies to the locked Cosmos and that every
key a result task reads ends with the same value as with the original.
"""

from __future__ import annotations

from typing import Any

#: node-progress events a later event of the same node always overwrites
SUPERSEDED_EVENTS = frozenset({"NodeStart", "NodeCompiling", "NodeExecuting"})
#: nodes whose event key is read only when they failed (their results reach the model's task through
#: the aggregated tests key)
TEST_RESOURCE_TYPES = frozenset({"test", "unit_test"})
FAILED_STATUSES = frozenset({"fail", "error", "failed", "runtime error"})

_applied = False


def read_by_a_result_task(dbt_log: dict[str, Any]) -> bool:
    """Whether a result task can ever read what the producer would push for this dbt log event."""
    name = (dbt_log.get("info") or {}).get("name")
    node_info = (dbt_log.get("data") or {}).get("node_info") or {}
    if name in SUPERSEDED_EVENTS:
        return False
    return node_info.get("resource_type") not in TEST_RESOURCE_TYPES or node_info.get("node_status") in FAILED_STATUSES


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
        if read_by_a_result_task(dbt_log):
            original(task_instance, dbt_log)

    _process_dbt_log_event.original = original
    base._process_dbt_log_event = _process_dbt_log_event
    _applied = True
    return True
