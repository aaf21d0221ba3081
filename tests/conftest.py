"""Test fixtures: a real embedded PostgreSQL, one fresh database per test, real dbt and Airflow.

* The session starts its own embedded server in ``.local/test/`` on a free port (never the
  demo's), and stops it at the end.
* ``warehouse``: a new, bootstrapped database for one test (a copy of a template database, ~0.1 s),
  selected through ``EDU_WH_DATABASE_URL`` exactly as a user would point the CLI at a server.
* ``seeded``: the same with the dbt seeds built (what a raw suite reads), for the raw-suite tests.
* ``released_warehouse``: a database in which the whole pipeline already ran once through
  Airflow's ``dag.test()``; shared by the tests that only read from it.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[1]
# EDU_WH_TEST_HOME lets several test sessions run side by side (each with its own server); under
# pytest-xdist every worker is such a session of its own (gw0, gw1, … below the home).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
TEST_HOME = Path(os.environ.get("EDU_WH_TEST_HOME") or REPO / ".local" / "test").resolve()
if WORKER:
    TEST_HOME = TEST_HOME / WORKER
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "data" / "samples"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pytest_configure(config):
    # Before any test module imports airflow or reads settings.
    os.environ["EDU_WH_HOME"] = str(TEST_HOME)
    if WORKER:  # a worker inherits the controller's environment: its own server needs its own port
        os.environ["EDU_WH_TEST_PG_PORT"] = str(_free_port())
    os.environ.setdefault("EDU_WH_TEST_PG_PORT", str(_free_port()))
    os.environ["EDU_WH_PG_PORT"] = os.environ["EDU_WH_TEST_PG_PORT"]
    os.environ.pop("EDU_WH_DATABASE_URL", None)
    os.environ.pop("AIRFLOW_HOME", None)
    os.environ.pop("EDU_WH_DBT_TARGET_PATH", None)
    for key in [k for k in os.environ if k.startswith("AIRFLOW__")]:
        del os.environ[key]
    from orchestration.airflow_env import apply_airflow_env

    apply_airflow_env()


def admin_url(dbname: str = "postgres") -> str:
    return f"postgresql://postgres@127.0.0.1:{os.environ['EDU_WH_PG_PORT']}/{dbname}"


@pytest.fixture(scope="session")
def pg_server():
    from edu_wh.config import settings
    from edu_wh.warehouse import start_embedded, stop_embedded

    cfg = settings()
    stop_embedded(cfg)
    for leftover in ("pgdata", "landing", "quarantine", "reports", "releases"):
        shutil.rmtree(TEST_HOME / leftover, ignore_errors=True)
    start_embedded(cfg)
    yield cfg
    stop_embedded(cfg)


@pytest.fixture(scope="session")
def template_db(pg_server) -> str:
    from edu_wh.bootstrap import bootstrap
    from ingest.registry import all_sources

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute("drop database if exists edu_wh_template")
        conn.execute("create database edu_wh_template")
    with psycopg.connect(admin_url("edu_wh_template")) as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    return "edu_wh_template"


def new_database(template: str, prefix: str = "t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template}"')
    from edu_wh.bootstrap import bootstrap
    from ingest.registry import all_sources

    with psycopg.connect(admin_url(name)) as conn:
        bootstrap(conn, all_sources())  # database-level grants are not copied from the template
        conn.commit()
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _fresh_database(template: str, monkeypatch, tmp_path):
    """A copy of ``template`` that every component points at (EDU_WH_DATABASE_URL), dropped afterwards."""
    name = new_database(template)
    url = admin_url(name)
    monkeypatch.setenv("EDU_WH_DATABASE_URL", url)
    monkeypatch.setenv("EDU_WH_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("EDU_WH_RELEASES_DIR", str(tmp_path / "releases"))
    yield url
    drop_database(name)


@pytest.fixture
def warehouse(template_db, monkeypatch, tmp_path) -> str:
    """A fresh bootstrapped database; every component points at it via EDU_WH_DATABASE_URL."""
    yield from _fresh_database(template_db, monkeypatch, tmp_path)


@pytest.fixture
def db(warehouse):
    with psycopg.connect(warehouse, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def seeded_template(template_db) -> str:
    """A bootstrapped database with the dbt seeds built once (``dbt seed``), copied for each test."""
    from edu_wh.dbt_runner import dbt_command

    name = new_database(template_db, prefix="seeded_template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDU_WH_DATABASE_URL", admin_url(name))
        dbt_command(["seed"])
    with psycopg.connect(admin_url(), autocommit=True) as conn:  # a template must have no open sessions
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
    yield name
    drop_database(name)


@pytest.fixture
def seeded(seeded_template, monkeypatch, tmp_path) -> str:
    """A fresh warehouse with the dbt seeds (schema ``reference``) built, as a build leaves it (what a
    raw suite reads: territories, code lists)."""
    yield from _fresh_database(seeded_template, monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def dbt_manifest(pg_server):
    from edu_wh.dbt_runner import build_manifest

    return build_manifest()


@pytest.fixture(scope="session")
def dagbag(dbt_manifest):
    from orchestration.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    from airflow.dag_processing.dagbag import DagBag

    from edu_wh.config import DAGS_DIR

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert not bag.import_errors, bag.import_errors
    return bag


def run_dag(dagbag, dag_id: str, conf: dict | None = None):
    """Run a DAG with dag.test(); returns the DagRun (which does not raise on task failure)."""
    return dagbag.dags[dag_id].test(run_conf=conf)


@pytest.fixture(scope="session")
def released_db(template_db, dagbag, tmp_path_factory):
    """A database in which the real samples and a synthetic scale-1 drop went through every ingest
    DAG (the API sources from fake publishers on 127.0.0.1) and transform_publish once."""
    from cli.demo import ingest_dag_ids
    from cli.samples import ensure_synthetic_drop, publisher_fixtures, stage_samples, stage_synthetic
    from ingest.fake_publishers import fake_publishers

    name = new_database(template_db, prefix="released")
    tmp = tmp_path_factory.mktemp("released")
    env = {
        "EDU_WH_DATABASE_URL": admin_url(name),
        "EDU_WH_LANDING_DIR": str(tmp / "landing"),
        "EDU_WH_RELEASES_DIR": str(tmp / "releases"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        stage_samples()
        drop = ensure_synthetic_drop()
        stage_synthetic(drop)
        with fake_publishers(publisher_fixtures(drop)):
            states = {dag_id: str(run_dag(dagbag, dag_id).state) for dag_id in [*ingest_dag_ids(), "transform_publish"]}
    assert set(states.values()) == {"success"}, states
    yield env
    drop_database(name)


@pytest.fixture
def publishers(released_db):
    """The fake data.egov.kz and budget portal serving the synthetic drop, for DAG reruns."""
    from cli.samples import ensure_synthetic_drop, publisher_fixtures
    from ingest.fake_publishers import fake_publishers

    with fake_publishers(publisher_fixtures(ensure_synthetic_drop())) as fakes:
        yield fakes


@pytest.fixture
def released_warehouse(released_db, monkeypatch) -> str:
    for key, value in released_db.items():
        monkeypatch.setenv(key, value)
    return released_db["EDU_WH_DATABASE_URL"]
