"""dbt in-process against the configured warehouse, and the manifest the DAGs are rendered from.

Foundation: the task layer, the CLI, publication (dbt docs) and the benchmarks all run dbt through
here, so none of them reaches into another's module for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from edu_wh.config import scoped_env, settings
from edu_wh.errors import UserError

#: what a release build (the transform_publish / backfill DAGs, ``edu-wh transform``) adds to dbt's
#: environment: no unit tests. They check the models' SQL against fixed inputs, so they run where the
#: SQL changes (``make test``, CI), not on every release; dbt's own advice for production runs. And no
#: manifest.json / run_results.json (``DBT_WRITE_JSON``): the manifest the DAGs render from is
#: ``edu-wh manifest``'s (a build would only write it again, ~1 s of each build), and what a build did
#: is in dbt's result and events (the failures in the raised error, each node in the task log). dbt.log
#: at info (each node's start and result, every warning and error), not debug: its every SQL statement
#: went through one file handler lock shared by dbt's threads (py-spy: the threads queued on it).
RELEASE_BUILD_ENV = {"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test", "DBT_WRITE_JSON": "false", "DBT_LOG_LEVEL_FILE": "info"}


#: the dbt profile and target of profiles.yml; Cosmos's tasks name them too (orchestration.dbt_cosmos)
PROFILE, TARGET = "edu_wh", "warehouse"
#: flags of every dbt invocation here, the same as Cosmos passes to its tasks (``--profile`` and
#: ``--target`` from its ProfileConfig, ``--no-static-parser`` in dbtRunner mode): dbt keeps a partial
#: parse only for the flags it was made with, so with other flags the manifest build, the export's
#: docs and the release build's producer each parsed the whole project again (5-7 s, against 0.8 s).
PARSE_FLAGS = ["--profile", PROFILE, "--target", TARGET, "--no-static-parser"]


def dbt_command(
    args: list[str], *, quiet: bool = True, env: dict[str, str] | None = None, callbacks: list | None = None
) -> None:
    """Run dbt in-process against the configured warehouse; raise with dbt's own message on failure.
    ``env``: more environment for this invocation (e.g. :data:`RELEASE_BUILD_ENV`), restored after;
    ``callbacks``: dbt's event callbacks (each gets every event dbt fires)."""
    import os

    from dbt.cli.main import dbtRunner

    from edu_wh import dbt_speedups
    from edu_wh.config import DBT_PROJECT_DIR

    dbt_speedups.apply()
    cfg = settings()
    os.environ.update(cfg.dbt_env())
    full = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), *PARSE_FLAGS]
    if quiet:
        full = ["--quiet", *full]
    with scoped_env(**(env or {})):
        result = dbtRunner(callbacks=callbacks).invoke(full)
    if not result.success:
        failures = []
        for node in getattr(result.result, "results", None) or []:
            if str(getattr(node, "status", "")).lower() in {"error", "fail"}:
                failures.append(
                    f"{node.node.name}: {(node.message or '').strip().splitlines()[0] if node.message else 'failed'}"
                )
        detail = "; ".join(failures[:5]) or str(result.exception or "see dbt log")
        raise UserError(f"dbt {args[0]} failed: {detail}", hint=f"see {cfg.home / 'dbt' / 'logs' / 'dbt.log'}")


def manifest_inputs(project_dir: Path | None = None) -> str:
    """A digest of what ``dbt parse`` reads: every file of the dbt project (not its target or logs),
    the dbt version and the environment ``profiles.yml`` reads (hashed: it holds the password)."""
    import hashlib

    from dbt.version import __version__ as dbt_version

    from edu_wh.config import DBT_PROJECT_DIR

    project_dir = project_dir or DBT_PROJECT_DIR
    digest = hashlib.sha256(dbt_version.encode())
    for key, value in sorted(settings().dbt_env().items()):
        digest.update(f"{key}={value}\0".encode())
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and relative.parts[0] not in {"target", "logs", "dbt_packages"}:
            digest.update(f"{relative}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_manifest(*, force: bool = False) -> Path:
    """``dbt parse``: the manifest Cosmos renders the DAG from (no database access). As ``make`` would,
    it is not parsed again while the project files, dbt and its settings are those it was parsed from
    (a digest beside it, ``manifest.inputs``); ``force`` parses anyway."""
    path = manifest_path()
    stamp = path.with_name("manifest.inputs")
    inputs = manifest_inputs()
    if not force and manifest_is_current(inputs):
        return path
    stamp.unlink(missing_ok=True)
    dbt_command(["parse"])
    stamp.write_text(inputs, encoding="utf-8")
    return path


def manifest_is_current(inputs: str | None = None) -> bool:
    """The manifest is there and was parsed from the project files and settings as they are now."""
    path = manifest_path()
    stamp = path.with_name("manifest.inputs")
    if not (path.exists() and stamp.exists()):
        return False
    return stamp.read_text(encoding="utf-8") == (inputs or manifest_inputs())


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
