"""The dbt-common stand-in (edu_wh/dbt_speedups.py) still applies to the locked dbt-common and gives the
original's answer; each case runs in a fresh interpreter, so the original is really the original."""

from __future__ import annotations

import json
import subprocess
import sys

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
