"""dbt in-process against the configured warehouse, and the manifest the DAGs are rendered from.

Foundation: the task layer, the CLI, publication (dbt docs) and the benchmarks all run dbt through
here, so none of them reaches into another's module for it.
"""

from __future__ import annotations

import json
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


def manifest_path() -> Path:
    return settings().dbt_target_dir / "manifest.json"


def load_manifest(path: Path | None = None) -> dict:
    """The dbt manifest; built with ``dbt parse`` (no database access) if it is not there yet."""
    path = path or manifest_path()
    if not path.exists():
        path = build_manifest()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read the dbt manifest {path}: {exc}", hint="rebuild it with `edu-wh manifest`"
        ) from exc


def is_published_model(node: dict, project: str | None) -> bool:
    """A model of this project under ``models/published`` (the public contract)."""
    if node.get("resource_type") != "model":
        return False
    if project and node.get("package_name") != project:
        return False
    fqn = node.get("fqn") or []
    return (len(fqn) > 2 and fqn[1] == "published") or str(node.get("original_file_path", "")).startswith(
        "models/published/"
    )


def published_grains(manifest: dict | None = None) -> dict[str, tuple[str, ...]]:
    """Published table name → its grain (``meta.grain`` of the model): the one definition that the
    gate, the exports, the change report and the dictionary all read."""
    manifest = manifest if manifest is not None else load_manifest()
    project = (manifest.get("metadata") or {}).get("project_name")
    grains = {}
    for node in (manifest.get("nodes") or {}).values():
        if is_published_model(node, project):
            meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
            grain = meta.get("grain") or []
            grains[node.get("alias") or node["name"]] = tuple([grain] if isinstance(grain, str) else grain)
    return grains
