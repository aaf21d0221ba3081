"""The production path: the real scheduler, DAG processor and triggerer (``airflow standalone``,
LocalExecutor) take a landed file to a published release and its files with no manual trigger, and a
second delivery rebuilds only the part of the warehouse downstream of it.

Long (Airflow's four processes, ~1 GiB, several minutes on two cores): run by ``make reliability``."""

from __future__ import annotations

import psycopg
import pytest

from benchmarks.scheduler_chain import run_chain

pytestmark = [pytest.mark.reliability_long, pytest.mark.timeout(4 * 3600)]


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "reliability_long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long test: run with `make reliability` (pytest -m reliability_long)")


def test_landed_files_reach_a_release_through_the_scheduler_and_a_second_delivery_rebuilds_only_its_part(
    warehouse, tmp_path
):
    import os

    from edu_wh.config import settings

    cfg = settings()
    # Given the real BNS table of schools landed, When Airflow runs by itself (nothing triggered by hand)
    # each phase may take long on a loaded two-core machine
    timeout = float(os.environ.get("EDU_WH_TEST_SCHEDULER_TIMEOUT") or 1800)
    chain = run_chain(tmp_path, dict(os.environ), cfg.landing_dir, timeout=timeout)
    print("scheduler chain figures:", chain["figures"])
    for when, tasks in chain["timeline"].items():  # where the time went (read with -s)
        print(
            when,
            [(t["task_id"], t["state"], t["start"], t["end"]) for t in tasks if not t["task_id"].startswith("dbt.")],
        )
        results = [t for t in tasks if t["task_id"].startswith("dbt.") and t["end"] is not None]
        if results:
            print(when, "dbt tasks end between", min(t["end"] for t in results), "and", max(t["end"] for t in results))
    runs = chain["runs"]
    # Then the ingest ran on its schedule, and the release chain on the assets
    assert {r["run_type"] for r in runs["ingest_bns"]} == {"scheduled"}
    assert {r["run_type"] for r in runs["transform_publish"]} == {"asset_triggered"}
    assert {r["run_type"] for r in runs["export_release"]} == {"asset_triggered"}
    assert [r["state"] for r in runs["transform_publish"]] == ["success", "success"], runs["transform_publish"]
    assert chain["export_states"] == ("success", "success")
    first, second = chain["tasks"]["first"], chain["tasks"]["second"]
    # the first build is a full one: every model's and seed's result task reports success (each started and
    # ended in the triggerer: orchestration.dbt_results)
    assert first["dbt.dbt_producer_watcher"] == "success"
    results = [t for t in first if t.startswith("dbt.") and "producer" not in t]
    assert len(results) > 90 and {first[t] for t in results} == {"success"}, first
    assert first["publish"] == "success"
    # the second delivery is a BNS bulletin: only stg_bns__bulletin_values → int_official_bns_values_unpivoted
    # → int_official_values_unioned → int_claims_matched → fct_claims → pub_claims are rebuilt
    # (dbt_project/models); the rest is carried over
    rebuilt = {t for t in results if second[t] == "success"}
    assert rebuilt == {
        "dbt.stg_bns__bulletin_values",
        "dbt.int_official_bns_values_unpivoted",
        "dbt.int_official_values_unioned",
        "dbt.int_claims_matched",
        "dbt.fct_claims",
        "dbt.pub_claims",
    }, second
    assert second["dbt.stg_bns__dynamic_cells"] == "skipped" and second["dbt.pub_school_counts"] == "skipped"
    with psycopg.connect(warehouse) as conn:
        plan = conn.execute(
            "select details from meta.events where kind = 'build_plan' and run_id = %s", (chain["transform_runs"][1],)
        ).fetchone()[0]
        releases = conn.execute("select release_id, table_hashes from meta.releases order by release_id").fetchall()
    assert plan["mode"] == "incremental" and plan["changed_sources"] == ["bns_bulletin"]
    assert plan["rebuild_tables"] == ["claims"]
    # the release files of the first release were written by export_release
    assert (cfg.releases_dir / "r000001" / "manifest.json").exists()
    if len(releases) == 2:  # the bulletin changed published.claims: only that table differs
        changed = {t for t, h in releases[1][1].items() if releases[0][1].get(t) != h}
        assert changed <= {"claims"}, changed
        assert (cfg.releases_dir / "r000002" / "manifest.json").exists()
