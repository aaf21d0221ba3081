"""What the reliability tests share: the whole pipeline without Airflow, hashes, grains, figures.

The pipeline here is the one ``transform_publish`` runs (``orchestration.tasks``): load what landed,
``drop_candidate`` + ``dbt build`` into ``candidate``, the GX gate, the swap. Airflow is left out
because these tests kill, restart and repeat the steps themselves (tests/test_pipeline.py and
tests/test_concurrency.py run the same steps through ``dag.test()``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.conftest import REPO


def stage_all_inputs() -> Path:
    """Land the real samples and the synthetic scale-1 drop (files), as the demo does; returns the drop."""
    from cli.samples import ensure_synthetic_drop, stage_samples, stage_synthetic

    stage_samples()
    drop = ensure_synthetic_drop()
    stage_synthetic(drop)
    return drop


def load_all_inputs(drop: Path, *, reload: bool = False) -> dict[str, dict]:
    """Fetch the API sources from fake publishers serving ``drop`` and load every source's landing
    folder; returns source → landing summary. Nothing may be refused."""
    from cli.samples import publisher_fixtures
    from ingest.fake_publishers import fake_publishers
    from ingest.registry import NETWORKED_SOURCES, SOURCE_MODULES
    from orchestration.tasks import fetch_source, load_landing

    summaries = {}
    with fake_publishers(publisher_fixtures(drop)):
        for source in NETWORKED_SOURCES:
            fetch_source(source)
        for source in SOURCE_MODULES:
            summary = load_landing(source, reload=reload)
            assert not summary.rejected, summary.rejected
            summaries[source] = summary.as_dict()
    return summaries


def transform_gate_publish(run_id: str) -> dict:
    """``edu-wh transform`` + ``gate`` + ``publish`` under the pipeline lease, as transform_publish does."""
    from edu_wh.dbt_runner import dbt_command
    from edu_wh.lease import pipeline_lease
    from orchestration.tasks import drop_candidate, publish_release, run_gate

    with pipeline_lease("transform_gate_publish", run_id=run_id):
        drop_candidate()
        dbt_command(["build"])
        run_gate(run_id)  # raises GateFailed on a critical failure
        return publish_release(run_id)


def prepare_variant(label: str) -> None:
    """A candidate that differs from the current release in ``territories`` and ``school_counts``
    (Almaty city's English name), gated by the real GX gate, not yet published.

    Built with SQL from the current release instead of dbt (a dbt build takes a minute), as
    tests/test_concurrency.py does; the gate and the swap are the real ones."""
    from edu_wh.warehouse import connect
    from orchestration.tasks import run_gate
    from publication.swap import schema_tables

    with connect("transformer", autocommit=True) as conn:
        conn.execute("drop schema if exists candidate cascade")
        conn.execute("create schema candidate")
        for table in schema_tables(conn, "published"):
            conn.execute(f'create table candidate."{table}" as select * from published."{table}"')
        conn.execute("update candidate.territories set name_en = %s where kato_code = '750000000'", (label,))
        conn.execute(
            "update candidate.school_counts set territory_name_en = %s where kato_code = '750000000'", (label,)
        )
    run_gate(f"test__{label}")


def current_release(conn: psycopg.Connection) -> tuple[int, str, dict] | None:
    return conn.execute(
        "select release_id, content_hash, table_hashes from meta.releases where status = 'current'"
    ).fetchone()


def published_hashes(conn: psycopg.Connection) -> dict[str, str]:
    """Content hash of every published table, recomputed now (publication.swap.table_hash)."""
    from edu_wh.hashes import content_hashes

    hashes, _, _ = content_hashes(conn, "published")
    return hashes


# --- grains --------------------------------------------------------------------------------------


def manifest_grains() -> list[tuple[str, str, list[str]]]:
    """(schema, relation, grain columns) of every dbt model that is a table or view, from the manifest."""
    from edu_wh.config import settings

    manifest = json.loads((settings().dbt_target_dir / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("materialized") == "ephemeral":
            continue
        grain = (node["config"].get("meta") or {}).get("grain") or (node.get("meta") or {}).get("grain")
        if not grain:
            continue
        columns = [grain] if isinstance(grain, str) else list(grain)
        out.append((node["schema"], node.get("alias") or node["name"], columns))
    return sorted(out)


def grain_duplicates(conn: psycopg.Connection, schema: str, relation: str, columns: list[str]) -> int | None:
    """Rows beyond the first per grain key (None when the relation is not in the database)."""
    from psycopg import sql

    exists = conn.execute(
        "select 1 from information_schema.tables where table_schema = %s and table_name = %s", (schema, relation)
    ).fetchone()
    if not exists:
        return None
    key = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    query = sql.SQL("select coalesce(sum(n - 1), 0) from (select count(*) as n from {}.{} group by {}) as g").format(
        sql.Identifier(schema), sql.Identifier(relation), key
    )
    return int(conn.execute(query).fetchone()[0])


# --- figures for docs/RELIABILITY.md -------------------------------------------------------------

RESULTS_ENV = "EDU_WH_RELIABILITY_RESULTS"


def record_figures(area: str, case: str, *, injected: int, survived: int, lost: int = 0, **details) -> None:
    """Append one line of figures when ``python -m tests.reliability.report`` runs the suite."""
    target = os.environ.get(RESULTS_ENV)
    if not target:
        return
    line = {"area": area, "case": case, "injected": injected, "survived": survived, "lost": lost, **details}
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def wait_for(predicate, *, timeout: float, poll: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


__all__ = ["REPO"]


def start_script(script: str, *args: str) -> subprocess.Popen:
    """``python -c script args`` in the repository with this process's environment, output piped
    (the callers read it with ``communicate()`` once the process is killed or done)."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
