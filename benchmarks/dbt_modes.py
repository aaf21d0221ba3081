"""Cosmos ``ExecutionMode.WATCHER`` against ``TestBehavior.BUILD`` for the release chain's dbt part.

    python -m benchmarks.dbt_modes [--home DIR]

In a fresh ``EDU_WH_HOME`` (its own embedded server on a free port): the real samples and the
synthetic scale-1 drop go through every ingest DAG, then the release chain runs once per mode under
``dag.test()``, each a full build (``full_refresh``: the plan is ``full`` and dbt gets
``--full-refresh``, so both modes do the same work). Prints one JSON line: seconds per mode, the
dbt group's task count, and the run's state. ``make bench`` runs it in section 5 (``--only airflow``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scheduler_chain import free_port

#: the bench's DAG file: the release chain in each mode (Airflow 3.3's ``dag.test()`` runs only a DAG that
#: a DAG bundle holds, so the two DAGs live in a DAG folder beside copies of the project's DAG files)
DAG_FILE = """
from airflow.sdk import dag

from orchestration.dags import DEFAULT_ARGS, START_DATE, build_release_chain, wanted


def chain_dag(mode):
    @dag(dag_id=f"bench_release_chain_{mode}", schedule=None, start_date=START_DATE, catchup=False,
         default_args={**DEFAULT_ARGS, "retries": 0}, tags=["bench"])
    def chain():
        build_release_chain(full_refresh=True, dbt_mode=mode)

    return chain()


for mode in ("watcher", "build"):
    if wanted(f"bench_release_chain_{mode}"):
        globals()[f"bench_release_chain_{mode}"] = chain_dag(mode)
"""


def dag_folder(home: Path) -> Path:
    """The project's DAG files and the bench's, in one folder Airflow is pointed at."""
    import shutil

    from edu_wh.config import DAGS_DIR

    folder = home / "dags"
    folder.mkdir(parents=True, exist_ok=True)
    for path in DAGS_DIR.glob("*.py"):
        shutil.copy2(path, folder / path.name)
    (folder / "bench_release_chain.py").write_text(DAG_FILE, encoding="utf-8")
    return folder


def measure(home: Path) -> dict:
    os.environ.update({"EDU_WH_HOME": str(home), "EDU_WH_PG_PORT": str(free_port())})
    from orchestration.airflow_env import apply_airflow_env, migrate_metadata_db

    apply_airflow_env()
    folder = dag_folder(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(folder)  # before Airflow reads its configuration
    from cli.demo import ingest_dag_ids, run_dags
    from cli.samples import ensure_synthetic_drop, publisher_fixtures, stage_samples, stage_synthetic
    from edu_wh.bootstrap import bootstrap
    from edu_wh.dbt_runner import build_manifest
    from edu_wh.warehouse import connect, ensure_warehouse, stop_embedded
    from ingest.fake_publishers import fake_publishers
    from ingest.registry import all_sources

    ensure_warehouse()
    try:
        with connect() as conn:
            bootstrap(conn, all_sources())
            conn.commit()
        stage_samples()
        drop = ensure_synthetic_drop()
        stage_synthetic(drop)
        build_manifest()
        migrate_metadata_db()
        with fake_publishers(publisher_fixtures(drop)):
            states = run_dags(ingest_dag_ids(), home / "logs" / "ingest.log", dag_folder=folder)
        out: dict = {"ingest": states}
        for mode in ("watcher", "build"):
            dag_id = f"bench_release_chain_{mode}"
            started = time.perf_counter()
            state = run_dags([dag_id], home / "logs" / f"{mode}.log", dag_folder=folder)[dag_id]
            out[mode] = {
                "seconds": round(time.perf_counter() - started, 1),
                "state": state,
                "dbt_tasks": dbt_tasks(folder, dag_id),
            }
        return out
    finally:
        stop_embedded()


def dbt_tasks(folder: Path, dag_id: str) -> int:
    from airflow.dag_processing.dagbag import DagBag

    return len([t for t in DagBag(dag_folder=str(folder)).dags[dag_id].tasks if t.task_id.startswith("dbt.")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="EDU_WH_HOME to use (default: a new temporary directory)")
    args = parser.parse_args(argv)
    home = (args.home or Path(tempfile.mkdtemp(prefix="edu-wh-dbt-modes-"))).resolve()
    print(json.dumps(measure(home)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
