"""Shared pieces of the gate tests: the generated drop, and helpers that run suites through the real
gate and read what failed (imported by each source's raw-suite tests; the ``seeded`` warehouse is in
``tests/conftest.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from edu_wh.errors import UserError
from expectations.framework import CheckResult, GateReport, Suite
from expectations.gate import run_gate


@pytest.fixture(scope="session")
def drop(tmp_path_factory) -> Path:
    """The generated landing drop at scale 1 (what `edu-wh synth --scale 1 --out DIR` writes)."""
    from ingest.synth.drop import write_drop

    out = tmp_path_factory.mktemp("drop")
    write_drop(out, 1, 2023)
    return out


def gate(*suites: Suite) -> GateReport:
    """The real gate on ``suites``, recorded against the candidate (so ``publish`` reads its verdict)."""
    return run_gate("candidate", suites=list(suites), raise_on_failure=False)


def result(report: GateReport, protects: str) -> CheckResult:
    """The one check whose 'protects' text contains ``protects``."""
    found = [r for r in report.results if protects in r.protects]
    assert len(found) == 1, f"{len(found)} checks protect {protects!r}: {[r.protects for r in report.results]}"
    return found[0]


def failures(report: GateReport) -> dict[str, CheckResult]:
    return {r.protects: r for r in report.results if not r.success}


def assert_passes(report: GateReport) -> None:
    failed = {r.protects: (r.observed, r.examples[:2]) for r in report.results if not r.success}
    assert not failed, json.dumps(failed, ensure_ascii=False, indent=1, default=str)
    assert report.success


def assert_fails(
    report: GateReport, protects: str, *, shows: str | list[str] = (), severity: str = "critical", batch=None
) -> CheckResult:
    """The check failed with ``severity``; its examples (or the reason it could not run) show every text of
    ``shows``; the Markdown report names it with a way to resolve; ``batch``: the batch it points at."""
    r = result(report, protects)
    assert not r.success, f"expected {protects!r} to fail"
    assert r.severity == severity
    seen = json.dumps([r.examples, r.observed], ensure_ascii=False, default=str)
    for text in [shows] if isinstance(shows, str) else shows:
        assert text in seen, f"{text!r} not in {seen}"
    assert f"{r.dataset}: {r.protects}" in report.markdown
    assert r.resolve and r.resolve in report.markdown
    if batch is not None:
        assert r.batch_ids == [batch], r.batch_ids
    return r


def assert_publication_blocked(report: GateReport) -> None:
    """A failed gate stops publication: ``publish`` refuses and nothing is swapped in."""
    from publication.swap import publish

    assert not report.success and report.critical_failures
    with pytest.raises(UserError, match="has not passed the publication gate"):
        publish()


def sql(url: str, statement: str, params: tuple = ()) -> int:
    """Change the warehouse by hand (a defect that reached raw past the parser, or a stale seed)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(statement, params).rowcount


def batch_of(url: str, source_file: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select max(batch_id) from meta.load_batches where source_file = %s and status = 'loaded'", (source_file,)
        ).fetchone()[0]
