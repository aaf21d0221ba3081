"""``make bench``'s harness (``benchmarks/run.py``) in ``--quick`` mode reports every section with numbers.

Too slow for ``make test`` (7.5 minutes on the 2-core development machine while another test run
was going; a smoke test should take under 60 s): even with tiny NEDB files and one run,
``--quick`` still builds a scale-1 warehouse with dbt twice, runs the GX gate and publishes
(≈ 1.5 min), and runs ``edu-wh demo`` end to end once (≈ 5.5 min there, against its own target of
90 s). So it is skipped in ``make test`` and runs only when asked for:
``pytest tests/test_bench_smoke.py`` (the file named on the command line) or
``EDU_WH_BENCH_SMOKE=1`` with any selection.

The harness runs in a subprocess with none of the session's ``EDU_WH_*`` / Airflow settings, so
it starts its own embedded PostgreSQL in its own temporary work directory, as ``make bench`` does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from edu_wh.config import REPO_ROOT

SECTIONS = ("ingest", "memory", "dbt", "publish", "airflow", "queries")
HEADINGS = {
    "ingest": "## 1. Ingest throughput",
    "memory": "## 2. Peak memory",
    "dbt": "## 3. dbt",
    "publish": "## 4. Publish",
    "airflow": "## 5. Airflow",
    "queries": "## 6. Analyst queries",
}

pytestmark = pytest.mark.timeout(1800)


def _asked_for(config) -> bool:
    if os.environ.get("EDU_WH_BENCH_SMOKE") == "1":
        return True
    return any(Path(str(arg).split("::")[0]).name == Path(__file__).name for arg in config.args)


def test_quick_benchmark_reports_every_section_with_numbers(request, tmp_path):
    if not _asked_for(request.config):
        pytest.skip("slow (~7 min): run `pytest tests/test_bench_smoke.py` or set EDU_WH_BENCH_SMOKE=1")
    out = tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDU_WH_", "AIRFLOW"))}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1700,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    markdown = out.read_text(encoding="utf-8")

    assert report["quick"] is True
    machine = report["machine"]
    for key in ("cpu", "cores", "ram_gb", "os", "python", "postgresql"):
        assert machine[key], f"machine description lacks {key}"
    assert "PostgreSQL 16" in machine["postgresql"]
    for key in ("| CPU |", "| cores |", "| RAM |", "| OS |", "| Python |", "| PostgreSQL |"):
        assert key in markdown

    for name in SECTIONS:
        section = report["sections"][name]
        assert "error" not in section, f"{name} failed:\n{section['error']}"
        assert section["checks"], f"{name} has no target"
        for check in section["checks"]:
            assert isinstance(check["value"], int | float), f"{name}: {check['label']} was not measured"
            assert check["status"] in {"PASS", "MISS"}, check
            assert isinstance(check["target"], int | float)
        body = markdown.split(HEADINGS[name], 1)[1].split("\n## ", 1)[0]
        assert "Not run" not in body and "ERROR" not in body, f"{name}: {body[:500]}"
        assert re.search(r"\| \*\*(PASS|MISS)\*\* \|", body), f"{name} has no PASS/MISS row"
        assert re.search(r"\d", body)
        if any(c["status"] == "MISS" for c in section["checks"]):
            assert "What limits it" in body, f"{name} misses a target without saying what limits it"

    ingest = report["sections"]["ingest"]["median"]
    for key in ("copy_large", "loader_large", "loader_small", "to_sql_small", "dlt_small"):
        assert ingest[key] > 0, key
    assert report["sections"]["dbt"]["scales"]["1"]["full_build_seconds"] > 0
    assert report["sections"]["publish"]["scales"]["1"]["swap_median_seconds"] > 0
    assert all(q["median_ms"] > 0 for q in report["sections"]["queries"]["queries"])
    assert report["sections"]["airflow"]["demo_runs"][0]["ok"]
