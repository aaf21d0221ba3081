"""``make demo``: the embedded sample through Airflow to a published release.

1. start the embedded warehouse and bootstrap it;
2. land the real sample files and a synthetic scale-1 drop (``edu-wh synth``; generated, never
   committed), and start fake data.egov.kz / budget publishers on 127.0.0.1 serving the drop's
   API fixtures (no network is used);
3. build the dbt manifest (``dbt parse``, in a second process while 1 and 2 run) and migrate the
   local Airflow metadata DB;
4. run every ingest DAG, then ``transform_publish`` and ``export_release`` (in production the
   latter two are triggered by assets), with ``dag.test()`` (task logs go to
   ``EDU_WH_HOME/logs/demo-*.log``);
5. print what the release contains and where its files and portal are.

Why ``dag.test()`` and not the scheduler: the DAGs, tasks and code are the ones the scheduler runs,
but the scheduler, DAG processor, triggerer and API server (``make airflow``) need about 1 GiB and
half a minute before the first task, and then start one process per task; ``dag.test()`` runs the
same tasks one after the other in this process, and ends when the release is written. The path
through the real scheduler is tested (``tests/reliability/test_scheduler_chain.py``) and measured
(``make bench``).

Run it again and every file reports "already loaded": the build plan finds nothing new, so dbt, the
gate and the publish are skipped and the release stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from edu_wh.errors import UserError


@contextlib.contextmanager
def captured_output(path: Path):
    """Send everything written to fd 1/2 (Airflow's task logs) to a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def ingest_dag_ids() -> list[str]:
    from orchestration.dags import ingest_families

    return [f"ingest_{family}" for family in ingest_families()]


def parsing_for(dag_id: str):
    """Airflow's parsing context naming ``dag_id``, as a task process has: ``dag.test()`` re-parses
    the whole DAG folder on every call, and with the context the DAG files build only this DAG
    (``orchestration.dags.wanted``), not both Cosmos task groups each time."""
    from airflow.sdk.definitions.context import _AIRFLOW_PARSING_CONTEXT_DAG_ID as KEY

    from edu_wh.config import scoped_env

    return scoped_env(**{KEY: dag_id})


def run_dags(
    dag_ids: list[str],
    log_path: Path,
    *,
    conf: dict | None = None,
    on_done=None,
    dag_folder: Path | None = None,
    dag_file: Path | None = None,
) -> dict[str, str]:
    """Run DAGs one after the other with dag.test(); returns dag_id → final state. The DagBag is
    filled once with every DAG of the folder, or of ``dag_file`` alone (its import errors stop the
    run); each ``dag.test()`` then parses for its own DAG only (:func:`parsing_for`). ``dag_folder``
    must be Airflow's configured DAG folder (``dag.test()`` in Airflow 3.3 runs only DAGs it finds
    in a bundle)."""
    from orchestration.airflow_env import apply_airflow_env, migrate_metadata_db

    apply_airflow_env()
    if dag_folder:
        os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dag_folder)
    migrate_metadata_db()
    states = {}
    with captured_output(log_path):
        from airflow.dag_processing.dagbag import DagBag

        from edu_wh.config import DAGS_DIR

        bag = DagBag(dag_folder=str(dag_file or dag_folder or DAGS_DIR))
    if bag.import_errors:
        raise UserError(
            "DAG import errors: "
            + "; ".join(f"{k}: {v.strip().splitlines()[-1]}" for k, v in bag.import_errors.items())
        )
    for dag_id in dag_ids:
        started = time.perf_counter()
        with captured_output(log_path), parsing_for(dag_id):
            dag_run = bag.dags[dag_id].test(run_conf=conf)
        states[dag_id] = str(dag_run.state)
        if on_done:
            on_done(dag_id, states[dag_id], time.perf_counter() - started)
    return states


def run_demo(out, err) -> None:
    from cli.samples import ensure_synthetic_drop, publisher_fixtures, stage_samples, stage_synthetic
    from edu_wh.bootstrap import bootstrap
    from edu_wh.config import DAGS_DIR, settings
    from edu_wh.warehouse import connect, ensure_warehouse
    from ingest.fake_publishers import fake_publishers
    from ingest.registry import all_sources
    from orchestration.airflow_env import apply_airflow_env, migrate_metadata_db

    apply_airflow_env()  # before anything imports airflow
    started = time.perf_counter()
    # dbt parses the project (no database) in a second process while the warehouse starts, the
    # samples land and the ingest DAGs run: on a fresh home that parse takes ~9 s
    parse = _start_manifest_build(settings().home / "logs" / "manifest.log")
    # and Airflow creates its metadata DB (``airflow db migrate``, also a child process) meanwhile
    migrating = ThreadPoolExecutor(1, thread_name_prefix="airflow-db-migrate")
    migration = migrating.submit(migrate_metadata_db)
    cfg = ensure_warehouse()
    with connect() as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    out.print(f"[bold]warehouse[/bold] {cfg.redacted_url()}")
    staged = stage_samples()
    drop = ensure_synthetic_drop()
    synthetic = stage_synthetic(drop)
    out.print(
        f"[bold]landing[/bold] {len(staged)} real sample file(s) and {len(synthetic)} synthetic file(s) "
        f"(scale 1, marked synthetic) in {cfg.landing_dir}"
    )
    migration.result()
    migrating.shutdown()
    log_path = cfg.home / "logs" / f"demo-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
    out.print(
        f"[bold]airflow[/bold] running the DAGs in this process with dag.test() (the scheduler's tasks, one after "
        f"the other, without starting the scheduler: `make airflow` runs that); task logs in {log_path}"
    )

    def done(dag_id: str, state: str, seconds: float) -> None:
        colour = "green" if state == "success" else "red"
        out.print(f"  {dag_id:<22} [{colour}]{state}[/{colour}] in {seconds:.1f} s")

    since_batch = _last_batch_id()
    with fake_publishers(publisher_fixtures(drop)) as fakes:
        out.print(f"[bold]publishers[/bold] fake data.egov.kz {fakes.egov.url}, fake budget portal {fakes.budget.url}")
        # the ingest DAGs need no dbt manifest: they run while the child process still parses the project
        # (dags/ingest.py alone; the other DAG files read the manifest when they build their DAGs)
        states = run_dags(ingest_dag_ids(), log_path, on_done=done, dag_file=DAGS_DIR / "ingest.py")
    _finish_manifest_build(parse)
    states |= run_dags(["transform_publish", "export_release"], log_path, on_done=done)
    _print_loads(out, since_batch)
    failed = [d for d, s in states.items() if s != "success"]
    if failed:
        raise UserError(
            f"DAG run(s) failed: {', '.join(failed)}; published tables were left as they were",
            hint=f"see {log_path} and the latest gate report in {cfg.reports_dir}",
        )
    from publication.summary import release_summary

    out.print(release_summary())
    out.print(f"[bold]done[/bold] in {time.perf_counter() - started:.0f} s")


def _start_manifest_build(log_path: Path):
    """``edu-wh manifest`` in a child process, unless the manifest is current; None then."""
    import subprocess

    from edu_wh.dbt_runner import manifest_is_current

    if manifest_is_current():
        return None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "manifest"],
            cwd=Path(__file__).resolve().parents[1],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    return process


def _finish_manifest_build(process) -> None:
    """Wait for :func:`_start_manifest_build`'s parse; its failure stops the demo with dbt's words."""
    from edu_wh.dbt_runner import build_manifest

    if process is not None and process.wait() != 0:
        tail = process.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise UserError("dbt could not parse the project: " + " | ".join(tail), hint=f"see {process.log_path}")
    build_manifest()  # a no-op when the child built it; parses here if the project changed meanwhile


def _last_batch_id() -> int:
    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        return conn.execute("select coalesce(max(batch_id), 0) from meta.load_batches").fetchone()[0]


def _print_loads(out, since_batch: int = 0) -> None:
    """Every landed file's latest batch; files loaded before this run say 'already loaded'."""
    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        batches = conn.execute(
            "select batch_id, source, source_file, status, rows_loaded, rows_quarantined, error "
            "from meta.load_batches "
            "where batch_id in (select max(batch_id) from meta.load_batches group by source, file_sha256) "
            "order by source, source_file"
        ).fetchall()
    new = sum(1 for b in batches if b[0] > since_batch)
    out.print(f"[bold]loads[/bold] {new} file(s) loaded by this run, {len(batches) - new} already loaded before")
    for batch_id, source, file, status, rows, quarantined, error in batches:
        detail = f"{rows:,} rows, {quarantined:,} quarantined" if status == "loaded" else (error or "")
        if status == "loaded" and batch_id <= since_batch:
            status = "already loaded"
        out.print(f"  {source:<20} {file:<55} {status:<14} {detail}")
