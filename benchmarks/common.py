"""What every benchmark section shares: the plan, the warehouse server, timing helpers, the machine."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ("ingest", "memory", "dbt", "publish", "airflow", "queries", "hostile")
TITLES = {
    "ingest": "1. Ingest throughput: the NEDB loader against COPY, pandas.to_sql and dlt",
    "memory": "2. Peak memory of the loader",
    "dbt": "3. dbt: full build and the incremental build after one new month",
    "publish": "4. Publish: the schema swap",
    "airflow": "5. Airflow: DagBag import and the end-to-end demo",
    "queries": "6. Analyst queries on the published and marts tables",
    "hostile": "7. Hostile workbooks: refused within 10 s and 300 MB",
}


@dataclass(frozen=True)
class Plan:
    """What one benchmark run does."""

    quick: bool
    repeat: int
    scales: list[int]
    ingest_rows: int  # COPY and the loader
    compare_rows: int  # the loader, to_sql and dlt
    memory_rows: tuple[int, int]
    query_runs: int
    demo_runs: int
    max_file_mb: int

    @classmethod
    def make(cls, quick: bool, repeat: int | None, scales: list[int] | None) -> Plan:
        if quick:
            return cls(True, repeat or 1, scales or [1], 20_000, 5_000, (5_000, 20_000), 3, repeat or 1, 512)
        repeat = repeat or 3
        return cls(
            False, repeat, scales or [1, 10], 1_000_000, 200_000, (100_000, 5_000_000), max(7, 3 * repeat), repeat, 4096
        )


# --- small helpers --------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def rnd(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def clean_child_env() -> dict[str, str]:
    """The environment without any edu-wh, Airflow or dbt setting (for the demo's own installation)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EDU_WH_", "AIRFLOW", "DBT_", "XDG_RUNTIME_DIR")) and k not in {"PYTHONPATH"}
    }
    env.update({"COLUMNS": "200", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"})
    return env


def check(label: str, value: float | None, op: str, target: float, unit: str = "") -> dict:
    """A figure against its target: PASS, MISS, or n/a when it was not measured."""
    if value is None:
        status = "n/a"
    elif op == ">=":
        status = "PASS" if value >= target else "MISS"
    elif op == "<=":
        status = "PASS" if value <= target else "MISS"
    elif op == "<":
        status = "PASS" if value < target else "MISS"
    else:
        raise ValueError(op)
    return {"label": label, "value": value, "op": op, "target": target, "unit": unit, "status": status}


def missed(checks: list[dict]) -> list[dict]:
    return [c for c in checks if c["status"] == "MISS"]


# --- the warehouse server the benchmark uses --------------------------------------------------------


class Server:
    """The benchmark's own embedded PostgreSQL (or the external server of EDU_WH_DATABASE_URL);
    each part of the benchmark gets its own bootstrapped database on it."""

    def __init__(self, home: Path):
        from edu_wh.config import settings

        self.external_url = os.environ.get("EDU_WH_DATABASE_URL") or None
        self.created: list[str] = []
        self.cfg = None
        if self.external_url:
            self.base_url = self.external_url
            self.prefix = "edu_wh_bench_"
        else:
            os.environ["EDU_WH_PG_PORT"] = str(free_port())
            self.cfg = settings()
            self.base_url = self.cfg.url
            self.prefix = "bench_"

    def start(self) -> None:
        if self.cfg is not None:
            from edu_wh.warehouse import start_embedded

            log(f"starting the benchmark's embedded PostgreSQL on 127.0.0.1:{self.cfg.pg_port} in {self.cfg.pgdata}")
            start_embedded(self.cfg)

    def stop(self) -> None:
        if self.cfg is not None:
            from edu_wh.warehouse import stop_embedded

            stop_embedded(self.cfg)
            log("stopped the benchmark's PostgreSQL")
        else:
            for name in self.created:
                with contextlib.suppress(Exception):
                    self.drop_database(name)

    def url(self, dbname: str) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit(parts._replace(path="/" + dbname))

    def admin(self):
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def create_database(self, suffix: str) -> str:
        """A new bootstrapped database (replacing one of the same name); returns its URL."""
        import psycopg

        from edu_wh.bootstrap import bootstrap
        from ingest.registry import all_sources

        name = self.prefix + suffix
        with self.admin() as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            conn.execute(f'create database "{name}"')
        self.created.append(name)
        with psycopg.connect(self.url(name)) as conn:
            bootstrap(conn, all_sources())
            conn.commit()
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    def version(self) -> str:
        with self.admin() as conn:
            return conn.execute("select version()").fetchone()[0]


# --- machine -------------------------------------------------------------------------------------------


def machine(server: Server) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    os_name = platform.system()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    packages = {}
    for name in ("apache-airflow", "dbt-core", "dbt-postgres", "great-expectations", "pandas", "pyarrow", "psycopg",
                 "sqlalchemy", "dlt", "astronomer-cosmos"):  # fmt: skip
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": ram_gb,
        "os": f"{os_name}, kernel {platform.release()}",
        "python": platform.python_version(),
        "postgresql": server.version(),
        "postgresql_server": "external (EDU_WH_DATABASE_URL)" if server.external_url else "embedded (pgserver)",
        "packages": packages,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
