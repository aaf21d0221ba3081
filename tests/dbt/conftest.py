"""The marts world: one database per session with a generated scale-1 drop and the real samples,
built by the real dbt in three steps so that the incremental models can be compared with a full
refresh, and every marts test reads the same result.

1. everything but the newest NEDB extract (2024/25) and the last budget month (December 2024) is
   loaded, and ``dbt build`` runs (the incremental models start empty);
2. the held-back NEDB file and budget month are loaded and ``dbt build`` runs again: the
   incremental models merge only the new batches (``snapshots["incremental"]``);
3. ``dbt build --full-refresh`` rebuilds everything from scratch (``snapshots["full_refresh"]``):
   the timed full build at scale 1; the tests then read this final state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.conftest import admin_url, drop_database, new_database
from tests.dbt.world import fetch_and_load_api, grant_temporary, load_drop_files, load_samples, write_drop

HELD_BACK_NEDB = "nedb_schools_2024-25.csv"
BUDGET_UNTIL_FIRST = (2024, 11)
BUDGET_UNTIL_SECOND = (2024, 12)
#: incremental marts and the key that orders their rows for comparison
INCREMENTAL_MODELS = {
    "marts.fct_school_years": "bin, academic_year",
    "marts.fct_education_budget_monthly": "kato_code, year, month, program_key",
}


@dataclass
class MartsWorld:
    env: dict[str, str]
    url: str
    seconds: dict[str, float] = field(default_factory=dict)
    snapshots: dict[str, dict[str, list[tuple]]] = field(default_factory=dict)
    row_versions: dict[str, dict[str, dict]] = field(default_factory=dict)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)


def snapshot(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"select * from {table} order by {order}").fetchall()
            for table, order in INCREMENTAL_MODELS.items()
        }


def row_versions(url: str) -> dict[str, dict]:
    """xmin of every row of the incremental marts: a row the merge did not touch keeps its xmin."""
    with psycopg.connect(url) as conn:
        return {
            "fct_school_years": dict(
                conn.execute("select bin || ' ' || academic_year, xmin::text from marts.fct_school_years").fetchall()
            ),
            "fct_education_budget_monthly": dict(
                conn.execute(
                    "select concat_ws(' ', kato_code, year, month, program_key), xmin::text "
                    "from marts.fct_education_budget_monthly"
                ).fetchall()
            ),
        }


def timed_build(world: MartsWorld, step: str, args: list[str]) -> None:
    from edu_wh.dbt_runner import dbt_command

    started = time.perf_counter()
    dbt_command(args)
    world.seconds[step] = time.perf_counter() - started


@pytest.fixture(scope="session")
def synthetic_drop(tmp_path_factory) -> Path:
    return write_drop(tmp_path_factory.mktemp("marts") / "drop")


@pytest.fixture(scope="session")
def marts_world(template_db, synthetic_drop, tmp_path_factory) -> MartsWorld:
    name = new_database(template_db, prefix="marts")
    tmp = tmp_path_factory.mktemp("marts_world")
    url = admin_url(name)
    env = {
        "EDU_WH_DATABASE_URL": url,
        "EDU_WH_LANDING_DIR": str(tmp / "landing"),
        "EDU_WH_RELEASES_DIR": str(tmp / "releases"),
    }
    world = MartsWorld(env, url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        grant_temporary(url)  # also granted by edu_wh.bootstrap; kept for databases bootstrapped before
        # 1. all but the newest NEDB year and the last budget month
        load_samples()
        load_drop_files(synthetic_drop, skip=(HELD_BACK_NEDB,))
        fetch_and_load_api(synthetic_drop, budget_until=BUDGET_UNTIL_FIRST)
        timed_build(world, "first_build", ["build"])
        world.row_versions["before"] = row_versions(url)
        # 2. the new NEDB batch and budget month, merged incrementally
        load_drop_files(synthetic_drop, only=(HELD_BACK_NEDB,))
        fetch_and_load_api(synthetic_drop, budget_until=BUDGET_UNTIL_SECOND)
        timed_build(world, "incremental_build", ["build"])
        world.snapshots["incremental"] = snapshot(url)
        world.row_versions["after"] = row_versions(url)
        # 3. everything from scratch
        timed_build(world, "full_refresh_build", ["build", "--full-refresh"])
        world.snapshots["full_refresh"] = snapshot(url)
    yield world
    drop_database(name)


@pytest.fixture
def marts(marts_world, monkeypatch):
    """A connection to the built marts world; the settings point at its database."""
    for key, value in marts_world.env.items():
        monkeypatch.setenv(key, value)
    with marts_world.connect() as conn:
        yield conn
