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

from typing import Annotated

import typer

from cli.console import out
from edu_wh.errors import UserError
from ingest.batches import accept_batch, list_batches, withdraw_batch

batches_app = typer.Typer(
    no_args_is_help=True,
    help="Loaded batches: list them, withdraw a bad one, accept a volume change, check the raw layer.",
)
app = typer.Typer()
app.add_typer(batches_app, name="batches")


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
    from expectations.framework import discover_suites
    from expectations.gate import run_gate

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
