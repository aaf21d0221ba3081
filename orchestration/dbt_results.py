"""One Airflow task per dbt model and seed of a release build: "built, and its tests passed".

The release chain runs dbt as ONE ``dbt build`` with threads (the Cosmos watcher producer); the
tasks here show, per model and seed, what that build did with it. Each reads the producer's results
(Cosmos's XCom keys ``<node>_status`` and ``<node>_tests_status``) and ends:

* **success**: the node was built and every test on it passed (or it has none);
* **failed**: the node failed, or it was built and one of its tests failed: the failure stays with
  the node that failed (dbt's message is in the producer's log and in the gate report);
* **skipped**: not built by this build: carried over from the current release, or below a node
  that failed (the task's log names that node: "not built because ... failed").

Under the scheduler a task here never occupies a worker: it starts in the triggerer
(``start_from_trigger``) and ends there (``TaskSuccessEvent`` / ``TaskFailedEvent`` /
``TaskSkippedEvent``): no task process per model (about 2 s of CPU each, 188 of them per full
build before). Under ``dag.test()`` (``make demo``) the same judgement runs in ``execute``.

The tasks start only after the build is over (``dbt_build_finished``), all at once: the lineage
between them is not a chain of Airflow dependencies (that would be one scheduler round per level of
the dbt graph, 12 levels); each task's documentation names its parents, and dbt docs, published
with every release, draw the lineage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, StartTriggerArgs, TaskFailedEvent, TaskSkippedEvent, TaskSuccessEvent

#: how long a result task may wait for the build to report (it starts after the build is over, so
#: its first reading normally decides)
RESULT_TIMEOUT = timedelta(minutes=30)
POLL_SECONDS = 2.0
#: dbt resource types that get a result task (tests are judged with the node they test)
RESULT_RESOURCE_TYPES = ("model", "seed", "snapshot")


@dataclass(frozen=True)
class NodeResult:
    """``state``: ``success``, ``failed``, ``skipped``, or None while the build has not reported."""

    state: str | None
    message: str


def _name(unique_id: str) -> str:
    """``model.edu_wh.stg_x`` → ``stg_x``; ``test.edu_wh.unique_stg_x_id.8f3c`` → ``unique_stg_x_id``."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def judge(
    unique_id: str,
    *,
    tests: list[str],
    parents: list[str],
    read: Callable[[str], Any],
    producer_state: Callable[[], str | None],
    producer_task_id: str,
) -> NodeResult:
    """What the build did with one node. ``tests``: the dbt tests on it; ``read(key)``: an XCom of the
    producer; ``producer_state()``: the producer task's state. Reads the parents, and dbt's messages,
    only when the node failed or was not built."""
    from cosmos.operators._watcher.aggregation import get_tests_status_xcom_key
    from cosmos.operators._watcher.state import (
        get_dbt_event_xcom_key,
        get_status_xcom_key,
        is_dbt_node_status_failed,
        is_dbt_node_status_skipped,
        is_dbt_node_status_success,
    )

    def status_of(uid: str) -> str | None:
        value = read(get_status_xcom_key(uid))
        return value.get("status") if isinstance(value, dict) else value

    def failed_parent() -> str | None:
        """The first parent that failed or whose tests failed: dbt then skips what is below it (Cosmos
        records such a skip as ``failed``: it is the parent's failure, not this node's)."""
        for parent in parents:
            if is_dbt_node_status_failed(status_of(parent)) or read(get_tests_status_xcom_key(parent)) == "fail":
                return _name(parent)
        return None

    def message(uid: str) -> str:
        event = read(get_dbt_event_xcom_key(uid))
        return " ".join(str(event.get("msg") or "").split()) if isinstance(event, dict) else ""

    def failed_tests() -> str:
        failed = []
        for test in tests:
            event = read(get_dbt_event_xcom_key(test))
            if isinstance(event, dict) and is_dbt_node_status_failed(event.get("status")):
                failed.append(f"{_name(test)} ({event.get('status')}: {message(test) or 'no message'})")
        return "; ".join(failed)

    name = _name(unique_id)
    see = f"dbt's log is in the log of {producer_task_id}"
    status = status_of(unique_id)
    if status is None:
        state = producer_state()
        if state == "success":
            return NodeResult("success", f"{name}: dbt did not report it (nothing to build, e.g. ephemeral)")
        if state in ("failed", "upstream_failed", "skipped", "removed"):
            blame = failed_parent()
            why = f"{blame} failed" if blame else f"the build ({producer_task_id}) ended {state} before reaching it"
            return NodeResult("skipped", f"{name}: not built, because {why}")
        return NodeResult(None, f"{name}: the build has not reported it yet (producer {state})")
    if is_dbt_node_status_skipped(status) or is_dbt_node_status_failed(status):
        blame = failed_parent()
        if blame:
            return NodeResult("skipped", f"{name}: not built, because {blame} failed")
        if is_dbt_node_status_skipped(status):
            return NodeResult("skipped", f"{name}: not rebuilt by this build (carried over from the current release)")
        return NodeResult("failed", f"{name}: dbt {status}: {message(unique_id) or 'no message'} ({see})")
    if not is_dbt_node_status_success(status):
        return NodeResult("failed", f"{name}: unexpected dbt status {status!r}; {see}")
    if not tests:
        return NodeResult("success", f"{name}: built ({status}); no test on it")
    tested = read(get_tests_status_xcom_key(unique_id))
    if tested == "pass":
        count = f"{len(tests)} tests" if len(tests) > 1 else "test"
        return NodeResult("success", f"{name}: built, and its {count} passed")
    if tested == "fail":
        which = failed_tests() or "a test on it did not pass (failed, or was skipped below a failure)"
        return NodeResult("failed", f"{name}: built, but {which} ({see})")
    state = producer_state()
    if state in ("success", "failed", "upstream_failed", "skipped", "removed"):
        return NodeResult("failed", f"{name}: built, but not all its tests reported (the build ended {state}); {see}")
    return NodeResult(None, f"{name}: built; its tests have not all reported yet")


def producer_state_reader(dag_id: str, run_id: str, producer_task_id: str) -> Callable[[], str | None]:
    def read() -> str | None:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, task_ids=[producer_task_id], run_ids=[run_id])
        state = states.get(run_id, {}).get(producer_task_id)
        return str(state) if state is not None else None

    return read


class DbtNodeResult(BaseOperator):
    """The result of one dbt model or seed in the release build (see the module's documentation)."""

    ui_color = "#d8ecec"
    template_fields = ()

    def __init__(self, *, model_unique_id: str, parents: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.model_unique_id = model_unique_id
        self.parents = list(parents)
        self.tests: list[str] = []
        #: set by Cosmos (every task of a watcher group with this attribute names the producer)
        self.producer_task_id: str | None = None

    def arm(self, producer_task_id: str, tests: list[str]) -> None:
        """Start in the triggerer, with everything the judgement needs (no template to render).
        ``tests``: the dbt tests on this node (Cosmos's ``tests_per_model`` of the producer)."""
        self.producer_task_id = producer_task_id
        self.tests = sorted(tests)
        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls=f"{__name__}.DbtNodeResultTrigger",
            trigger_kwargs=self.judgement_args(),
            next_method="execute_complete",
            timeout=RESULT_TIMEOUT,
        )

    def judgement_args(self) -> dict:
        return {
            "model_unique_id": self.model_unique_id,
            "tests": self.tests,
            "parents": self.parents,
            "producer_task_id": self.producer_task_id,
        }

    def execute(self, context) -> None:
        """Under ``dag.test()`` or on a worker: one reading (the build is over when this starts)."""
        ti = context["ti"]
        result = judge(
            self.model_unique_id,
            tests=self.tests,
            parents=self.parents,
            read=lambda key: ti.xcom_pull(task_ids=self.producer_task_id, key=key),
            producer_state=producer_state_reader(ti.dag_id, ti.run_id, self.producer_task_id),
            producer_task_id=self.producer_task_id,
        )
        end(result, self.log)

    def execute_complete(self, context, event: Any = None) -> None:
        """Only if a trigger's plain event resumed the task on a worker (the trigger ends the task itself)."""
        event = event or {}
        end(NodeResult(event.get("state"), event.get("message", "")), self.log)


def end(result: NodeResult, log) -> None:
    from airflow.sdk.exceptions import AirflowException, AirflowSkipException

    if result.state == "success":
        log.info("%s", result.message)
        return
    if result.state == "skipped":
        raise AirflowSkipException(result.message)
    if result.state == "failed":
        raise AirflowException(result.message)
    raise AirflowException(f"{result.message}: the task started before the build was over")


class DbtNodeResultTrigger(BaseTrigger):
    """Runs in the triggerer: judges the node as soon as the build reported it, and ends the task."""

    def __init__(
        self,
        model_unique_id: str,
        tests: list[str],
        parents: list[str],
        producer_task_id: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.model_unique_id = model_unique_id
        self.tests = list(tests)
        self.parents = list(parents)
        self.producer_task_id = producer_task_id
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{__name__}.{type(self).__name__}",
            {
                "model_unique_id": self.model_unique_id,
                "tests": self.tests,
                "parents": self.parents,
                "producer_task_id": self.producer_task_id,
                "poll_seconds": self.poll_seconds,
            },
        )

    def _judge(self) -> NodeResult:
        from airflow.sdk.execution_time.xcom import XCom

        ti = self.task_instance
        dag_id, run_id = ti.dag_id, ti.run_id
        return judge(
            self.model_unique_id,
            tests=self.tests,
            parents=self.parents,
            read=lambda key: XCom.get_one(key=key, dag_id=dag_id, task_id=self.producer_task_id, run_id=run_id),
            producer_state=producer_state_reader(dag_id, run_id, self.producer_task_id),
            producer_task_id=self.producer_task_id,
        )

    async def run(self):
        from asgiref.sync import sync_to_async

        while True:
            result = await sync_to_async(self._judge)()
            if result.state is not None:
                break
            await asyncio.sleep(self.poll_seconds)
        if result.state == "failed":
            self.log.error("%s", result.message)
            yield TaskFailedEvent()
        elif result.state == "skipped":
            self.log.info("%s", result.message)
            yield TaskSkippedEvent()
        else:
            self.log.info("%s", result.message)
            yield TaskSuccessEvent()


def node_result_task(*, dag, task_group, node, **_: Any) -> DbtNodeResult:
    """Cosmos node converter (``RenderConfig.node_converters``) for models, seeds and snapshots."""
    parents = sorted(p for p in node.depends_on if p.split(".", 1)[0] in RESULT_RESOURCE_TYPES)
    kind = node.resource_type.value
    doc = [
        f"dbt {kind} `{node.unique_id}` in this run's `dbt build` (task `dbt_producer_watcher`).",
        "",
        "Success: built, and every test on it passed. Failed: it failed, or a test on it failed (dbt's message is "
        "in the producer's log). Skipped: not rebuilt (carried over from the current release) or below a node "
        "that failed (this task's log names it). To build again, clear the producer, not this task.",
        "",
        f"Parents: {', '.join(f'`{_name(p)}`' for p in parents) or 'sources only'}.",
    ]
    return DbtNodeResult(
        task_id=node.name,
        dag=dag,
        task_group=task_group,
        model_unique_id=node.unique_id,
        parents=parents,
        doc_md="\n".join(doc),
    )
