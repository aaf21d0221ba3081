"""Fixtures of the reliability tests.

* Tests marked ``reliability_long`` run only when asked for (``make reliability``, i.e.
  ``pytest -m reliability_long``); ``make test`` skips them.
* ``release_copy``: a private copy (``CREATE DATABASE … TEMPLATE``) of the session's released
  database, in which the samples, the synthetic drop and both fake publishers already went through
  every ingest DAG and ``transform_publish``. Tests that kill, reload or republish work on the
  copy, so the shared ``released_warehouse`` stays as the other tests expect it.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.conftest import admin_url, drop_database


def pytest_collection_modifyitems(config, items):
    wanted = "reliability_long" in (config.getoption("markexpr") or "")
    if wanted:
        return
    skip = pytest.mark.skip(reason="long fault-injection test: run with `make reliability`")
    for item in items:
        if "reliability_long" in item.keywords:
            item.add_marker(skip)


def copy_database(template: str, prefix: str) -> str:
    """A copy of ``template``. PostgreSQL copies only a database nobody is connected to: idle
    sessions left on it (the GX gate's SQLAlchemy pool is not disposed after a run) are ended first;
    a session in the middle of something is waited for."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    deadline = time.monotonic() + 60
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        while True:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = %s and state = 'idle' and pid <> pg_backend_pid()",
                (template,),
            )
            try:
                conn.execute(f'create database "{name}" template "{template}"')
                return name
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


@pytest.fixture
def release_copy(released_db, monkeypatch, tmp_path):
    """A fresh copy of the released database; every component points at it (EDU_WH_DATABASE_URL)."""
    from urllib.parse import urlsplit

    template = urlsplit(released_db["EDU_WH_DATABASE_URL"]).path.lstrip("/")
    name = copy_database(template, "relcopy")
    url = admin_url(name)
    with psycopg.connect(url) as conn:
        from edu_wh.bootstrap import bootstrap
        from ingest.registry import all_sources

        bootstrap(conn, all_sources())  # database-level grants are not copied with the template
        conn.commit()
    monkeypatch.setenv("EDU_WH_DATABASE_URL", url)
    monkeypatch.setenv("EDU_WH_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("EDU_WH_RELEASES_DIR", str(tmp_path / "releases"))
    yield url
    drop_database(name)
