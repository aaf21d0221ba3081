"""Environment for running Airflow locally (SQLite metadata, AIRFLOW_HOME inside EDU_WH_HOME).

Used by the CLI (``edu-wh demo``, ``edu-wh airflow-standalone``), the Makefile and the tests, so every
local run sees the same DAG folder and settings. Nothing here is used in docker-compose, which
configures Airflow through its own environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from edu_wh.config import DAGS_DIR, REPO_ROOT, settings


def _fernet_key(home: Path) -> str:
    """A per-installation key, generated once and kept out of the repository (under .local/)."""
    path = home / "fernet.key"
    if path.exists():
        return path.read_text().strip()
    from cryptography.fernet import Fernet

    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key)
    path.chmod(0o600)
    return key


def airflow_env() -> dict[str, str]:
    cfg = settings()
    home = cfg.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": os.environ.get("AIRFLOW__CORE__FERNET_KEY") or _fernet_key(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        or f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
        # Cosmos' cache (the partial-parse file its dbt tasks share) per installation, not /tmp/cosmos
        "AIRFLOW__COSMOS__CACHE_DIR": str(cfg.home / "cosmos"),
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])),
        "NO_PROXY": "*",
    }
    return env


def apply_airflow_env() -> dict[str, str]:
    """Set the local Airflow environment in this process (before ``import airflow``)."""
    env = airflow_env()
    for key, value in env.items():
        if key in {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"}:
            os.environ.setdefault(key, value)
        else:
            os.environ[key] = value
    return env


def migrate_metadata_db() -> None:
    """Create or upgrade the local Airflow metadata DB (~5 s on a new file, fast when current)."""
    import subprocess
    import sys

    env = {**os.environ, **airflow_env()}
    marker = Path(env["AIRFLOW_HOME"]) / ".migrated"
    version_key = _airflow_version()
    if marker.exists() and marker.read_text() == version_key and (Path(env["AIRFLOW_HOME"]) / "airflow.db").exists():
        return
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    marker.write_text(version_key)


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")
