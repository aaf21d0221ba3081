"""The Cosmos stand-in (orchestration/cosmos_speedups.py) still applies to the locked Cosmos, every
XCom a result task reads ends with the value Cosmos's own producer gives it, and each result task
(orchestration.dbt_results.judge) tells what the build did with its node from those XComs.

The probe runs in a fresh interpreter, so "before" is Cosmos as installed. The producer's log parser
(``store_dbt_resource_status_from_log``, what the producer calls for every dbt event, with the
producer's own arguments) is fed the events of a failed build written in dbt's JSON log shape: a
seed; a model with two tests, one failing; a model that fails; a model below each of them, which dbt
skips (``SkippingDetails``, then ``NodeFinished`` skipped); a model dbt never reached; a model with a
passing test. Every XCom write goes to a task instance that records them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

PROBE = r"""
import json, sys
from cosmos.operators._watcher import base

SEED, GOOD, BAD = "seed.edu_wh.units", "model.edu_wh.stg_a", "model.edu_wh.stg_b"
BELOW_BAD, BELOW_GOOD, NEVER, FINE = (f"model.edu_wh.{n}" for n in ("int_c", "int_d", "int_e", "int_f"))
TESTS = {GOOD: ["test.edu_wh.not_null_stg_a_x.1", "test.edu_wh.unique_stg_a_x.2"],
         FINE: ["test.edu_wh.not_null_int_f_y.3"]}
PARENTS = {SEED: [], GOOD: [SEED], BAD: [], BELOW_BAD: [BAD, SEED], BELOW_GOOD: [GOOD], NEVER: [SEED], FINE: [SEED]}


class Recorder:
    def __init__(self):
        self.writes = []

    def xcom_push(self, key, value):
        self.writes.append((key, value))

    def xcom_pull(self, task_ids=None, key=None):
        return None


def event(name, uid, kind, status, message=None):
    node = {"unique_id": uid, "resource_type": kind, "node_status": status,
            "node_path": f"staging/{uid.split('.')[-1]}.sql" if kind == "model" else None,
            "node_started_at": "2026-12-02T10:00:00.000000Z", "node_finished_at": "2026-12-02T10:00:01.000000Z"}
    data = {"node_info": node}
    if name == "NodeFinished":
        data["run_result"] = {"status": status, "message": message}
    return json.dumps({"info": {"name": name, "msg": f"{name} {uid}", "ts": "2026-12-02T10:00:01Z"}, "data": data})


def node(uid, kind, status, message=None):
    return [event(n, uid, kind, "started" if n != "NodeFinished" else status, message if n == "NodeFinished" else None)
            for n in ("NodeStart", "NodeCompiling", "NodeExecuting", "NodeFinished")]


def skipped(uid):  # dbt skips a node below a failure: on_skip() fires SkippingDetails, then NodeFinished
    return [event("SkippingDetails", uid, "model", "skipped"), event("NodeFinished", uid, "model", "skipped")]


LINES = [*node(SEED, "seed", "success"), *node(GOOD, "model", "success"),
         *node(TESTS[GOOD][0], "test", "pass"), *node(TESTS[GOOD][1], "test", "fail", "Got 3 results"),
         *node(BAD, "model", "error", "relation raw.x does not exist"),
         *node(FINE, "model", "success"), *node(TESTS[FINE][0], "test", "pass"),
         *skipped(BELOW_BAD), *skipped(BELOW_GOOD)]


# the producer's copy of the project, with the compiled SQL of stg_a where Cosmos looks for it
import pathlib, tempfile
PROJECT = pathlib.Path(tempfile.mkdtemp())
(PROJECT / "target/compiled/edu_wh/models/staging").mkdir(parents=True)
(PROJECT / "target/compiled/edu_wh/models/staging/stg_a.sql").write_text("select 1 as x")


def run():
    from cosmos.operators import watcher

    ti = Recorder()
    results = {}
    for line in LINES:
        base.store_dbt_resource_status_from_log(line, {"context": {"ti": ti}, "project_dir": str(PROJECT)},
                                                 tests_per_model=TESTS,
                                                 test_results_per_model=results, should_generate_model_uris=False,
                                                 upstream_failure_skipped_ids=skipped_ids)
    during_build = len(ti.writes)
    # what the producer writes once dbt returned, passed or failed (cosmos/operators/watcher.py)
    watcher.safe_xcom_push(task_instance=ti, key="task_status", value="completed")
    final = {}
    for key, value in ti.writes:
        final[key] = value
    return ti.writes, final, during_build


skipped_ids = set()
before_writes, before, before_during = run()
sys.path.insert(0, sys.argv[1])
from orchestration import cosmos_speedups
from orchestration.dbt_results import judge
applied = cosmos_speedups.apply()
skipped_ids = set()
after_writes, after, after_during = run()
# the build failed (stg_b): the producer task ends failed; each node's task judges from the XComs left
verdicts = {uid.split(".")[-1]: judge(uid, tests=TESTS.get(uid, []), parents=parents, read=after.get,
                                      producer_state=lambda: "failed", producer_task_id="dbt.dbt_producer_watcher")
            for uid, parents in PARENTS.items()}
print(json.dumps({"applied": applied, "again": cosmos_speedups.apply(),
                  "before_count": len(before_writes), "after_count": len(after_writes),
                  "before_during": before_during, "after_during": after_during,
                  "after_order": [key for key, _ in after_writes],
                  "before": before, "after": after,
                  "verdicts": {name: [v.state, v.message] for name, v in verdicts.items()}}))
"""


def _probe() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probe() -> dict:
    return _probe()


def test_the_stand_in_applies_and_every_key_a_result_task_reads_ends_as_with_cosmos(probe):
    assert probe["applied"] and probe["again"], "Cosmos's watcher internals moved: see orchestration/cosmos_speedups.py"
    before, after = probe["before"], probe["after"]
    # what a result task reads: the status and the tests' aggregate of every model and seed, and dbt's event
    # of a node that failed (a model's error, a failing test)
    failed_test = "test__edu_wh__unique_stg_a_x__2_dbt_event"
    read = {k for k in before if k.endswith(("_status", "_tests_status")) and k != "task_status"} | {
        "model__edu_wh__stg_b_dbt_event",
        failed_test,
    }
    assert len(read) == 6 + 2 + 2, sorted(before)  # 6 nodes reported (not int_e), 2 models with tests, 2 failures
    for key in read:
        assert after.get(key) == before[key], key
    assert before["model__edu_wh__stg_a_tests_status"] == "fail"
    assert before["model__edu_wh__stg_b_status"]["status"] == "error"
    assert "relation raw.x does not exist" in json.dumps(after["model__edu_wh__stg_b_dbt_event"])
    # Cosmos records a node dbt skipped below a failure as failed (#2698): the result task must tell them apart
    assert before["model__edu_wh__int_c_status"]["status"] == "failed"
    assert "Got 3 results" in json.dumps(after[failed_test])
    # nothing else is written: the events of nodes that passed, and the compiled SQL, read by no result task
    assert set(after) == read | {"task_status"}
    # Cosmos writes as each node ends, from dbt's threads; the stand-in holds the writes until the producer
    # records that it finished, then writes them, before that record
    assert probe["before_during"] > 0 and probe["after_during"] == 0
    assert probe["after_order"][-1] == "task_status" and len(probe["after_order"]) == len(read) + 1
    assert "model__edu_wh__stg_a_compiled_sql" in before and "seed__edu_wh__units_dbt_event" in before
    assert probe["after_count"] <= probe["before_count"] - 25, (probe["before_count"], probe["after_count"])


def test_each_node_is_judged_and_a_failure_stays_with_the_node_that_failed(probe):
    verdicts = probe["verdicts"]
    assert {name: state for name, (state, _) in verdicts.items()} == {
        "units": "success",
        "stg_a": "failed",  # built, but a test on it failed
        "stg_b": "failed",  # dbt error
        "int_c": "skipped",  # below stg_b: not its own failure
        "int_d": "skipped",  # below stg_a, whose test failed
        "int_e": "skipped",  # dbt never reached it: the build ended
        "int_f": "success",  # built, its test passed
    }
    assert "unique_stg_a_x" in verdicts["stg_a"][1] and "Got 3 results" in verdicts["stg_a"][1]
    assert "not_null_stg_a_x" not in verdicts["stg_a"][1]  # the passing test is not blamed
    assert "relation raw.x does not exist" in verdicts["stg_b"][1]
    assert "because stg_b failed" in verdicts["int_c"][1]
    assert "because stg_a failed" in verdicts["int_d"][1]
    assert "ended failed before reaching it" in verdicts["int_e"][1]
    assert "built, and its test passed" in verdicts["int_f"][1]


def test_the_callback_gets_every_event_cosmos_parses_from_a_real_build(warehouse):
    """The producer's callback filter (``only_parsed_events``) on the events of a real ``dbt build`` (the
    seeds and their tests): Cosmos's parser, fed only the events the filter lets through, writes exactly
    what it writes when fed all of them, and most of dbt's events (its debug ones) never reach it."""
    from google.protobuf.json_format import MessageToJson

    from edu_wh.dbt_runner import dbt_command
    from orchestration.airflow_env import apply_airflow_env

    apply_airflow_env()
    from cosmos.operators import watcher
    from cosmos.operators._watcher import base

    from orchestration import cosmos_speedups

    events: list = []
    dbt_command(
        ["build", "--select", "resource_type:seed", "--indirect-selection", "cautious"], callbacks=[events.append]
    )
    kept: list = []
    only_parsed = cosmos_speedups.only_parsed_events(kept.append, cosmos_speedups.needed_debug_events())
    for msg in events:
        only_parsed(msg)

    class Recorder:
        def __init__(self):
            self.id, self.writes = object(), {}

        def xcom_push(self, key, value):
            self.writes[key] = value

        def xcom_pull(self, task_ids=None, key=None):
            return self.writes.get(key)

    def parsed(stream: list) -> dict:
        ti = Recorder()
        for msg in stream:
            line = MessageToJson(msg, preserving_proto_field_name=True)  # as Cosmos's callback does
            base.store_dbt_resource_status_from_log(line, {"context": {"ti": ti}}, should_generate_model_uris=False)
        watcher.safe_xcom_push(task_instance=ti, key="task_status", value="completed")  # held writes, if any
        return ti.writes

    everything, filtered = parsed(events), parsed(kept)
    assert sum(key.endswith("_status") and key.startswith("seed__") for key in everything) == 18
    assert filtered == everything
    assert len(kept) < len(events) / 2, (len(kept), len(events))
