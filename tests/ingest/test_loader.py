"""The loader against a real PostgreSQL: idempotency, all-or-nothing, quarantine, bookkeeping."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ingest.base import ParseReport, Rejected, Row, Source, SourceFormatError
from ingest.bns_dynamic import SOURCE as BNS
from ingest.loader import load_file
from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


def test_loading_the_same_file_twice_changes_nothing(db):
    # Given the real schools table loaded once
    first = load_file(BNS, SCHOOLS)
    assert first.status == "loaded" and first.rows_loaded == 1380
    # When the same bytes are loaded again (even under another name)
    second = load_file(BNS, SCHOOLS)
    # Then the loader says so and nothing doubles
    assert second.status == "already_loaded" and second.batch_id == first.batch_id
    assert "already loaded" in second.summary()
    assert db.execute("select count(*) from raw.bns_dynamic_cells").fetchone()[0] == 1380
    assert db.execute("select count(*) from meta.load_batches where status = 'loaded'").fetchone()[0] == 1


def test_batch_metadata_is_recorded(db):
    result = load_file(BNS, SCHOOLS, run_id="test-run")
    row = db.execute(
        "select source, source_file, file_sha256, rows_loaded, rows_quarantined, status, run_id, "
        "is_synthetic, finished_at >= started_at from meta.load_batches where batch_id = %s",
        (result.batch_id,),
    ).fetchone()
    assert row[0] == "bns_dynamic" and row[1] == SCHOOLS.name and len(row[2]) == 64
    assert row[3:] == (1380, 0, "loaded", "test-run", False, True)
    # every raw row carries its batch, file, sheet and row number
    meta = db.execute(
        "select count(distinct _batch_id), min(_source_file), count(*) filter (where _sheet is null "
        "or _row_number is null) from raw.bns_dynamic_cells"
    ).fetchone()
    assert meta == (1, SCHOOLS.name, 0)


def test_nulls_arrive_as_null_not_as_text(db):
    load_file(BNS, SCHOOLS)
    nulls = db.execute("select count(*) from raw.bns_dynamic_cells where cell_text is null").fetchone()[0]
    texts = db.execute("select count(*) from raw.bns_dynamic_cells where cell_text in ('nan', 'None', '')").fetchone()[
        0
    ]
    assert nulls > 0 and texts == 0


class ExplodingSource(Source):
    """Yields some rows, then fails mid-file, like a parser hitting corruption after COPY began."""

    name = "bns_dynamic"
    family = "bns"
    publisher = "test"
    raw_table = BNS.raw_table

    def parse(self, stream, filename, report: ParseReport) -> Iterator:
        yield from BNS.parse(stream, filename, report)
        raise RuntimeError("disk error while reading")


def test_a_failure_mid_file_leaves_nothing_visible(db):
    with pytest.raises(RuntimeError):
        load_file(ExplodingSource(), SCHOOLS)
    assert db.execute("select count(*) from raw.bns_dynamic_cells").fetchone()[0] == 0
    status, error = db.execute("select status, error from meta.load_batches").fetchone()
    assert status == "failed" and "disk error" in error
    # and the next run loads the file normally
    assert load_file(BNS, SCHOOLS).rows_loaded == 1380


def test_a_refused_file_is_recorded_as_rejected_with_its_reason(db, tmp_path):
    bad = tmp_path / "schools.xlsx"
    bad.write_bytes(SCHOOLS.read_bytes()[:5000])
    with pytest.raises(SourceFormatError, match="schools.xlsx"):
        load_file(BNS, bad)
    status, error = db.execute("select status, error from meta.load_batches").fetchone()
    assert status == "rejected" and "schools.xlsx" in error
    assert db.execute("select count(*) from raw.bns_dynamic_cells").fetchone()[0] == 0


class HalfBadSource(Source):
    name = "bns_dynamic"
    family = "bns"
    publisher = "test"
    raw_table = BNS.raw_table

    def __init__(self, good: int, bad: int):
        self.good, self.bad = good, bad

    def parse(self, stream, filename, report):
        width = len(self.raw_table.columns)
        for i in range(self.good):
            yield Row(tuple(["x"] * width), i + 2, "s")
        for i in range(self.bad):
            yield Rejected("negative amount: -5", {"value": "-5"}, self.good + i + 2, "s")


def test_bad_rows_go_to_quarantine_with_file_row_and_reason(db):
    result = load_file(HalfBadSource(good=9, bad=1), SCHOOLS)
    assert (result.rows_loaded, result.rows_quarantined) == (9, 1)
    row = db.execute("select source, source_file, row_number, reason, record->>'value' from raw.quarantine").fetchone()
    assert row == ("bns_dynamic", SCHOOLS.name, 11, "negative amount: -5", "-5")


def test_a_file_that_is_mostly_bad_is_refused_whole(db):
    with pytest.raises(SourceFormatError, match="failed validation"):
        load_file(HalfBadSource(good=2, bad=8), SCHOOLS)
    assert db.execute("select count(*) from raw.quarantine").fetchone()[0] == 0
    assert db.execute("select count(*) from raw.bns_dynamic_cells").fetchone()[0] == 0


def test_oversized_files_are_refused_before_parsing(db, monkeypatch):
    monkeypatch.setenv("EDU_WH_MAX_FILE_MB", "0.001")
    with pytest.raises(SourceFormatError, match="over the"):
        load_file(BNS, SCHOOLS)
    assert db.execute("select status from meta.load_batches").fetchone()[0] == "rejected"


def test_synthetic_marker_marks_batches(db, tmp_path):
    drop = tmp_path / "drop"
    (drop / "bns_dynamic").mkdir(parents=True)
    (drop / "SYNTHETIC_DROP.json").write_text("{}")
    shutil.copy(SCHOOLS, drop / "bns_dynamic" / SCHOOLS.name)
    result = load_file(BNS, drop / "bns_dynamic" / SCHOOLS.name)
    assert db.execute("select is_synthetic from meta.load_batches where batch_id = %s", (result.batch_id,)).fetchone()[
        0
    ]


def test_a_load_leaves_fresh_planner_statistics_on_its_raw_table(warehouse, db):
    """The loader (its own role, not the tables' owner) analyses what it loaded, so a dbt build
    straight after a load does not plan over a never-analysed table."""
    from ingest.bns_dynamic import SOURCE as BNS
    from ingest.loader import load_file
    from tests.conftest import SAMPLES

    load_file(BNS, SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx")
    analysed = db.execute(
        "select last_analyze is not null from pg_stat_user_tables where schemaname = 'raw' and relname = %s",
        (BNS.raw_table.name,),
    ).fetchone()
    assert analysed == (True,)
    # and the function analyses raw tables only
    import psycopg
    import pytest

    with pytest.raises(psycopg.errors.RaiseException, match="not a table of schema raw"):
        db.execute("set role edu_wh_loader")
        db.execute("select meta.analyze_raw_table('releases')")
