"""``edu-wh``: the command line of the warehouse.

Every command works against the configured warehouse (``EDU_WH_DATABASE_URL``, or the embedded
PostgreSQL, started on demand). Errors are one readable line plus a hint; set ``EDU_WH_DEBUG=1``
for tracebacks.
"""

from __future__ import annotations

import csv
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, out
from edu_wh.errors import UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Education statistics warehouse for Almaty city and Almaty oblast.",
)


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("edu_wh").setLevel(logging.INFO if verbose else logging.WARNING)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False) -> None:
    _setup_logging(verbose)


# --- warehouse lifecycle -----------------------------------------------------------------------


@app.command()
def up() -> None:
    """Start the embedded warehouse (if not running) and create schemas, roles and tables."""
    from edu_wh.bootstrap import bootstrap
    from edu_wh.warehouse import connect, ensure_warehouse
    from ingest.registry import all_sources

    cfg = ensure_warehouse()
    with connect() as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    out.print(f"warehouse ready at {cfg.redacted_url()}")


@app.command()
def down() -> None:
    """Stop the embedded warehouse (data stays in EDU_WH_HOME/pgdata)."""
    from edu_wh.config import settings
    from edu_wh.warehouse import stop_embedded

    cfg = settings()
    if not cfg.embedded:
        out.print("EDU_WH_DATABASE_URL is set: the external warehouse is not managed here")
        return
    out.print("embedded warehouse stopped" if stop_embedded(cfg) else "embedded warehouse was not running")


@app.command()
def status() -> None:
    """Show the warehouse, the current release and the latest loads."""
    from edu_wh.config import settings
    from edu_wh.warehouse import connect, embedded_status

    cfg = settings()
    if cfg.embedded:
        st = embedded_status(cfg)
        state = f"running (pid {st['pid']})" if st["running"] else "stopped"
        out.print(f"embedded PostgreSQL: {state}, data in {st['pgdata']}, port {st['port']}")
        if not st["running"]:
            return
    with connect(start=False) as conn:
        rel = conn.execute(
            "select release_id, published_at, row_counts from meta.releases where status = 'current'"
        ).fetchone()
        out.print(
            f"current release: {rel[0]} published {rel[1]:%Y-%m-%d %H:%M} UTC" if rel else "no release published yet"
        )
        for row in conn.execute(
            "select source, count(*) filter (where status = 'loaded'), "
            "count(*) filter (where status = 'rejected'), max(finished_at) "
            "from meta.load_batches group by source order by source"
        ).fetchall():
            out.print(f"  {row[0]:<22} {row[1]} loaded, {row[2]} rejected, last {row[3]:%Y-%m-%d %H:%M}")


# --- ingest and query --------------------------------------------------------------------------


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="Source name, e.g. bns_dynamic (see `edu-wh sources`).")],
    path: Annotated[Path, typer.Argument(help="A file, or a folder of files, as delivered by the publisher.")],
    synthetic: Annotated[
        bool | None,
        typer.Option("--synthetic/--official", help="Mark the batch (default: detected from the generator's marker)."),
    ] = None,
    allow_volume_drop: Annotated[
        bool, typer.Option(help="Accept a delivery much smaller than the previous one.")
    ] = False,
) -> None:
    """Load a delivered file (or every file in a folder) into raw. Loading a file twice is a no-op."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from edu_wh.bootstrap import bootstrap
    from edu_wh.warehouse import connect
    from ingest.loader import load_file
    from ingest.registry import all_sources, get_source

    src = get_source(source)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    from ingest.loader import is_landing_file

    files = (
        sorted({p for pattern in src.file_patterns for p in path.rglob(pattern) if is_landing_file(p)})
        if path.is_dir()
        else [path]
    )
    if not files:
        raise UserError(f"{path}: no files matching {', '.join(src.file_patterns)}")
    with connect() as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    failures = 0
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        for file in files:
            task = progress.add_task(f"loading {file.name}")
            try:
                result = load_file(
                    src,
                    file,
                    synthetic=synthetic,
                    allow_volume_drop=allow_volume_drop,
                    on_progress=lambda n, t=task, f=file: progress.update(
                        t, description=f"loading {f.name}: {n:,} rows"
                    ),
                )
                out.print(result.summary())
            except UserError as exc:
                failures += 1
                err.print(f"[red]refused[/red] {exc}")
            progress.remove_task(task)
    if failures:
        raise typer.Exit(1)


@app.command()
def sources() -> None:
    """List the sources and their raw tables."""
    from ingest.registry import all_sources

    for src in all_sources():
        out.print(f"{src.name:<22} {src.raw_table.qualified:<36} {src.publisher}")


@app.command()
def query(
    sql_text: Annotated[str, typer.Argument(metavar="SQL", help="A query; results are printed as CSV.")],
    role: Annotated[
        str | None, typer.Option(help="Run as a warehouse role: loader, transformer, analyst, ministry_reader.")
    ] = None,
) -> None:
    """Run SQL against the warehouse and print CSV on stdout (starts the embedded server if needed)."""
    import psycopg

    from edu_wh.warehouse import connect

    with connect(role, autocommit=True, application_name="edu-wh query") as conn:
        try:
            cur = conn.execute(sql_text)
        except psycopg.Error as exc:
            raise UserError(f"query failed: {str(exc).strip().splitlines()[0]}") from exc
        if cur.description is None:
            err.print(f"{cur.statusmessage}")
            return
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([col.name for col in cur.description])
        for row in cur:
            writer.writerow(["" if v is None else v for v in row])


# --- transform, gate, publish (without Airflow) ----------------------------------------------------


@app.command()
def manifest(
    force: Annotated[
        bool, typer.Option(help="Parse even if the project has not changed since the last parse.")
    ] = False,
) -> None:
    """Build the dbt manifest Cosmos renders the DAGs from (dbt parse; no database access); a no-op while
    the project files and settings are those it was parsed from."""
    from edu_wh.dbt_runner import build_manifest

    out.print(f"manifest: {build_manifest(force=force)}")


@app.command()
def transform() -> None:
    """dbt build into the candidate schema (what the transform_publish DAG's dbt group does)."""
    from edu_wh.dbt_runner import RELEASE_BUILD_ENV, dbt_command
    from edu_wh.lease import pipeline_lease
    from orchestration.tasks import drop_candidate

    with pipeline_lease("transform"):
        drop_candidate()
        dbt_command(["build"], quiet=False, env=RELEASE_BUILD_ENV)


@app.command()
def gate() -> None:
    """Run the Great Expectations gate on the candidate schema."""
    from edu_wh.lease import pipeline_lease
    from orchestration.tasks import run_gate

    with pipeline_lease("gate") as run_id:
        summary = run_gate(run_id)
    out.print(
        f"gate passed: {summary['passed']}/{summary['expectations']} checks, "
        f"{summary['warnings_failed']} warnings; report {summary['report']}"
    )


@app.command()
def publish() -> None:
    """Swap the checked candidate into published (nothing happens if it equals the current release)."""
    from edu_wh.lease import pipeline_lease
    from publication.swap import publish as _publish

    with pipeline_lease("publish") as run_id:
        out.print(_publish(run_id=run_id).summary())


@app.command()
def rollback(
    to: Annotated[int | None, typer.Option("--to", help="Release id (default: the previous one).")] = None,
) -> None:
    """Make a previous release current again."""
    from edu_wh.lease import pipeline_lease
    from publication.swap import rollback as _rollback

    with pipeline_lease("rollback"):
        result = _rollback(to)
    out.print(f"release {result.release_id} is current again (was {result.previous_release_id})")


@app.command()
def releases() -> None:
    """List releases kept in the warehouse."""
    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        for row in conn.execute(
            "select release_id, status, schema_name, published_at, content_hash, run_id "
            "from meta.releases order by release_id desc"
        ).fetchall():
            out.print(
                f"{row[0]:>4}  {row[1]:<11} {row[2]:<14} {row[3]:%Y-%m-%d %H:%M:%S}  {row[4][:12]}  {row[5] or ''}"
            )


@app.command()
def unlock() -> None:
    """Release the pipeline lease held by a run that is known to be dead."""
    from edu_wh.lease import release_pipeline_lock

    out.print("lock released" if release_pipeline_lock(force=True) else "no lock was held")


# --- the whole thing through Airflow -------------------------------------------------------------


@app.command()
def demo() -> None:
    """Run the pipeline through Airflow on the embedded sample and publish a release."""
    from cli.demo import run_demo

    run_demo(out, err)


def register_commands(target: typer.Typer) -> None:
    """The commands of other areas, registered explicitly: each module in cli/commands/ has its own
    ``app`` (a Typer) whose commands and groups are added here. Adding a module means adding it here."""
    from cli.commands import airflow, batches, claims, new_source, publishers, release, synth

    for module in (airflow, batches, claims, new_source, publishers, release, synth):
        target.registered_commands.extend(module.app.registered_commands)
        target.registered_groups.extend(module.app.registered_groups)


register_commands(app)


def run() -> None:
    """Entry point with readable errors."""
    try:
        app()
    except UserError as exc:
        err.print(f"[bold red]error:[/bold red] {exc.message}")
        if exc.hint:
            err.print(f"[yellow]hint:[/yellow] {exc.hint}")
        if os.environ.get("EDU_WH_DEBUG"):
            raise
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into one line
        if os.environ.get("EDU_WH_DEBUG"):
            raise
        err.print(
            f"[bold red]error:[/bold red] unexpected {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )
        err.print("[yellow]hint:[/yellow] rerun with EDU_WH_DEBUG=1 for the traceback, and report it if it is a bug")
        sys.exit(1)
