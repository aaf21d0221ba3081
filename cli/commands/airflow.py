"""Airflow commands: the local Airflow UI (``make airflow``) and the server stack's ``.env``."""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.console import out

#: the simple auth manager writes the generated admin password here (inside AIRFLOW_HOME)
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"


def standalone_env(port: int) -> dict[str, str]:
    """The environment ``airflow standalone`` runs with: the project's local settings, 127.0.0.1 only."""
    from orchestration.airflow_env import apply_airflow_env

    env = apply_airflow_env()
    os.environ.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            # one machine: the DAG files change with a deploy or `make manifest`, and a change shows
            # within two minutes. Every 30 s (Airflow's default) the DAG processor re-parsed all four
            # files (~4 s of CPU, both Cosmos groups) beside the pipeline's own tasks on two cores
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "120",
        }
    )
    # `airflow standalone` starts its components as `airflow …` from PATH: this venv's, even unactivated
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join(
        [bin_dir, *(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != bin_dir)]
    )
    return {**env, **os.environ}


app = typer.Typer()


@app.command("airflow-standalone")
def airflow_standalone(
    port: Annotated[int, typer.Option(help="Port of the Airflow UI and API on 127.0.0.1.")] = 8080,
) -> None:
    """The Airflow UI on http://127.0.0.1:8080 with every DAG, against the configured warehouse (no Docker).

    Starts the embedded warehouse if needed and bootstraps it, builds the dbt manifest, migrates
    the local Airflow metadata DB, then runs ``airflow standalone`` in this process (Ctrl-C stops it).
    """
    from edu_wh.bootstrap import bootstrap
    from edu_wh.dbt_runner import build_manifest
    from edu_wh.warehouse import connect, ensure_warehouse
    from ingest.registry import all_sources
    from orchestration.airflow_env import migrate_metadata_db

    env = standalone_env(port)
    cfg = ensure_warehouse()
    with connect() as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    out.print(f"warehouse ready at {cfg.redacted_url()}")
    out.print(f"dbt manifest: {build_manifest()}")
    migrate_metadata_db()
    home = Path(env["AIRFLOW_HOME"])
    out.print(f"Airflow UI: http://127.0.0.1:{port}  (user admin; health: /api/v2/monitor/health)")
    out.print(f"admin password: in {home / PASSWORDS_FILE} once Airflow has started")
    out.print(f"landing folder: {cfg.landing_dir}/<source>/; logs: {home / 'logs'}; Ctrl-C stops Airflow")
    out.print(pause_note())
    sys.stdout.flush()
    os.execvpe(sys.executable, [sys.executable, "-m", "airflow", "standalone"], env)


def pause_note() -> str:
    """Which DAGs run by themselves once Airflow has parsed them, and which wait to be unpaused."""
    from orchestration.dags import ingest_families, ingest_schedule, paused_at_creation

    paused = [f"ingest_{f}" for f in ingest_families() if paused_at_creation(f)]
    running = [f"ingest_{f} ({ingest_schedule(f)})" for f in ingest_families() if not paused_at_creation(f)]
    return (
        f"unpaused when first parsed: {', '.join(running)} (they scan the landing folder), "
        "transform_publish and export_release (on their assets), backfill (manual); "
        f"paused: {', '.join(paused)} (they fetch from the publishers' APIs): unpause them where the network is there"
    )


def _secret(name: str) -> str:
    if name == "AIRFLOW_FERNET_KEY":
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(32)


def docker_env_text(example: str) -> str:
    """``.env.example`` with every ``NAME=CHANGE_ME`` line given a fresh secret of its own."""
    lines = []
    for line in example.splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=CHANGE_ME", line.strip())
        lines.append(f"{match.group(1)}={_secret(match.group(1))}" if match else line)
    return "\n".join(lines) + "\n"


@app.command("docker-env")
def docker_env() -> None:
    """Print a .env for docker-compose.yml: .env.example with a fresh random secret for each CHANGE_ME.

    Usage: ``edu-wh docker-env > .env`` (then keep .env private; it is git-ignored).
    """
    from edu_wh.config import REPO_ROOT

    sys.stdout.write(docker_env_text((REPO_ROOT / ".env.example").read_text(encoding="utf-8")))
