"""`edu-wh batches`: a data engineer lists batches, withdraws a bad one (raw and quarantine in one
transaction, recorded who and why), accepts a volume change, and checks the raw layer; and the
warehouse tables they rely on upgrade in place."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import psycopg
import pytest

from edu_wh.bootstrap import bootstrap
from edu_wh.errors import UserError
from edu_wh.lease import acquire_pipeline_lock, release_pipeline_lock
from ingest.batches import withdraw_batch
from ingest.bns_dynamic import SOURCE as BNS
from ingest.loader import load_file
from ingest.registry import all_sources
from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


def edu_wh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=dict(os.environ), timeout=300
    )


def with_unknown_region(tmp_path):
    """The real table with one region renamed to a name nobody knows: its row is quarantined at load."""
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    for row in ws.iter_rows(min_row=9, max_row=29):
        if row[0].value == "Улытау":
            row[0].value = "Новая область"
    path = tmp_path / "number_of_schools_with_a_new_region.xlsx"
    wb.save(path)
    return path


def test_list_withdraw_and_load_again_from_the_command_line(warehouse, tmp_path):
    # Given two loaded BNS files, one of which had a row quarantined
    good = load_file(BNS, SCHOOLS)
    path = with_unknown_region(tmp_path)
    bad = load_file(BNS, path)
    assert bad.rows_quarantined == 1 and bad.rows_loaded == 1357
    # When the engineer lists the batches of the source
    listed = edu_wh("batches", "list", "--source", "bns_dynamic")
    # Then both are shown with their status and rows
    assert listed.returncode == 0, listed.stderr
    assert (
        f"{bad.batch_id:>7}  bns_dynamic" in listed.stdout and path.name in listed.stdout and "loaded" in listed.stdout
    )
    # When a withdrawal is asked for without a reason, Then it is refused
    assert edu_wh("batches", "withdraw", str(bad.batch_id)).returncode == 2
    # When the bad batch is withdrawn with a reason
    out = edu_wh("batches", "withdraw", str(bad.batch_id), "--reason", "BNS renamed a region by mistake")
    # Then its rows leave raw and raw.quarantine, the batch says why, and meta.events records who
    assert out.returncode == 0, out.stderr
    assert (
        f"batch {bad.batch_id} (bns_dynamic: {path.name}) withdrawn: 1,357 rows removed from raw, 1 from raw.quarantine"
        in out.stdout
    )
    with psycopg.connect(warehouse) as conn:
        counts = conn.execute(
            "select (select count(*) from raw.bns_dynamic_cells where _batch_id = %s), "
            "(select count(*) from raw.quarantine where batch_id = %s), "
            "(select count(*) from raw.bns_dynamic_cells where _batch_id = %s)",
            (bad.batch_id, bad.batch_id, good.batch_id),
        ).fetchone()
        status = conn.execute(
            "select status, notes from meta.load_batches where batch_id = %s", (bad.batch_id,)
        ).fetchone()
        event = conn.execute("select message, details from meta.events where kind = 'batch_withdrawn'").fetchone()
    assert counts == (0, 0, 1380)
    assert status[0] == "withdrawn" and "BNS renamed a region by mistake" in status[1]
    assert event[1]["reason"] == "BNS renamed a region by mistake" and event[1]["quarantine_deleted"] == 1
    assert event[1]["by"] and event[1]["previous_status"] == "loaded"
    listed = edu_wh("batches", "list", "--status", "withdrawn")
    assert path.name in listed.stdout and "withdrawn by" in listed.stdout
    # and the same file can be loaded again (only a 'loaded' batch makes a file count as loaded)
    again = edu_wh("ingest", "bns_dynamic", str(path))
    assert again.returncode == 0 and "loaded as batch" in again.stdout, again.stdout + again.stderr


def test_only_batches_with_rows_can_be_withdrawn_and_a_running_build_is_waited_for(warehouse, tmp_path):
    loaded = load_file(BNS, SCHOOLS)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        rejected = conn.execute(
            "insert into meta.load_batches (source, source_file, file_sha256, status) "
            "values ('bns_dynamic', 'broken.xlsx', '-', 'rejected') returning batch_id"
        ).fetchone()[0]
    # A rejected batch has nothing in raw: refused with the reason
    with pytest.raises(UserError, match="is rejected: nothing of it is in raw"):
        withdraw_batch(rejected, "test", by="test")
    with pytest.raises(UserError, match="there is no batch 99999"):
        withdraw_batch(99999, "test", by="test")
    with pytest.raises(UserError, match="say why"):
        withdraw_batch(loaded.batch_id, " ", by="test")
    # While a build holds the pipeline lease, the withdrawal waits, and gives up with a clear message
    acquire_pipeline_lock("transform_publish run 1")
    try:
        with pytest.raises(UserError, match="another pipeline run holds the warehouse"):
            withdraw_batch(loaded.batch_id, "test", by="test", wait_seconds=0.5)
    finally:
        release_pipeline_lock("transform_publish run 1")
    with psycopg.connect(warehouse) as conn:
        assert conn.execute(
            "select status, (select count(*) from raw.bns_dynamic_cells) from meta.load_batches where batch_id = %s",
            (loaded.batch_id,),
        ).fetchone() == ("loaded", 1380)


def test_accept_and_check_from_the_command_line(seeded):
    loaded = load_file(BNS, SCHOOLS)
    # The raw layer passes on the real table; the check is recorded against `raw`, never the candidate
    ok = edu_wh("batches", "check", "--source", "bns_dynamic")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "raw layer passed: 17/17 checks" in ok.stdout
    with psycopg.connect(seeded, autocommit=True) as conn:
        assert conn.execute("select target_schema, layers from meta.gate_runs").fetchone() == ("raw", ["raw"])
        conn.execute("update raw.bns_dynamic_cells set cell_text = '33300' where cell_ref = 'X24'")
    bad = edu_wh("batches", "check")
    assert bad.returncode == 1 and "critical raw.bns_dynamic_cells: school counts are plausible" in bad.stdout
    # A volume change is accepted with a reason, recorded for the gate
    accepted = edu_wh("batches", "accept", str(loaded.batch_id), "--reason", "checked with BNS")
    assert accepted.returncode == 0 and "volume change accepted by" in accepted.stdout
    with psycopg.connect(seeded) as conn:
        details = conn.execute("select details from meta.events where kind = 'batch_accepted'").fetchone()[0]
    assert details["batch_id"] == loaded.batch_id and details["reason"].startswith("checked with BNS")
    assert edu_wh("batches", "accept", "424242", "--reason", "x").returncode == 1


def test_an_older_warehouse_gets_the_new_status_and_columns_in_place(warehouse):
    # Given a warehouse bootstrapped before 'withdrawn' and the gate's new columns existed
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "alter table meta.load_batches drop constraint load_batches_status_check, add constraint "
            "load_batches_status_check check (status in ('loading', 'loaded', 'rejected', 'failed', 'abandoned', "
            "'superseded'))"
        )
        for table, column in [("gate_runs", "layers"), ("gate_runs", "seconds"), ("gate_runs", "checked"),
                              ("gate_results", "layer"), ("gate_results", "batch_ids"), ("gate_results", "examples")]:  # fmt: skip
            conn.execute(f"alter table meta.{table} drop column {column}")
    # When it is bootstrapped again (twice: idempotent)
    for _ in range(2):
        with psycopg.connect(warehouse) as conn:
            bootstrap(conn, all_sources())
            conn.commit()
    # Then both statuses are allowed and the columns are back
    with psycopg.connect(warehouse) as conn:
        definition = conn.execute(
            "select pg_get_constraintdef(oid) from pg_constraint where conname = 'load_batches_status_check'"
        ).fetchone()[0]
        columns = {
            r[0]
            for r in conn.execute(
                "select table_name || '.' || column_name from information_schema.columns where table_schema = 'meta'"
            )
        }
    assert "'withdrawn'" in definition and "'superseded'" in definition
    assert {"gate_runs.layers", "gate_runs.checked", "gate_results.layer", "gate_results.examples"} <= columns
