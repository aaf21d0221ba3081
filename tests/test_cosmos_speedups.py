"""The Cosmos stand-in (orchestration/cosmos_speedups.py) still applies to the locked Cosmos, and every
XCom a watcher sensor reads ends with the value Cosmos's own producer gives it.

Each case runs in a fresh interpreter, so "before" is Cosmos as installed. The producer's log parser
(``store_dbt_resource_status_from_log``, what the producer calls for every dbt event) is fed the events
of a build written in dbt's JSON log shape: a seed, a model with two tests (one failing), a model that
fails; every XCom write goes to a task instance that records them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

PROBE = r"""
import json, sys
from cosmos.operators._watcher import base

SEED, GOOD, BAD = "seed.edu_wh.units", "model.edu_wh.stg_a", "model.edu_wh.stg_b"
TESTS = {GOOD: ["test.edu_wh.not_null_stg_a_x.1", "test.edu_wh.unique_stg_a_x.2"]}


class Recorder:
    def __init__(self):
        self.writes = []

    def xcom_push(self, key, value):
        self.writes.append((key, value))

    def xcom_pull(self, task_ids=None, key=None):
        return None


def event(name, uid, kind, status, message=None):
    node = {"unique_id": uid, "resource_type": kind, "node_status": status, "node_path": None,
            "node_started_at": "2026-12-02T10:00:00.000000Z", "node_finished_at": "2026-12-02T10:00:01.000000Z"}
    data = {"node_info": node}
    if name == "NodeFinished":
        data["run_result"] = {"status": status, "message": message}
    return json.dumps({"info": {"name": name, "msg": f"{name} {uid}", "ts": "2026-12-02T10:00:01Z"}, "data": data})


def node(uid, kind, status, message=None):
    return [event(n, uid, kind, "started" if n != "NodeFinished" else status, message if n == "NodeFinished" else None)
            for n in ("NodeStart", "NodeCompiling", "NodeExecuting", "NodeFinished")]


LINES = [*node(SEED, "seed", "success"), *node(GOOD, "model", "success"),
         *node(TESTS[GOOD][0], "test", "pass"), *node(TESTS[GOOD][1], "test", "fail", "Got 3 results"),
         *node(BAD, "model", "error", "relation raw.x does not exist")]


def run():
    ti = Recorder()
    results = {}
    for line in LINES:
        base.store_dbt_resource_status_from_log(line, {"context": {"ti": ti}}, tests_per_model=TESTS,
                                                 test_results_per_model=results, should_generate_model_uris=False)
    final = {}
    for key, value in ti.writes:
        final[key] = value
    return ti.writes, final


before_writes, before = run()
sys.path.insert(0, sys.argv[1])
from orchestration import cosmos_speedups
applied = cosmos_speedups.apply()
after_writes, after = run()
print(json.dumps({"applied": applied, "again": cosmos_speedups.apply(),
                  "before_count": len(before_writes), "after_count": len(after_writes),
                  "before": before, "after": after}))
"""


def test_the_stand_in_applies_and_every_key_a_sensor_reads_ends_as_with_cosmos():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["applied"] and probe["again"], "Cosmos's watcher internals moved: see orchestration/cosmos_speedups.py"
    before, after = probe["before"], probe["after"]
    sensor_keys = {k for k in before if not k.startswith("test__")}  # sensors exist per model and seed
    assert sensor_keys, before
    # what a sensor reads: the status, the tests' aggregate and the node's dbt event of models and seeds
    for key in sensor_keys:
        assert after.get(key) == before[key], key
    assert before["model__edu_wh__stg_a_tests_status"] == "fail"
    assert before["model__edu_wh__stg_b_status"]["status"] == "error"
    assert "relation raw.x does not exist" in json.dumps(after["model__edu_wh__stg_b_dbt_event"])
    # nothing else is written: the tests' own event keys, read by no sensor, are gone
    assert set(after) == sensor_keys
    assert {k for k in before if k.startswith("test__")}, "the original writes the tests' event keys"
    # four events per node became one for each seed and model: 15 writes fewer here, ~2,000 in a full build
    assert probe["after_count"] <= probe["before_count"] - 15, (probe["before_count"], probe["after_count"])
