"""Withdrawal is complete: after `edu-wh batches withdraw`, the next build (incremental, without
--full-refresh) leaves none of the batch's rows in the incremental marts, and what older batches
delivered for the same keys is back."""

from __future__ import annotations

import psycopg

from tests.conftest import admin_url, drop_database, new_database
from tests.dbt.conftest import BUDGET_UNTIL_FIRST, BUDGET_UNTIL_SECOND, HELD_BACK_NEDB, INCREMENTAL_MODELS, snapshot
from tests.dbt.world import fetch_and_load_api, grant_temporary, load_drop_files

BUILD = ["build", "-s", "+fct_school_years", "+fct_education_budget_monthly", "--indirect-selection", "cautious"]


def rows_of(url: str, batches: list[int]) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"select count(*) from {table} where source_batch_id = any(%s)", (batches,)).fetchone()[
                0
            ]
            for table in INCREMENTAL_MODELS
        }


def test_a_withdrawn_batch_leaves_the_incremental_marts_on_the_next_build(
    template_db, synthetic_drop, tmp_path, monkeypatch
):
    from edu_wh.dbt_runner import dbt_command
    from ingest.batches import withdraw_batch

    name = new_database(template_db, prefix="withdraw")
    url = admin_url(name)
    monkeypatch.setenv("EDU_WH_DATABASE_URL", url)
    monkeypatch.setenv("EDU_WH_LANDING_DIR", str(tmp_path / "landing"))
    try:
        grant_temporary(url)
        dbt_command(["seed"])
        # Given the NEDB extracts but the newest, and the budget up to November 2024, built
        load_drop_files(synthetic_drop, skip=(HELD_BACK_NEDB,))
        fetch_and_load_api(synthetic_drop, budget_until=BUDGET_UNTIL_FIRST)
        dbt_command(BUILD)
        before = snapshot(url)
        # And then the newest NEDB extract and the budget's December, merged by an incremental build
        new = load_drop_files(synthetic_drop, only=(HELD_BACK_NEDB,))
        new += [b["batch_id"] for b in fetch_and_load_api(synthetic_drop, budget_until=BUDGET_UNTIL_SECOND)["budget"]]
        dbt_command(BUILD)
        merged = rows_of(url, new)
        assert all(merged.values()), merged
        # When those batches are withdrawn and the next build runs, incrementally
        for batch_id in new:
            withdraw_batch(batch_id, "test: the delivery was wrong", by="test")
        dbt_command(BUILD)
        # Then no row of them is left in either incremental mart, and the marts are as before they came
        assert rows_of(url, new) == {table: 0 for table in INCREMENTAL_MODELS}
        assert snapshot(url) == before
    finally:
        drop_database(name)
