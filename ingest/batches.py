"""The batch lifecycle: list loaded batches, withdraw a bad one, accept a volume change.

* ``withdraw``: in one transaction a batch's rows leave the raw table and ``raw.quarantine``, the
  batch becomes ``withdrawn`` (kept in ``meta.load_batches`` with the reason) and ``meta.events``
  records who and why. The next build no longer sees it; the same file can be loaded again (only
  ``loaded`` batches count as loaded). It waits for a running build (the pipeline lease) and for a
  running load of the same source, so no build reads half of it;
* ``accept``: the volume change of a batch is genuine (the gate's volume check then passes it).

The ``edu-wh batches`` commands (cli/commands/batches.py) are a thin front end on these.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass

from edu_wh.errors import UserError
from edu_wh.events import record_event

WITHDRAWABLE = ("loaded", "superseded")  # the statuses whose rows are still in raw


@dataclass
class WithdrawResult:
    batch_id: int
    source: str
    source_file: str
    status: str  # withdrawn | already_withdrawn
    rows_deleted: int = 0
    quarantine_deleted: int = 0

    def summary(self) -> str:
        if self.status == "already_withdrawn":
            return f"batch {self.batch_id} ({self.source}: {self.source_file}) was already withdrawn; nothing to do"
        return (
            f"batch {self.batch_id} ({self.source}: {self.source_file}) withdrawn: {self.rows_deleted:,} rows "
            f"removed from raw, {self.quarantine_deleted:,} from raw.quarantine"
        )


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def list_batches(source: str | None = None, *, status: str | None = None, limit: int = 50) -> list[dict]:
    """The newest batches (of ``source``, with ``status``), newest first."""
    from edu_wh.warehouse import connect

    where, params = ["true"], []
    if source:
        where.append("source = %s")
        params.append(source)
    if status:
        where.append("status = %s")
        params.append(status)
    with connect("transformer", autocommit=True, application_name="edu-wh batches") as conn:
        cur = conn.execute(
            "select batch_id, source, source_file, status, rows_loaded, rows_quarantined, "
            "coalesce(stream_key, source_file) as stream, period, is_synthetic, "
            "to_char(coalesce(finished_at, started_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as at, "
            "coalesce(error, notes) as note "
            f"from meta.load_batches where {' and '.join(where)} order by batch_id desc limit %s",
            (*params, limit),
        )
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]


def withdraw_batch(
    batch_id: int,
    reason: str,
    *,
    by: str | None = None,
    run_id: str | None = None,
    wait_seconds: float = 600,
) -> WithdrawResult:
    """Withdraw a loaded (or superseded) batch: delete its raw and quarantined rows and mark it
    ``withdrawn``, in one transaction, recording who and why in ``meta.events``."""
    from edu_wh.lease import acquire_pipeline_lock, release_pipeline_lock
    from edu_wh.warehouse import connect
    from ingest.registry import get_source

    if not reason or not reason.strip():
        raise UserError("say why the batch is withdrawn", hint="--reason 'the publisher sent the 2022 file again'")
    who = _who(by)
    lease = run_id or f"withdraw batch {batch_id} ({uuid.uuid4().hex[:8]})"
    acquire_pipeline_lock(lease, wait_seconds=wait_seconds)
    try:
        with connect(autocommit=True, application_name="edu-wh batches withdraw") as conn, conn.transaction():
            row = conn.execute(
                "select source, source_file, status from meta.load_batches where batch_id = %s for update",
                (batch_id,),
            ).fetchone()
            if row is None:
                raise UserError(f"there is no batch {batch_id}", hint="see `edu-wh batches list`")
            source_name, source_file, status = row
            if status == "withdrawn":
                return WithdrawResult(batch_id, source_name, source_file, "already_withdrawn")
            if status not in WITHDRAWABLE:
                raise UserError(
                    f"batch {batch_id} is {status}: nothing of it is in raw, so there is nothing to withdraw",
                    hint="only loaded (or superseded) batches can be withdrawn",
                )
            # the loader holds this lock while it loads the source: wait for it
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"edu_wh.load.{source_name}",))
            table = get_source(source_name).raw_table.name
            rows = conn.execute(f'delete from raw."{table}" where _batch_id = %s', (batch_id,)).rowcount
            quarantined = conn.execute("delete from raw.quarantine where batch_id = %s", (batch_id,)).rowcount
            note = f"withdrawn by {who}: {reason.strip()}"
            conn.execute(
                "update meta.load_batches set status = 'withdrawn', notes = concat_ws('; ', notes, %s::text) "
                "where batch_id = %s",
                (note, batch_id),
            )
            details = {
                "action": "withdrawn",
                "batch_id": batch_id,
                "source": source_name,
                "source_file": source_file,
                "previous_status": status,
                "rows_deleted": rows,
                "quarantine_deleted": quarantined,
                "reason": reason.strip(),
                "by": who,
            }
            record_event(
                conn,
                "batch_withdrawn",
                f"batch {batch_id} ({source_name}: {source_file}) {note}",
                details=details,
                run_id=run_id,
            )
        return WithdrawResult(batch_id, source_name, source_file, "withdrawn", rows, quarantined)
    finally:
        release_pipeline_lock(lease)


def accept_batch(batch_id: int, reason: str, *, by: str | None = None) -> str:
    """Record that a loaded batch's volume change (against the delivery before it) is genuine."""
    from edu_wh.warehouse import connect

    if not reason or not reason.strip():
        raise UserError("say why the volume change is genuine", hint="--reason 'the district merged two schools'")
    who = _who(by)
    with connect(autocommit=True, application_name="edu-wh batches accept") as conn:
        row = conn.execute(
            "select source, source_file, status from meta.load_batches where batch_id = %s", (batch_id,)
        ).fetchone()
        if row is None:
            raise UserError(f"there is no batch {batch_id}", hint="see `edu-wh batches list`")
        if row[2] != "loaded":
            raise UserError(f"batch {batch_id} is {row[2]}, not loaded", hint="only a loaded batch can be accepted")
        message = f"batch {batch_id} ({row[0]}: {row[1]}): volume change accepted by {who}: {reason.strip()}"
        record_event(
            conn,
            "batch_accepted",
            message,
            details={"batch_id": batch_id, "reason": f"{reason.strip()} ({who})", "by": who},
        )
    return message
