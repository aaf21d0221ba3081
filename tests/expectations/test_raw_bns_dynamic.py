"""The raw suite of BNS dynamic tables on the real schools table, and on the defects a delivery can carry."""

from __future__ import annotations

import openpyxl
import psycopg

from expectations.suites.raw_bns_dynamic import SUITE
from ingest.batches import accept_batch, withdraw_batch
from ingest.bns_dynamic import SOURCE
from ingest.loader import load_file
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    result,
    sql,
)

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
BLOCK_ROWS = {"total": 8, "urban": 30, "rural": 52}  # the rows of the block headings in the real file


def cell(ws, block: str, label: str, period: str):
    """The cell of ``label`` × ``period`` (e.g. 2015/16) in ``block``, found like a reader would."""
    column = 2 + int(period[:4]) - 2000
    for row in range(BLOCK_ROWS[block] + 1, BLOCK_ROWS[block] + 22):
        if ws.cell(row, 1).value == label:
            return ws.cell(row, column)
    raise AssertionError(f"{label} not in block {block}")


def test_the_real_schools_table_passes_every_check(seeded):
    # Given the real BNS schools table (with the reference seeds built)
    load_file(SOURCE, SCHOOLS)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes, including urban + rural = total (from 2008/09); no figure of the file is a check
    assert_passes(report)
    assert len(report.results) >= 15
    run = report.suites[0]
    assert [b.source_file for b in run.batches] == [SCHOOLS.name]
    assert "first delivery of its stream, no volume baseline" in report.markdown


def test_a_delivery_with_wrong_figures_is_caught_and_blocks_publication(seeded, tmp_path):
    # Given the real table, and a corrected copy (another file) with mistakes the parser lets through
    load_file(SOURCE, SCHOOLS)
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    cell(ws, "urban", "Акмолинская", "2015/16").value += 10  # urban + rural ≠ total
    cell(ws, "total", "Алматинская", "2021/22").value = 801  # 800 in the delivery before: a revision
    cell(ws, "total", "город Алматы", "2022/23").value = 33300  # 333 typed with two extra zeros
    cell(ws, "rural", "Костанайская", "2010/11").value = -5  # a negative count
    path = tmp_path / "number_of_schools_corrected.xlsx"
    wb.save(path)
    bad = load_file(SOURCE, path).batch_id
    # and Атырауская's row relabelled in raw as the oblast under its long name (the parser now refuses a
    # territory twice in a block; the gate is the second line for rows that got past an older parser)
    sql(
        seeded,
        "update raw.bns_dynamic_cells set row_label = 'Алматинская область' where _batch_id = %s "
        "and row_label = 'Атырауская' and block_label ~ '^Все'",
        (bad,),
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then each mistake fails its own check, naming the corrected file's batch, cells and values
    assert_fails(
        report,
        "urban + rural = total",
        shows=["Акмолинская", "2015/16", "but total is"],
        batch=bad,
    )
    # a changed past value is a warning with the rows (BNS revises), not a refusal
    assert_fails(
        report, "values of past periods", shows=["revised: 800 in batch", "now 801"], severity="warning", batch=bad
    )
    assert_fails(report, "school counts are plausible", shows=["33300 schools is implausible"], batch=bad)
    assert_fails(report, "not negative", shows=["negative value -5"], batch=bad)
    assert_fails(
        report, "one value per table × block × territory × year", shows=["190000000 appears 2 times"], batch=bad
    )
    assert_fails(report, "regions add up to the republic", shows=["the republic is"], severity="warning", batch=bad)
    # and the report says where and how to resolve, and publication is refused
    assert "number_of_schools_corrected.xlsx" in report.markdown and "How to resolve" in report.markdown
    assert_publication_blocked(report)

    # When the data engineer withdraws the bad batch
    withdrawn = withdraw_batch(bad, "BNS sent a draft with typing errors", by="test")
    # Then its rows are gone, the batch says why, the gate passes again
    assert withdrawn.status == "withdrawn" and withdrawn.rows_deleted == 1380
    with psycopg.connect(seeded) as conn:
        assert (
            conn.execute("select count(*) from raw.bns_dynamic_cells where _batch_id = %s", (bad,)).fetchone()[0] == 0
        )
        status, notes = conn.execute(
            "select status, notes from meta.load_batches where batch_id = %s", (bad,)
        ).fetchone()
        event = conn.execute("select details from meta.events where kind = 'batch_withdrawn'").fetchone()[0]
    assert status == "withdrawn" and "withdrawn by test: BNS sent a draft with typing errors" in notes
    assert event["rows_deleted"] == 1380 and event["by"] == "test" and event["source_file"] == path.name
    assert_passes(gate(SUITE))
    # and withdrawing again changes nothing, while the same file can be loaded again
    assert withdraw_batch(bad, "twice", by="test").status == "already_withdrawn"
    again = load_file(SOURCE, path)
    assert again.status == "loaded" and again.batch_id != bad


def test_a_truncated_redelivery_is_a_volume_drop_until_accepted(seeded, tmp_path):
    # Given the real table, then the same file name delivered again with only the first block
    load_file(SOURCE, SCHOOLS)
    first = batch_of(seeded, SCHOOLS.name)
    wb = openpyxl.load_workbook(SCHOOLS)
    wb.active.delete_rows(BLOCK_ROWS["urban"], 200)
    truncated = tmp_path / SCHOOLS.name
    wb.save(truncated)
    loaded = load_file(SOURCE, truncated)  # the loader has no stream key for BNS tables: it does not compare
    second = loaded.batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the drop is measured against the earlier delivery of the same file, and blocks publication
    assert_fails(
        report,
        "no delivery lost more than 50%",
        shows=[f"only {loaded.rows_loaded} cells against 1380 in batch {first}", SCHOOLS.name],
        batch=second,
    )
    assert f"baseline batch {first} ({SCHOOLS.name}): 1,380 rows" in report.markdown
    assert_publication_blocked(report)
    # When the engineer accepts the smaller delivery
    accept_batch(second, "BNS now publishes the urban/rural split separately", by="test")
    # Then the volume check passes and says the change was accepted
    report = gate(SUITE)
    assert result(report, "no delivery lost more than 50%").success
    assert "volume change accepted: BNS now publishes the urban/rural split separately (test)" in report.markdown


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the real table, changed in raw by hand (as an older parser or a manual fix could leave it)
    load_file(SOURCE, SCHOOLS)
    batch = batch_of(seeded, SCHOOLS.name)
    sql(seeded, "update raw.bns_dynamic_cells set cell_text = 'н/д' where cell_ref = 'B10'")
    sql(seeded, "update raw.bns_dynamic_cells set block_label = 'Все население (оценка)' where block_label ~ '^Все'")
    sql(seeded, "update raw.bns_dynamic_cells set period_label = 'итого' where cell_ref = 'C11'")
    sql(seeded, "update raw.bns_dynamic_cells set language = 'en' where cell_ref = 'D12'")
    sql(seeded, "update raw.bns_dynamic_cells set row_label = null where cell_ref = 'E13'")
    sql(
        seeded,
        "insert into raw.bns_dynamic_cells select * from raw.bns_dynamic_cells where cell_ref = 'F14' limit 1",
    )
    # When the raw suite runs
    report = gate(SUITE)
    # Then every changed row fails the check that protects against it
    assert_fails(report, "every cell holds a number or a BNS marker", shows="н/д", batch=batch)
    assert_fails(report, "every stacked block", shows="unknown block heading Все население (оценка)", batch=batch)
    assert_fails(report, "every column is a year", shows="not a year or academic year: итого", batch=batch)
    assert_fails(report, "read as Kazakh or Russian", shows='"language": "en"', batch=batch)
    assert_fails(report, "every cell has its", shows="empty: row_label", batch=batch)
    assert_fails(report, "one row per sheet cell", shows="F14", batch=batch)
    assert_fails(report, "complete in raw", shows="raw holds 1381 rows, the load counted 1380", batch=batch)
    assert_publication_blocked(report)


def test_a_stale_or_missing_reference_list_is_a_clear_failure(warehouse):
    # Given the real table but no reference seeds built (`dbt seed` never ran)
    load_file(SOURCE, SCHOOLS)
    # When the raw suite runs
    report = gate(SUITE)
    # Then the checks needing the seeds fail saying so, and the gate says once that dbt's rule
    # functions (which the checks apply) are missing too, with the way out
    message = "reference list(s) reference.territory_names not built"
    assert_fails(report, "every row label (region) is a known territory", shows=message)
    assert_fails(report, "one value per table × block × territory × year", shows=message)
    assert_fails(report, "the rules the checks apply", shows='"functions_in_reference": 0')
    assert "run `dbt seed`" in report.markdown or "`dbt seed`" in report.markdown


def test_names_or_units_missing_from_the_reference_lists_are_caught(seeded):
    # Given the real table, and reference lists that lost a region's name and a unit (a stale seed)
    load_file(SOURCE, SCHOOLS)
    sql(seeded, "delete from reference.territory_names where language = 'ru' and name = 'Улытау'")
    sql(seeded, "delete from reference.units where label = 'единиц'")
    # When the raw suite runs
    report = gate(SUITE)
    # Then the unknown name and unit are named
    assert_fails(report, "every row label (region) is a known territory", shows="unknown territory Улытау (ru)")
    assert_fails(report, "every unit of measure is known", shows="unknown unit единиц")
