"""The backfill DAG: reload chosen landing files (by source and period), rebuild with --full-refresh, publish."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from edu_wh.backfill import period_from_filename, period_range, window
from edu_wh.errors import UserError
from tests.conftest import SAMPLES, run_dag

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


@pytest.mark.parametrize(
    "label, expected",
    [
        ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
        ("2023-09", (date(2023, 9, 1), date(2023, 9, 30))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2022/23", (date(2022, 9, 1), date(2023, 8, 31))),
        ("2022–23", (date(2022, 9, 1), date(2023, 8, 31))),
        ("2022/2023", (date(2022, 9, 1), date(2023, 8, 31))),
        ("2000-2023", (date(2000, 1, 1), date(2023, 12, 31))),
        ("2022/24", None),
        ("2023-2000", None),
        ("last year", None),
        (None, None),
    ],
)
def test_period_labels_are_read_as_date_ranges(label, expected):
    assert period_range(label) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        (SCHOOLS.name, (date(2000, 1, 1), date(2023, 12, 31))),
        ("bulletin_2022-23_kk.xlsx", (date(2022, 9, 1), date(2023, 8, 31))),
        ("budget_report_2024.csv", (date(2024, 1, 1), date(2024, 12, 31))),
        ("schools.xlsx", None),
    ],
)
def test_a_file_name_declares_its_period(name, expected):
    assert period_from_filename(name) == expected


def test_a_window_needs_readable_bounds_in_order():
    assert window(None, None) is None
    assert window("2022/23", None) == (date(2022, 9, 1), date.max)
    with pytest.raises(UserError, match="period_from='yesterday' is not a period"):
        window("yesterday", None)
    with pytest.raises(UserError, match="after period_to"):
        window("2024", "2020")


def test_reload_supersedes_the_earlier_batch_of_the_same_file_in_one_step(warehouse, db):
    from ingest.loader import load_file
    from ingest.registry import get_source

    source = get_source("bns_dynamic")
    # Given the schools table loaded once
    first = load_file(source, SCHOOLS)
    # When it is loaded again without and then with reload
    again = load_file(source, SCHOOLS)
    reloaded = load_file(source, SCHOOLS, reload=True)
    # Then the plain load is a no-op, and the reload is a new batch that supersedes the first
    assert again.status == "already_loaded" and again.batch_id == first.batch_id
    assert reloaded.status == "loaded" and reloaded.batch_id > first.batch_id
    assert reloaded.superseded_batch_id == first.batch_id and "supersedes batch" in reloaded.summary()
    statuses = dict(db.execute("select batch_id, status from meta.load_batches order by batch_id").fetchall())
    assert statuses == {first.batch_id: "superseded", reloaded.batch_id: "loaded"}
    notes = db.execute("select notes from meta.load_batches where batch_id = %s", (first.batch_id,)).fetchone()[0]
    assert f"superseded by batch {reloaded.batch_id}" in notes
    counts = dict(db.execute("select _batch_id, count(*) from raw.bns_dynamic_cells group by 1").fetchall())
    assert counts == {first.batch_id: 1380, reloaded.batch_id: 1380}
    # and the next plain load points at the batch now loaded
    assert load_file(source, SCHOOLS).batch_id == reloaded.batch_id


def test_a_database_bootstrapped_before_superseded_existed_accepts_it_after_bootstrap(warehouse, db):
    from edu_wh.bootstrap import bootstrap

    # Given the status check as it was before reloads existed
    db.execute(
        "alter table meta.load_batches drop constraint load_batches_status_check, add constraint "
        "load_batches_status_check check (status in ('loading', 'loaded', 'rejected', 'failed', 'abandoned'))"
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "insert into meta.load_batches (source, source_file, file_sha256, status) values ('x', 'x', 'x', 'superseded')"
        )
    # When the warehouse is bootstrapped again, then 'superseded' is allowed
    with psycopg.connect(warehouse) as conn:
        bootstrap(conn)
        conn.commit()
    db.execute(
        "insert into meta.load_batches (source, source_file, file_sha256, status) values ('x', 'x', 'x', 'superseded')"
    )


def _load_result(run, task_id):
    ti = next(ti for ti in run.get_task_instances() if ti.task_id == task_id)
    return ti.state, ti.xcom_pull(task_ids=task_id) if ti.state == "success" else None


def test_backfill_reloads_the_window_rebuilds_with_full_refresh_and_publishes(warehouse, db, dagbag):
    from edu_wh.samples import stage_samples

    stage_samples()

    def seed_oid() -> int:
        # dbt re-seeds an existing table by truncating it, and with --full-refresh drops and recreates it
        return db.execute("select 'reference.units'::regclass::oid").fetchone()[0]

    # a first backfill with the defaults loads what is new and publishes release 1
    first = run_dag(dagbag, "backfill")
    assert first.state == "success"
    (batch1,) = db.execute("select batch_id from meta.load_batches where status = 'loaded'").fetchone()
    release1 = db.execute("select release_id from meta.releases where status = 'current'").fetchone()
    assert release1 is not None
    oid_before = seed_oid()

    # reload inside the window, with --full-refresh
    conf = {
        "sources": ["bns_dynamic"],
        "period_from": "2022/23",
        "period_to": "2023",
        "reload": True,
        "full_refresh": True,
    }
    second = run_dag(dagbag, "backfill", conf)
    assert second.state == "success", {ti.task_id: ti.state for ti in second.get_task_instances()}
    rows = db.execute("select batch_id, status, run_id from meta.load_batches order by batch_id").fetchall()
    assert [r[1] for r in rows] == ["superseded", "loaded"] and rows[0][0] == batch1
    batch2 = rows[1][0]
    assert rows[1][2] == second.run_id
    oid_after_full_refresh = seed_oid()
    assert oid_after_full_refresh != oid_before, "dbt did not get --full-refresh"
    staged = db.execute("select distinct batch_id from staging.stg_bns__dynamic_cells").fetchall()
    assert staged == [(batch2,)]
    # the same bytes give the same release: publishing an identical candidate is a no-op
    assert db.execute("select release_id from meta.releases where status = 'current'").fetchone() == release1
    message = db.execute("select message from meta.events where kind = 'publish' and run_id = %s", (second.run_id,))
    assert "nothing published" in message.fetchone()[0]
    lease = db.execute(
        "select details->>'action' from meta.events where kind = 'pipeline_lock' and run_id = %s order by event_id",
        (second.run_id,),
    ).fetchall()
    assert lease == [("acquired",), ("released",)]

    # a window that the file's period (2000-2023) does not overlap reloads nothing
    third = run_dag(dagbag, "backfill", {**conf, "period_from": "2024", "period_to": None, "full_refresh": False})
    assert third.state == "success"
    state, summary = _load_result(third, "load_bns_dynamic")
    assert state == "success" and summary["loaded"] == []
    assert summary["skipped"] == [
        {"file": SCHOOLS.name, "reason": "period 2000-01-01…2023-12-31 is outside the window"}
    ]
    assert db.execute("select count(*) from meta.load_batches").fetchone()[0] == 2
    assert seed_oid() == oid_after_full_refresh, "full_refresh=False still rebuilt the seeds"


def test_backfill_of_no_source_loads_nothing_and_rebuilds_from_raw(warehouse, db, dagbag):
    from edu_wh.samples import stage_samples
    from ingest.loader import load_file
    from ingest.registry import get_source

    # Given the schools table already in raw, and a new copy of it waiting in landing
    load_file(get_source("bns_dynamic"), SCHOOLS)
    staged = stage_samples()[0]
    staged.write_bytes(staged.read_bytes() + b"\0")  # other bytes: it would be loaded if the source were chosen
    # When a backfill is triggered for no source
    run = run_dag(dagbag, "backfill", {"sources": [], "full_refresh": True})
    # Then nothing is loaded, and the release is built from what raw already holds
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success", states
    assert states["load_bns_dynamic"] == "skipped" and states["publish"] == "success"
    assert db.execute("select count(*) from meta.load_batches").fetchone()[0] == 1
    assert db.execute("select count(*) from published.school_counts").fetchone()[0] > 0
