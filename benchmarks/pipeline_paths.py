"""Section 5's figures for issue 14: the demo twice in one home, WATCHER against BUILD, and the
release chain through the real scheduler (``benchmarks.run`` calls :func:`run`).

* ``make demo`` then ``make demo`` again with nothing new (one ``EDU_WH_HOME``, a new one per pair);
* ``benchmarks.dbt_modes``: the release chain's full build under ``dag.test()`` with Cosmos
  ``ExecutionMode.WATCHER`` and with ``TestBehavior.BUILD``;
* ``benchmarks.scheduler_chain``: a real BNS table lands, ``airflow standalone`` takes it to a
  release by itself, then a real BNS bulletin lands and only its part is rebuilt.

Each runs in subprocesses with their own home and ports, never in the user's ``.local``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def demo_twice(workdir: Path, env: dict[str, str], free_port: Callable[[], int]) -> dict:
    home = workdir / "demo-twice"
    shutil.rmtree(home, ignore_errors=True)
    env = {**env, "EDU_WH_HOME": str(home), "EDU_WH_PG_PORT": str(free_port())}
    seconds = []
    try:
        for _ in range(2):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "cli", "demo"], capture_output=True, text=True, env=env, cwd=REPO, check=False
            )
            seconds.append(round(time.perf_counter() - started, 1))
            if out.returncode != 0:
                return {"ok": False, "seconds": seconds, "error": (out.stderr or out.stdout)[-800:]}
    finally:
        subprocess.run([sys.executable, "-m", "cli", "down"], capture_output=True, env=env, cwd=REPO, check=False)
        shutil.rmtree(home, ignore_errors=True)
    return {"ok": True, "first_seconds": seconds[0], "second_seconds": seconds[1]}


def dbt_modes(workdir: Path, env: dict[str, str]) -> dict:
    home = workdir / "dbt-modes"
    try:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.dbt_modes", "--home", str(home)],
            capture_output=True, text=True, env=env, cwd=REPO, check=False,
        )  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if out.returncode != 0:
        return {"error": out.stderr[-1500:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def scheduler(workdir: Path, env: dict[str, str]) -> dict:
    """The scheduler chain against a database of its own on a temporary embedded server."""
    script = (
        "import json, os, sys; from pathlib import Path\n"
        "from edu_wh.config import settings\n"
        "from edu_wh.warehouse import connect, ensure_warehouse, stop_embedded\n"
        "from edu_wh.bootstrap import bootstrap\n"
        "from ingest.registry import all_sources\n"
        "from benchmarks.scheduler_chain import run_chain\n"
        "ensure_warehouse()\n"
        "try:\n"
        "    with connect() as conn:\n"
        "        bootstrap(conn, all_sources()); conn.commit()\n"
        "    env = {k: v for k, v in os.environ.items() if k != 'EDU_WH_HOME'}\n"
        "    env['EDU_WH_DATABASE_URL'] = settings().url\n"
        "    out = run_chain(Path(sys.argv[1]), env, settings().landing_dir)\n"
        "    print(json.dumps({'figures': out['figures'], 'transform_runs': len(out['runs']['transform_publish'])}))\n"
        "finally:\n"
        "    stop_embedded()\n"
    )
    home = Path(tempfile.mkdtemp(prefix="edu-wh-sched-", dir=workdir))
    child = {**env, "EDU_WH_HOME": str(home / "warehouse"), "EDU_WH_LANDING_DIR": str(home / "landing")}
    child["EDU_WH_RELEASES_DIR"] = str(home / "releases")
    try:
        out = subprocess.run(
            [sys.executable, "-c", script, str(home)], capture_output=True, text=True, env=child, cwd=REPO, check=False
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if out.returncode != 0:
        return {"error": out.stderr[-1500:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(workdir: Path, env: dict[str, str], free_port: Callable[[], int], check: Callable[..., dict]) -> dict:
    env = {k: v for k, v in env.items() if k not in {"EDU_WH_DATABASE_URL"}}
    env.setdefault("PYTHONPATH", str(REPO))
    os.environ.setdefault("PYTHONPATH", str(REPO))
    demo = demo_twice(workdir, env, free_port)
    modes = dbt_modes(workdir, {**env, "EDU_WH_PG_PORT": str(free_port())})
    chain = scheduler(workdir, {**env, "EDU_WH_PG_PORT": str(free_port())})
    figures = chain.get("figures", {})
    checks = [
        check("make demo, first run (warm venv)", demo.get("first_seconds"), "<=", 60.0, "s"),
        check("make demo, second run (nothing new)", demo.get("second_seconds"), "<=", 15.0, "s"),
        check(
            "transform_publish through the scheduler (BNS sample, full build)",
            figures.get("transform_publish_full_seconds"),
            "<=",
            60.0,
            "s",
        ),
    ]
    return {"demo_twice": demo, "dbt_modes": modes, "scheduler_chain": chain, "checks": checks}
