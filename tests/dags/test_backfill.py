"""The backfill DAG: reload chosen landing files (by source and period), rebuild with --full-refresh, publish."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from edu_wh.errors import UserError
from orchestration.backfill import period_from_filename, period_range, window
from tests.conftest import SAMPLES, run_dag
from tests.dags.helpers import load_samples

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
    from ingest.registry import all_sources

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
        bootstrap(conn, all_sources())
        conn.commit()
    db.execute(
        "insert into meta.load_batches (source, source_file, file_sha256, status) values ('x', 'x', 'x', 'superseded')"
    )


def _load_result(run, task_id):
    ti = next(ti for ti in run.get_task_instances() if ti.task_id == task_id)
    return ti.state, ti.xcom_pull(task_ids=task_id) if ti.state == "success" else None


def test_backfill_reloads_the_window_rebuilds_with_full_refresh_and_publishes(warehouse, db, dagbag):
    from edu_wh.config import settings
    from orchestration.backfill import backfill_source

    # Given every sample loaded (as the ingest DAGs would)
    load_samples()

    def seed_oid() -> int:
        # dbt re-seeds an existing table by truncating it, and with --full-refresh drops and recreates it
        return db.execute("select 'reference.units'::regclass::oid").fetchone()[0]

    def bns_batches():
        return db.execute(
            "select batch_id, status, run_id from meta.load_batches where source = 'bns_dynamic' order by batch_id"
        ).fetchall()

    # and published as release 1 (the release chain's own steps, without Airflow: the two backfill
    # runs below go through it)
    from tests.reliability.helpers import transform_gate_publish

    transform_gate_publish("setup release 1")
    ((batch1, _, _),) = bns_batches()
    release1 = db.execute("select release_id from meta.releases where status = 'current'").fetchone()
    assert release1 is not None
    oid_before = seed_oid()
    batches_before = db.execute("select count(*) from meta.load_batches").fetchone()[0]

    # When a backfill runs for no source (with a changed copy of the schools table waiting in landing),
    # then nothing is loaded and the release is rebuilt from raw, without --full-refresh
    staged = settings().landing_dir / "bns_dynamic" / SCHOOLS.name
    original = staged.read_bytes()
    staged.write_bytes(original + b"\0")  # other bytes: it would be loaded if the source were chosen
    rebuild = run_dag(dagbag, "backfill", {"sources": [], "full_refresh": False})
    states = {ti.task_id: ti.state for ti in rebuild.get_task_instances()}
    assert rebuild.state == "success", states
    assert states["load_bns_dynamic"] == "skipped" and states["publish"] == "success"
    assert db.execute("select count(*) from meta.load_batches").fetchone()[0] == batches_before
    assert seed_oid() == oid_before, "full_refresh=False rebuilt the seeds"
    staged.write_bytes(original)

    # When one source is reloaded inside a window (a reload implies --full-refresh)
    conf = {
        "sources": ["bns_dynamic"],
        "period_from": "2022/23",
        "period_to": "2023",
        "reload": True,
        "full_refresh": False,
    }
    second = run_dag(dagbag, "backfill", conf)
    states = {ti.task_id: ti.state for ti in second.get_task_instances()}
    assert second.state == "success", states
    assert states["load_bns_dynamic"] == "success" and states["load_kato"] == "skipped"
    # Then the file's earlier batch is superseded by the new one, which staging now reads
    rows = bns_batches()
    assert [r[1] for r in rows] == ["superseded", "loaded"] and rows[0][0] == batch1
    batch2 = rows[1][0]
    assert rows[1][2] == second.run_id
    assert db.execute("select count(*) from meta.load_batches").fetchone()[0] == batches_before + 1
    assert seed_oid() != oid_before, "dbt did not get --full-refresh"
    staged_batches = db.execute("select distinct batch_id from staging.stg_bns__dynamic_cells").fetchall()
    assert staged_batches == [(batch2,)]
    # while raw still holds the superseded batch as delivered
    assert db.execute("select count(*) from raw.bns_dynamic_cells where _batch_id = %s", (batch1,)).fetchone()[0] > 0
    # and the same bytes give the same release: publishing an identical candidate is a no-op
    assert db.execute("select release_id from meta.releases where status = 'current'").fetchone() == release1
    message = db.execute("select message from meta.events where kind = 'publish' and run_id = %s", (second.run_id,))
    assert "nothing published" in message.fetchone()[0]
    lease = db.execute(
        "select details->>'action' from meta.events where kind = 'pipeline_lock' and run_id = %s order by event_id",
        (second.run_id,),
    ).fetchall()
    assert lease == [("acquired",), ("released",)]

    # A window that the file's period does not overlap reloads nothing, and says why
    summary = backfill_source("bns_dynamic", period_from="2024", reload=True, run_id="test")
    assert summary["loaded"] == []
    assert summary["skipped"] == [
        {"file": SCHOOLS.name, "reason": "period 2000-01-01…2023-12-31 is outside the window"}
    ]
    assert len(bns_batches()) == 2


def test_a_file_loaded_before_is_selected_by_the_period_its_parser_reported(warehouse, db, tmp_path):
    from edu_wh.config import settings
    from ingest.loader import load_file
    from ingest.registry import get_source
    from orchestration.backfill import select_files

    # Given a file whose name states no period, loaded once, its parser's period recorded as 2019
    landing = settings().landing_dir / "bns_dynamic"
    landing.mkdir(parents=True)
    plain = landing / "schools.xlsx"
    plain.write_bytes(SCHOOLS.read_bytes())
    batch = load_file(get_source("bns_dynamic"), plain).batch_id
    db.execute("update meta.load_batches set period = '2019' where batch_id = %s", (batch,))
    # When windows are applied, then the recorded period decides
    assert [p.name for p in select_files("bns_dynamic", "2019", "2019").selected] == ["schools.xlsx"]
    outside = select_files("bns_dynamic", "2020", None)
    assert outside.selected == [] and "outside the window" in outside.skipped[0]["reason"]
    # and a file of unknown period is skipped when a window is given, but loaded without one
    db.execute("update meta.load_batches set period = null where batch_id = %s", (batch,))
    unknown = select_files("bns_dynamic", "2019", None)
    assert unknown.skipped == [{"file": "schools.xlsx", "reason": "declares no period we can read"}]
    assert [p.name for p in select_files("bns_dynamic").selected] == ["schools.xlsx"]
