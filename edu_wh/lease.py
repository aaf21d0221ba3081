"""The pipeline lease: one build-and-publish at a time, across processes.

A lease row in ``meta.pipeline_lock`` (not a session lock), because one build spans several
Airflow tasks in different processes. The DAG tasks, the CLI commands typed by hand and the batch
lifecycle (withdrawing a batch waits for a running build) all take it through this module.
"""

from __future__ import annotations

import contextlib
import logging
import time

from edu_wh.errors import UserError
from edu_wh.events import record_event

log = logging.getLogger("edu_wh.lease")

PIPELINE_LOCK_TTL_SECONDS = 3 * 3600


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
                    record_event(
                        conn,
                        "pipeline_lock",
                        message,
                        details={"action": "taken_over", "previous_holder": previous[0]}
                        if stale
                        else {"action": "acquired"},
                        run_id=run_id,
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
            record_event(
                conn,
                "pipeline_lock",
                "lease released" + (" by force (edu-wh unlock)" if force else f" by {run_id}"),
                details={"action": "released", "forced": force},
                run_id=run_id,
            )
        return released
