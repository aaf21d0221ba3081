"""The functions DAG tasks call (one each). DAG files only wire these together.

Every function is idempotent for the same inputs: loading re-uses batches by file hash, the
transform rebuilds the candidate schema, publishing compares content hashes, exports are keyed by
release id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from edu_wh.config import settings
from edu_wh.errors import UserError

log = logging.getLogger("edu_wh.pipeline")

PIPELINE_LOCK_TTL_SECONDS = 3 * 3600


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
    target_dir = settings().home / "quarantine" / source_name
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    shutil.move(str(path), target)
    (target_dir / (path.name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")
    return target


def load_landing(
    source_name: str, *, run_id: str | None = None, paths: list[Path] | None = None, reload: bool = False
) -> LandingSummary:
    """Load every file of one source waiting in ``landing/<source>/`` (or only ``paths``); refused
    files go to quarantine. ``reload``: load files again even if loaded before (the backfill DAG)."""
    from ingest.base import SourceFormatError
    from ingest.loader import load_file
    from ingest.registry import get_source

    source = get_source(source_name)
    summary = LandingSummary(source_name)
    for path in landing_files(source_name) if paths is None else paths:
        try:
            result = load_file(source, path, run_id=run_id, reload=reload)
        except SourceFormatError as exc:
            moved = quarantine_file(source_name, path, str(exc))
            summary.rejected.append({"file": path.name, "reason": str(exc), "moved_to": str(moved)})
            log.error("REJECTED %s", exc)
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


# --- the pipeline lease: one transform-and-publish at a time ------------------------------------


def pipeline_lock_ttl_seconds() -> float:
    """Age after which a lease counts as abandoned (its holder died); ``EDU_WH_PIPELINE_LOCK_TTL_SECONDS``."""
    import os

    return float(os.environ.get("EDU_WH_PIPELINE_LOCK_TTL_SECONDS") or PIPELINE_LOCK_TTL_SECONDS)


def acquire_pipeline_lock(run_id: str, *, wait_seconds: float = 1800, poll: float = 2.0) -> None:
    """Take the warehouse-wide lease for building and publishing a release.

    A lease row (not a session lock) because the build spans several Airflow tasks in different
    processes. It expires after :func:`pipeline_lock_ttl_seconds` in case its holder died without
    releasing it; a holder that re-acquires (task retry) keeps it. Taking, taking over and
    releasing the lease are recorded in ``meta.events`` (kind ``pipeline_lock``).
    """
    from edu_wh.warehouse import connect

    ttl = pipeline_lock_ttl_seconds()
    deadline = time.monotonic() + wait_seconds
    with connect("transformer", autocommit=True, application_name="edu-wh lock") as conn:
        while True:
            with conn.transaction():
                previous = conn.execute(
                    "select holder, acquired_at from meta.pipeline_lock where lock_name = 'transform_publish' "
                    "for update"
                ).fetchone()
                row = conn.execute(
                    "insert into meta.pipeline_lock as l (lock_name, holder, acquired_at) "
                    "values ('transform_publish', %s, clock_timestamp()) "
                    "on conflict (lock_name) do update set holder = excluded.holder, acquired_at = excluded.acquired_at "
                    "where l.holder is null or l.holder = excluded.holder "
                    "or l.acquired_at < clock_timestamp() - make_interval(secs => %s) "
                    "returning holder",
                    (run_id, ttl),
                ).fetchone()
                if row:
                    stale = previous and previous[0] and previous[0] != run_id
                    message = (
                        f"lease taken over by {run_id} from {previous[0]}, silent since {previous[1]:%Y-%m-%d %H:%M:%S} "
                        f"(older than the {ttl:.0f} s TTL)"
                        if stale
                        else f"lease taken by {run_id}"
                    )
                    conn.execute(
                        "insert into meta.events (kind, message, details, run_id) values ('pipeline_lock', %s, %s, %s)",
                        (
                            message,
                            json.dumps(
                                {"action": "taken_over" if stale else "acquired", "previous_holder": previous[0]}
                                if stale
                                else {"action": "acquired"}
                            ),
                            run_id,
                        ),
                    )
            if row:
                log.info(message)
                return
            holder = conn.execute(
                "select holder, acquired_at from meta.pipeline_lock where lock_name = 'transform_publish'"
            ).fetchone()
            if time.monotonic() > deadline:
                raise UserError(
                    f"another pipeline run holds the warehouse ({holder[0]} since {holder[1]:%H:%M:%S})",
                    hint="wait for it to finish, or `edu-wh unlock` if it is known to be dead",
                )
            log.info("waiting for pipeline run %s to finish", holder[0] if holder else "?")
            time.sleep(poll)


@contextlib.contextmanager
def pipeline_lease(what: str, *, run_id: str | None = None, wait_seconds: float = 60):
    """The lease for work outside a DAG run (``edu-wh transform``, ``gate``, ``publish``,
    ``rollback``), so a command typed by hand never drops, gates or swaps a candidate a DAG run is
    building. Yields the holder's run id (``cli__<what>__<user>__<pid>`` unless given)."""
    import getpass
    import os

    run_id = run_id or f"cli__{what}__{getpass.getuser()}__{os.getpid()}"
    acquire_pipeline_lock(run_id, wait_seconds=wait_seconds)
    try:
        yield run_id
    finally:
        release_pipeline_lock(run_id)


def renew_pipeline_lock(run_id: str) -> None:
    """Between steps of a build: prove the lease is still ours and restart its TTL.

    A run slower than the TTL may have had its lease taken over by another run; it must then stop
    rather than drop, gate or swap a candidate the other run is building.
    """
    from edu_wh.warehouse import connect

    with connect("transformer", autocommit=True, application_name="edu-wh lock") as conn:
        renewed = conn.execute(
            "update meta.pipeline_lock set acquired_at = clock_timestamp() "
            "where lock_name = 'transform_publish' and holder = %s returning holder",
            (run_id,),
        ).fetchone()
        if not renewed:
            holder = conn.execute(
                "select holder from meta.pipeline_lock where lock_name = 'transform_publish'"
            ).fetchone()
            raise UserError(
                f"run {run_id} no longer holds the pipeline lease (now held by {holder[0] if holder else 'nobody'}); "
                "it stops without touching the candidate or published",
                hint="a step took longer than EDU_WH_PIPELINE_LOCK_TTL_SECONDS; raise it, then rerun",
            )


def release_pipeline_lock(run_id: str | None = None, *, force: bool = False) -> bool:
    from edu_wh.warehouse import connect

    with connect("transformer", autocommit=True, application_name="edu-wh lock") as conn, conn.transaction():
        if force:
            cur = conn.execute(
                "update meta.pipeline_lock set holder = null where lock_name = 'transform_publish' and holder is not null"
            )
        else:
            cur = conn.execute(
                "update meta.pipeline_lock set holder = null where lock_name = 'transform_publish' and holder = %s",
                (run_id,),
            )
        released = cur.rowcount > 0
        if released:
            conn.execute(
                "insert into meta.events (kind, message, details, run_id) values ('pipeline_lock', %s, %s, %s)",
                (
                    "lease released" + (" by force (edu-wh unlock)" if force else f" by {run_id}"),
                    json.dumps({"action": "released", "forced": force}),
                    run_id,
                ),
            )
        return released


# --- transform / gate / publish steps (also used by `edu-wh transform`, `gate` and `publish` without Airflow) ----------------


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


def drop_candidate() -> None:
    """Start every build from an empty candidate schema, so nothing stale can be published."""
    from edu_wh.warehouse import connect

    with connect("transformer", autocommit=True) as conn:
        conn.execute("drop schema if exists candidate cascade")
        conn.execute("create schema candidate")


def run_gate(run_id: str | None = None) -> dict:
    from expectations.framework import run_gate as _run_gate

    return _run_gate("candidate", run_id=run_id).summary()


def publish_release(run_id: str | None = None) -> dict:
    from publication.swap import publish

    result = publish(run_id=run_id)
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
