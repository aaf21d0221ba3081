"""dbt in-process against the configured warehouse, and the manifest the DAGs are rendered from.

Foundation: the task layer, the CLI, publication (dbt docs) and the benchmarks all run dbt through
here, so none of them reaches into another's module for it.
"""

from __future__ import annotations

from pathlib import Path

from edu_wh.config import settings
from edu_wh.errors import UserError


def dbt_command(args: list[str], *, quiet: bool = True) -> None:
    """Run dbt in-process against the configured warehouse; raise with dbt's own message on failure."""
    import os

    from dbt.cli.main import dbtRunner

    from edu_wh import dbt_speedups
    from edu_wh.config import DBT_PROJECT_DIR

    dbt_speedups.apply()
    cfg = settings()
    os.environ.update(cfg.dbt_env())
    full = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if quiet:
        full = ["--quiet", *full]
    result = dbtRunner().invoke(full)
    if not result.success:
        failures = []
        for node in getattr(result.result, "results", None) or []:
            if str(getattr(node, "status", "")).lower() in {"error", "fail"}:
                failures.append(
                    f"{node.node.name}: {(node.message or '').strip().splitlines()[0] if node.message else 'failed'}"
                )
        detail = "; ".join(failures[:5]) or str(result.exception or "see dbt log")
        raise UserError(f"dbt {args[0]} failed: {detail}", hint=f"see {cfg.home / 'dbt' / 'logs' / 'dbt.log'}")


def build_manifest() -> Path:
    """``dbt parse``: the manifest Cosmos renders the DAG from (no database access)."""
    dbt_command(["parse"])
    return settings().dbt_target_dir / "manifest.json"
