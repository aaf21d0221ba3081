"""Section 3's incremental build and no-op run, as ``transform_publish`` does them (``benchmarks.run``).

After one more monthly budget report lands, the release chain plans the build
(``publication.build_plan``), carries the unchanged tables of the current release over into ``candidate``
(``publication.swap.carry_over``: a view each, until ``publish`` moves the tables in) and runs ``dbt build --select source:budget.budget_execution_rows+``;
the figure compared with the full build is the sum of the three. A run with nothing new stops after
the plan: dbt and the gate do not run, and its figure is the plan's time.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def timed_incremental(timed_dbt: Callable[..., dict]) -> dict:
    """Plan, carry over, build the changed part; seconds of all three, dbt's figures, the plan."""
    from orchestration.tasks import plan_release_build, prepare_candidate

    started = time.perf_counter()
    plan = plan_release_build(run_id="bench-incremental")
    if plan["mode"] != "incremental":
        raise RuntimeError(f"expected an incremental build after one new month, the plan is {plan['mode']}: {plan}")
    prepare_candidate(plan)
    prepared = time.perf_counter() - started
    result = timed_dbt(["build", "--select", " ".join(plan["select"])], reset=False)
    result["dbt_seconds"] = result["seconds"]
    result["plan_and_carry_over_seconds"] = prepared
    result["seconds"] = prepared + result["dbt_seconds"]
    result["plan"] = plan  # the whole plan: the gate and publish after it take it as the release chain does
    return result


def timed_noop() -> dict:
    """A run with nothing new: the plan says ``nothing``; dbt and the gate are skipped."""
    from orchestration.tasks import plan_release_build

    started = time.perf_counter()
    plan = plan_release_build(run_id="bench-noop")
    seconds = time.perf_counter() - started
    return {"mode": plan["mode"], "seconds": seconds, "dbt_seconds": 0.0, "gate_seconds": 0.0, "reason": plan["reason"]}
