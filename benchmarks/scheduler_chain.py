"""The release chain through the real Airflow scheduler: landing → ingest → ``raw.*`` asset →
``transform_publish`` → ``published`` asset → ``export_release``, with no manual trigger.

:class:`LocalAirflow` prepares Airflow as ``make airflow`` does (warehouse bootstrap, dbt manifest,
SQLite metadata, the same settings), then starts the API server and, once it answers, the scheduler,
DAG processor and triggerer (LocalExecutor), in its own ``EDU_WH_HOME`` with the landing scan every
minute; it reads the runs from Airflow's metadata database. The scheduler test
(``tests/reliability/test_scheduler_chain.py``) and ``make bench`` (:func:`run`) both use it.
Only the standard library here: it runs under the test suite and the benchmark alike.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: a real BNS dynamic table (first delivery) and a real BNS bulletin (second delivery), data/samples/bns
FIRST_DELIVERY = ("bns_dynamic", REPO / "data" / "samples" / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx")
SECOND_DELIVERY = ("bns_bulletin", REPO / "data" / "samples" / "bns" / "education_organisations_finance_2022_kk.xls")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _at(text: str | None) -> float | None:
    return datetime.fromisoformat(text).timestamp() if text else None


_PREPARE = """
import json, sys
from cli.commands.airflow import standalone_env
env = standalone_env(int(sys.argv[1]))  # the settings `make airflow` uses, 127.0.0.1 only
from edu_wh.bootstrap import bootstrap
from edu_wh.dbt_runner import build_manifest
from edu_wh.warehouse import connect, ensure_warehouse
from ingest.registry import all_sources
from orchestration.airflow_env import migrate_metadata_db
ensure_warehouse()
with connect() as conn:
    bootstrap(conn, all_sources())
    conn.commit()
build_manifest()
migrate_metadata_db()
print("ENV " + json.dumps(env))
"""

COMPONENTS = ("scheduler", "dag-processor", "triggerer")


class LocalAirflow:
    """The API server, then the scheduler, DAG processor and triggerer (LocalExecutor, SQLite), each
    its own process group, prepared as ``make airflow`` prepares them; all stopped on exit.

    The API server answers before the others start: a task the scheduler starts earlier cannot reach
    the execution API, fails, and waits out its retry delay (seen under load with ``airflow standalone``)."""

    def __init__(self, home: Path, env: dict[str, str], *, scan_schedule: str = "* * * * *"):
        import secrets

        self.home = home
        self.port = free_port()
        self.env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW")}
        self.env.update(
            {
                "EDU_WH_HOME": str(home),
                "EDU_WH_LANDING_SCAN_SCHEDULE": scan_schedule,
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                # the log servers of the worker and triggerer: free ports, not another session's
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            }
        )
        self.log_path = home / "airflow-components.log"
        self.db = home / "airflow" / "airflow.db"
        self.procs: list[subprocess.Popen] = []
        self.started = 0.0
        self.ready_seconds = 0.0

    def _start(self, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(
            args, env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def __enter__(self) -> LocalAirflow:
        self.home.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.started = time.time()
        prepared = subprocess.run(
            [sys.executable, "-c", _PREPARE, str(self.port)],
            env=self.env, cwd=REPO, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        line = next((x for x in prepared.stdout.splitlines() if x.startswith("ENV ")), None)
        if prepared.returncode != 0 or not line:
            raise AssertionError(f"preparing Airflow failed: {prepared.stderr[-3000:]}")
        env = json.loads(line.removeprefix("ENV "))
        airflow = [sys.executable, "-m", "airflow"]
        try:
            self._start([*airflow, "api-server", "--port", str(self.port)], env)
            self.wait_for("the API server", self._healthy, timeout=300, poll=1.0)
            for component in COMPONENTS:
                self._start([*airflow, component], env)
        except BaseException:
            self.__exit__()
            raise
        self.ready_seconds = time.time() - self.started
        return self

    def _healthy(self) -> bool:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/monitor/health", timeout=5):  # noqa: S310
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        self._log.close()

    def output(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def _query(self, query: str, params: tuple = ()) -> list[tuple]:
        if not self.db.exists():
            return []
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10) as conn:
                return conn.execute(query, params).fetchall()
        except sqlite3.OperationalError:  # not migrated yet, or locked for longer than the timeout
            return []

    def runs(self, dag_id: str) -> list[dict]:
        """Every run of ``dag_id``: run_id, run_type, state, start and end (epoch seconds)."""
        rows = self._query(
            "select run_id, run_type, state, start_date, end_date from dag_run where dag_id = ? order by id", (dag_id,)
        )
        return [{"run_id": r[0], "run_type": r[1], "state": r[2], "start": _at(r[3]), "end": _at(r[4])} for r in rows]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        return {t["task_id"]: t["state"] for t in self.task_times(dag_id, run_id)}

    def task_times(self, dag_id: str, run_id: str) -> list[dict]:
        """Every task of a run with its state and when it started and ended (seconds after the run
        started), in order of start: where a run's time goes."""
        start = next((r["start"] for r in self.runs(dag_id) if r["run_id"] == run_id), None) or 0.0
        rows = self._query(
            "select task_id, state, start_date, end_date from task_instance where dag_id = ? and run_id = ?",
            (dag_id, run_id),
        )
        times = [
            {"task_id": t, "state": s, "start": round(_at(a) - start, 1) if a else None,
             "end": round(_at(b) - start, 1) if b else None}
            for t, s, a, b in rows
        ]  # fmt: skip
        return sorted(times, key=lambda x: (x["start"] is None, x["start"] or 0.0))

    def wait_for(self, what: str, predicate: Callable[[], object], timeout: float, poll: float = 2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise AssertionError(
                    f"{dead[0].args[3]} exited ({dead[0].returncode}) waiting for {what}: {self.output()}"
                )
            value = predicate()
            if value:
                return value
            time.sleep(poll)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; Airflow's log: {self.output()}")


def land(landing_dir: Path, delivery: tuple[str, Path]) -> float:
    """Copy a delivery into ``landing/<source>/`` (written aside, then renamed in); returns when."""
    source, path = delivery
    folder = landing_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{path.name}.part"
    shutil.copyfile(path, partial)
    partial.rename(folder / path.name)
    return time.time()


def finished(runs: list[dict], after: float = 0.0) -> list[dict]:
    return [r for r in runs if r["state"] in {"success", "failed"} and (r["end"] or 0) >= after]


def run_chain(workdir: Path, env: dict[str, str], landing_dir: Path, timeout: float = 900) -> dict:
    """Start Airflow, land the first delivery, wait for its release; land the second, wait again.
    Returns the figures (seconds) and the runs; raises AssertionError if a step does not happen."""
    figures: dict[str, float] = {}
    with LocalAirflow(workdir / "airflow-home", env) as airflow:
        figures["airflow_ready_seconds"] = airflow.ready_seconds
        landed = land(landing_dir, FIRST_DELIVERY)
        first = airflow.wait_for(
            "export_release after the first delivery",
            lambda: finished(airflow.runs("export_release")),
            timeout,
        )[0]
        transform_1 = finished(airflow.runs("transform_publish"))[0]
        figures["first_landing_to_release_seconds"] = first["end"] - landed
        print(f"scheduler chain: first release after {figures['first_landing_to_release_seconds']:.0f} s", flush=True)
        figures["transform_publish_full_seconds"] = transform_1["end"] - transform_1["start"]
        landed_2 = land(landing_dir, SECOND_DELIVERY)
        second = airflow.wait_for(
            "export_release after the second delivery",
            lambda: finished(airflow.runs("export_release"), after=landed_2),
            timeout,
        )[0]
        # export_release can end before transform_publish does (its teardown runs after the publish)
        transform_2 = airflow.wait_for(
            "transform_publish after the second delivery",
            lambda: finished(airflow.runs("transform_publish"), after=landed_2),
            timeout,
        )[0]
        figures["landing_to_release_seconds"] = second["end"] - landed_2
        figures["transform_publish_incremental_seconds"] = transform_2["end"] - transform_2["start"]
        return {
            "figures": {k: round(v, 1) for k, v in figures.items()},
            "runs": {d: airflow.runs(d) for d in ("ingest_bns", "transform_publish", "export_release")},
            "tasks": {
                "first": airflow.task_states("transform_publish", transform_1["run_id"]),
                "second": airflow.task_states("transform_publish", transform_2["run_id"]),
            },
            "transform_runs": (transform_1["run_id"], transform_2["run_id"]),
            "timeline": {
                "first": airflow.task_times("transform_publish", transform_1["run_id"]),
                "second": airflow.task_times("transform_publish", transform_2["run_id"]),
            },
            "export_states": (first["state"], second["state"]),
        }
