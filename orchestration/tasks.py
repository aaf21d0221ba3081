"""The functions DAG tasks call (one each). DAG files only wire these together.

Every function is idempotent for the same inputs: loading re-uses batches by file hash, the
transform rebuilds the candidate schema, publishing compares content hashes, exports are keyed by
release id.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from edu_wh.config import settings
from edu_wh.errors import UserError

log = logging.getLogger("orchestration.tasks")


@dataclass
class LandingSummary:
    source: str
    loaded: list[dict] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    @property
    def new_data(self) -> bool:
        return bool(self.loaded)

    def as_dict(self) -> dict:
        return asdict(self)


def landing_files(source_name: str) -> list[Path]:
    from ingest.registry import get_source

    source = get_source(source_name)
    folder = settings().landing_dir / source_name
    if not folder.is_dir():
        return []
    from ingest.loader import is_landing_file

    files: set[Path] = set()
    for pattern in source.file_patterns:
        files.update(p for p in folder.rglob(pattern) if is_landing_file(p))
    return sorted(files)


def quarantine_file(source_name: str, path: Path, reason: str) -> Path:
    """Move a refused file out of the landing folder, with its reason beside it."""
    from ingest.loader import quarantine_target

    target_dir = settings().home / "quarantine" / source_name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_target(target_dir, path.name)  # a second file of the same name is kept too
    shutil.move(str(path), target)
    (target_dir / (target.name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")
    return target


def load_landing(
    source_name: str, *, run_id: str | None = None, paths: list[Path] | None = None, reload: bool = False
) -> LandingSummary:
    """Load every file of one source waiting in ``landing/<source>/`` (or only ``paths``); refused
    files go to quarantine. ``reload``: load files again even if loaded before (the backfill DAG)."""
    from ingest.base import SourceFormatError
    from ingest.loader import load_file, unaccepted_files
    from ingest.registry import get_source

    source = get_source(source_name)
    summary = LandingSummary(source_name)
    if paths is None:  # nothing delivered is ignored: a file no reader takes is refused, naming the formats
        for path, reason in unaccepted_files(source, settings().landing_dir / source_name):
            moved = quarantine_file(source_name, path, reason)
            summary.rejected.append({"file": path.name, "reason": reason, "moved_to": str(moved)})
            log.error("REJECTED %s", reason)
    for path in landing_files(source_name) if paths is None else paths:
        try:
            result = load_file(source, path, run_id=run_id, reload=reload, retry_failed=False)
        except SourceFormatError as exc:
            moved = quarantine_file(source_name, path, str(exc))
            summary.rejected.append({"file": path.name, "reason": str(exc), "moved_to": str(moved)})
            log.error("REJECTED %s", exc)
            continue
        except Exception as exc:  # noqa: BLE001 - an unexpected error: the batch is marked failed by the loader
            reason = f"{path.name}: unexpected error during the load ({type(exc).__name__}: {exc}); batch marked failed"
            moved = quarantine_file(source_name, path, reason)
            summary.rejected.append({"file": path.name, "reason": reason, "moved_to": str(moved)})
            log.exception("FAILED %s", reason)
            continue
        if result.status == "already_loaded":
            summary.already_loaded.append(path.name)
        else:
            summary.loaded.append(
                {
                    "file": path.name,
                    "batch_id": result.batch_id,
                    "rows": result.rows_loaded,
                    "quarantined": result.rows_quarantined,
                }
            )
        log.info(result.summary())
    return summary


def fetch_source(source_name: str, *, run_id: str | None = None) -> list[str]:
    """Networked sources: download what is new from the publisher into landing/<source>/."""
    from ingest.registry import get_source

    landing = settings().landing_dir / source_name
    landing.mkdir(parents=True, exist_ok=True)
    return [str(p) for p in get_source(source_name).fetch(landing, run_id=run_id)]


def raise_for_rejections(summaries: list[dict]) -> None:
    rejected = [r for s in summaries for r in (s or {}).get("rejected", [])]
    if rejected:
        lines = "; ".join(f"{r['file']}: {r['reason']}" for r in rejected)
        raise UserError(
            f"{len(rejected)} file(s) refused and moved to quarantine: {lines}",
            hint="fix or re-request the file from the publisher, then drop it into landing again",
        )


# --- transform / gate / publish steps (also used by `edu-wh transform`, `gate` and `publish` without Airflow) ----------------


def drop_candidate() -> None:
    """Start every build from an empty candidate schema, so nothing stale can be published."""
    from edu_wh.warehouse import connect

    with connect("transformer", autocommit=True) as conn:
        conn.execute("drop schema if exists candidate cascade")
        conn.execute("create schema candidate")


def plan_release_build(*, full: bool = False, run_id: str | None = None) -> dict:
    """What the next release rebuilds and carries over (``publication.build_plan``), as a dict for
    XCom; recorded in ``meta.events`` (kind ``build_plan``)."""
    from edu_wh.events import record_event
    from edu_wh.warehouse import connect
    from orchestration.dbt_cosmos import manifest_path
    from publication.build_plan import plan_build, read_manifest
    from publication.swap import dbt_project_hash

    manifest = read_manifest(manifest_path())
    with connect("transformer", autocommit=True, application_name="edu-wh plan") as conn:
        plan = plan_build(conn, manifest, full=full, dbt_project_hash=dbt_project_hash())
        record_event(conn, "build_plan", plan.describe(), details=plan.as_dict(), run_id=run_id)
    log.info(plan.describe())
    return plan.as_dict()


def prepare_candidate(plan: dict | None = None) -> dict[str, int]:
    """An empty candidate, then (incremental plan) the unchanged tables carried over from the current release
    (``publication.swap.carry_over``: views until the swap moves the tables themselves in)."""
    from publication.build_plan import BuildPlan
    from publication.swap import carry_over

    drop_candidate()
    built = BuildPlan.from_dict(plan)
    return carry_over(built.carry_tables, built.current_release)


def run_gate(run_id: str | None = None, plan: dict | None = None) -> dict:
    """The gate on candidate; after an incremental plan, only what it rebuilt (and the cross-table checks)."""
    from expectations.gate import run_gate as _run_gate
    from publication.build_plan import BuildPlan

    built = BuildPlan.from_dict(plan)
    changed = (built.rebuild_tables, built.changed_sources) if built.mode == "incremental" else None
    return _run_gate("candidate", run_id=run_id, changed=changed).summary()


def publish_release(run_id: str | None = None, plan: dict | None = None) -> dict:
    """Publish the gated candidate; with the build plan, the release records the batches it was planned from."""
    from publication.swap import publish

    result = publish(run_id=run_id, input_batch_ids=(plan or {}).get("input_batch_ids"))
    return {
        "status": result.status,
        "release_id": result.release_id,
        "summary": result.summary(),
        "row_counts": result.row_counts,
    }


def export_release_files(run_id: str | None = None) -> str:
    """The files of the current release (``releases/r<NNNNNN>/``); a no-op if they exist."""
    from publication.release_files import export_current_release

    return str(export_current_release(run_id))


def json_summary(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
