"""``edu-wh batches``: the loaded batches, and a data engineer's way out when a delivered batch is bad.

* ``edu-wh batches list [--source S]``: what was loaded, when, how many rows, and its status;
* ``edu-wh batches withdraw BATCH_ID --reason TEXT``: take a bad batch out. In one transaction its
  rows leave the raw table and ``raw.quarantine``, the batch becomes ``withdrawn`` (kept in
  ``meta.load_batches`` with the reason) and ``meta.events`` records who and why. The next build
  no longer sees it; the same file can be loaded again (only ``loaded`` batches count as loaded).
  It waits for a running build (the pipeline lease) and for a running load of the same source, so
  no build reads half of it;
* ``edu-wh batches accept BATCH_ID --reason TEXT``: the volume change of a batch is genuine (the
  gate's volume check then passes it);
* ``edu-wh batches check [--source S]``: run the gate's raw layer now (recorded against ``raw``, so
  it never counts as the candidate's gate).
"""

from __future__ import annotations

import getpass
import json
import uuid
from dataclasses import dataclass
from typing import Annotated

import typer

from edu_wh.cli import app, out
from edu_wh.errors import UserError

batches_app = typer.Typer(
    no_args_is_help=True,
    help="Loaded batches: list them, withdraw a bad one, accept a volume change, check the raw layer.",
)
app.add_typer(batches_app, name="batches")

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
    from edu_wh.pipeline import acquire_pipeline_lock, release_pipeline_lock
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
            conn.execute(
                "insert into meta.events (kind, message, details, run_id) values ('batch_withdrawn', %s, %s, %s)",
                (
                    f"batch {batch_id} ({source_name}: {source_file}) {note}",
                    json.dumps(details, ensure_ascii=False),
                    run_id,
                ),
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
        conn.execute(
            "insert into meta.events (kind, message, details) values ('batch_accepted', %s, %s)",
            (message, json.dumps({"batch_id": batch_id, "reason": f"{reason.strip()} ({who})", "by": who})),
        )
    return message


# --- the commands ----------------------------------------------------------------------------------


@batches_app.command("list")
def list_command(
    source: Annotated[str | None, typer.Option("--source", help="Only this source (see `edu-wh sources`).")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only this status: loaded, withdrawn, superseded, rejected, …")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """List loaded batches (newest first): id, source, status, rows, when, file."""
    rows = list_batches(source, status=status, limit=limit)
    if not rows:
        out.print("no batches" + (f" of source {source}" if source else ""))
        return
    out.print(f"{'batch':>7}  {'source':<18} {'status':<10} {'rows':>10} {'quarant.':>8}  {'loaded (UTC)':<16}  file")
    for r in rows:
        rows_loaded = f"{r['rows_loaded']:,}" if r["rows_loaded"] is not None else "-"
        quarantined = f"{r['rows_quarantined']:,}" if r["rows_quarantined"] is not None else "-"
        line = (
            f"{r['batch_id']:>7}  {r['source']:<18} {r['status']:<10} {rows_loaded:>10} {quarantined:>8}  "
            f"{r['at'] or '':<16}  {r['source_file']}" + (" (synthetic)" if r["is_synthetic"] else "")
        )
        out.print(line, highlight=False, markup=False)
        if r["status"] not in ("loaded", "superseded") and r["note"]:
            out.print(f"{'':>9}{r['note'][:200]}", highlight=False, markup=False)


@batches_app.command("withdraw")
def withdraw_command(
    batch_id: Annotated[int, typer.Argument(help="The batch (see `edu-wh batches list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why: recorded with the batch and in meta.events.")],
    wait: Annotated[float, typer.Option(help="Seconds to wait for a running build to finish.")] = 600,
) -> None:
    """Withdraw a bad batch: its rows leave raw (and raw.quarantine) in one transaction; the next build
    no longer sees it, and the file can be loaded again."""
    from ingest.registry import NETWORKED_SOURCES

    result = withdraw_batch(batch_id, reason, wait_seconds=wait)
    out.print(result.summary())
    if result.status == "withdrawn":
        out.print("the next build (the transform_publish DAG, or `edu-wh transform`, `gate`, `publish`) leaves it out")
        if result.source in NETWORKED_SOURCES:
            out.print(
                f"note: the fetch cursor of {result.source} is not rewound; to load the data again, load the landed "
                f"file {result.source_file} again (`edu-wh ingest {result.source} <file>`)"
            )


@batches_app.command("accept")
def accept_command(
    batch_id: Annotated[int, typer.Argument(help="The batch (see `edu-wh batches list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the smaller (or larger) delivery is genuine.")],
) -> None:
    """Accept a batch's volume change against the delivery before it (the gate then passes it)."""
    out.print(accept_batch(batch_id, reason))


@batches_app.command("check")
def check_command(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable); default: all.")
    ] = None,
) -> None:
    """Run the gate's raw layer on the loaded batches now, without building anything."""
    from expectations.framework import discover_suites, run_gate

    suites = [s for s in discover_suites("raw") if not source or s.source in source]
    if not suites:
        raise UserError(f"no raw suite for {', '.join(source or [])}", hint="see expectations/suites/raw_*.py")
    report = run_gate("raw", suites=suites, raise_on_failure=False)
    summary = report.summary()
    out.print(
        f"raw layer {'passed' if report.success else 'FAILED'}: {summary['passed']}/{summary['expectations']} checks, "
        f"{summary['critical_failed']} critical, {summary['warnings_failed']} warnings in {report.seconds:.1f} s; "
        f"report {summary['report']}"
    )
    for r in report.critical_failures:
        out.print(f"  [red]critical[/red] {r.dataset}: {r.protects}")
    if not report.success:
        raise typer.Exit(1)
