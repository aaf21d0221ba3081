"""Malformed deliveries for every file source, through the real loader: each is refused with a message
naming file, row/sheet and reason, or quarantined with a reason, or loaded as it legitimately is.

The corpus (``tests/reliability/corpus``) is generated here from the real samples and the project's
generator; see its docstring for what each expected outcome means. The per-source tests in
``tests/ingest/`` check parsers in detail; this table checks the loader's contract across sources:
no bare exception ever leaks, a refused file leaves nothing in raw or quarantine, a batch never
stays ``loading`` or ends ``failed`` because of its content.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import sql

from ingest.base import SourceFormatError
from ingest.loader import load_file
from ingest.registry import get_source
from tests.reliability.corpus import CASES, Case, Inputs, write_case
from tests.reliability.helpers import record_figures


@pytest.fixture(scope="module")
def inputs(pg_server) -> Inputs:
    from cli.samples import ensure_synthetic_drop

    return Inputs(ensure_synthetic_drop())


def load_case(case: Case, inputs: Inputs, folder, monkeypatch) -> tuple[str, object]:
    """Load the case's file; ('refused', error) or ('loaded', LoadResult). Any other exception fails."""
    if case.huge:
        monkeypatch.setenv("EDU_WH_MAX_FILE_MB", "1")
    path = write_case(case, inputs, folder)
    try:
        return "loaded", load_file(get_source(case.source), path)
    except SourceFormatError as exc:
        return "refused", exc
    except Exception as exc:  # noqa: BLE001 - the point: nothing else may come out of the loader
        pytest.fail(f"{case.id}: {type(exc).__name__} leaked from the loader without a readable message: {exc}")


def batch_of(db, case: Case) -> tuple:
    return db.execute(
        "select batch_id, status, error, notes, rows_loaded, rows_quarantined from meta.load_batches "
        "where source = %s order by batch_id desc limit 1",
        (case.source,),
    ).fetchone()


def raw_rows(db, case: Case, batch_id: int, containing: str | None = None) -> int:
    table = sql.Identifier("raw", get_source(case.source).raw_table.name)
    query = sql.SQL("select count(*) from {} as t where t._batch_id = %s").format(table)
    params: list = [batch_id]
    if containing is not None:
        query += sql.SQL(" and t::text like %s")
        params.append(f"%{containing}%")
    return db.execute(query, params).fetchone()[0]


def with_defects(cases: list[Case]) -> list:
    """Cases of known defects run as strict xfail: the suite says so until the defect is fixed."""
    return [
        pytest.param(c, id=c.id, marks=pytest.mark.xfail(strict=True, reason=c.defect))
        if c.defect
        else pytest.param(c, id=c.id)
        for c in cases
    ]


@pytest.mark.parametrize("case", with_defects(CASES))
def test_a_malformed_delivery_is_refused_or_quarantined_with_its_reason(case, inputs, db, tmp_path, monkeypatch):
    # Given the damaged file, When the real loader gets it
    outcome, value = load_case(case, inputs, tmp_path, monkeypatch)
    batch_id, status, error, notes, rows_loaded, rows_quarantined = batch_of(db, case)
    # Then it ends as the case says, and the batch says so too (never left 'loading', never 'failed')
    assert outcome == case.expect or (outcome == "loaded" and case.expect == "quarantined"), (
        f"{case.id}: expected {case.expect}, got {outcome}: {value if outcome == 'refused' else value.summary()}"
    )
    if case.expect == "refused":
        message = str(value)
        # the message names the file, then where, then why
        assert message.startswith(case.filename), message
        assert re.search(case.reason, message), f"{case.id}: {message!r} does not match {case.reason!r}"
        if case.row is not None:
            assert f"row {case.row}" in message, message
        if case.sheet is not None:
            assert f"sheet {case.sheet!r}" in message, message
        assert status == "rejected" and error.split(" (hint: ")[0] == message.split(" (hint: ")[0]
        # and nothing of the file is anywhere
        assert raw_rows(db, case, batch_id) == 0
        assert db.execute("select count(*) from raw.quarantine where batch_id = %s", (batch_id,)).fetchone()[0] == 0
    else:
        assert status == "loaded", (status, error)
        reasons = [
            r
            for r in db.execute(
                "select reason, row_number, source_file from raw.quarantine where batch_id = %s order by row_number",
                (batch_id,),
            ).fetchall()
        ]
        assert rows_quarantined == len(reasons)
        if case.expect == "quarantined":
            matching = [r for r in reasons if re.search(case.reason, r[0])]
            assert matching, f"{case.id}: no quarantine reason matches {case.reason!r}: {[r[0] for r in reasons]}"
            assert all(r[1] is not None and r[2] == case.filename for r in matching), matching
            for text in case.absent:
                assert raw_rows(db, case, batch_id, containing=text) == 0, f"{case.id}: {text!r} reached raw"
        else:
            assert reasons == [], f"{case.id}: quarantined {reasons[:3]}"
            assert rows_loaded > 0
            if case.note:
                assert re.search(case.note, notes or ""), f"{case.id}: notes {notes!r} do not match {case.note!r}"
    record_figures(
        "corpus",
        case.id,
        injected=1,
        survived=1,
        source=case.source,
        outcome=outcome if outcome == "refused" else ("quarantined" if rows_quarantined else "loaded"),
    )


def test_the_corpus_covers_every_file_source_and_every_outcome():
    from ingest.registry import SOURCE_MODULES

    sources = {c.source for c in CASES}
    assert sources == set(SOURCE_MODULES), set(SOURCE_MODULES) - sources
    assert len(CASES) >= 30
    assert {c.expect for c in CASES} == {"refused", "quarantined", "loaded"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.reliability_long
def test_the_damaged_deliveries_that_load_never_reach_published(release_copy, inputs, tmp_path, monkeypatch):
    """The ``publish`` subset, loaded on top of a release, through dbt, the gate and the swap: whatever
    stops it (dbt's tests, the gate) or lets it through, ``published`` holds none of the bad values."""
    from edu_wh.errors import UserError
    from tests.reliability.helpers import current_release, published_hashes, transform_gate_publish

    subset = [c for c in CASES if c.publish]
    assert {c.source for c in subset} >= {"bns_dynamic", "nedb", "budget"} and len(subset) >= 6
    with psycopg.connect(release_copy) as conn:
        before = current_release(conn)
    for case in subset:
        outcome, value = load_case(case, inputs, tmp_path, monkeypatch)
        assert outcome == "loaded", value
    try:
        result = transform_gate_publish("test__corpus")
        stopped_by = None
    except UserError as exc:  # dbt's tests (dbt build failed) or the gate (GateFailed)
        result, stopped_by = None, str(exc)
    with psycopg.connect(release_copy) as conn:
        reached = {c.id: conn.execute(c.probe).fetchone()[0] for c in subset if c.probe}
        if stopped_by:
            assert current_release(conn) == before and published_hashes(conn) == before[2]
    assert not {k: n for k, n in reached.items() if n}, f"reached published: {reached} (stopped by: {stopped_by})"
    record_figures(
        "corpus",
        "publish subset",
        injected=len(subset),
        survived=len(subset),
        stopped_by=(stopped_by or f"nothing: published {result}").split(" (hint:")[0][:300],
    )
