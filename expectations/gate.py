"""The publication gate: every suite run in layers, recorded, and reported in words.

One gate run checks two layers and writes one report:

* **raw**: the deliveries the build reads, suite by suite (:mod:`expectations.framework`). A source
  without loaded batches is skipped and said so; a source with loaded batches and no raw suite is a
  critical failure.
* **published**: the candidate schema (the next release), table by table.

Every result goes to ``meta.gate_results`` (with its layer, the batches it points at and a few
example rows), the run to ``meta.gate_runs``; the report is Markdown and JSON. A failed *critical*
check in either layer raises :class:`GateFailed`, and ``publication.swap.publish`` refuses to
publish after a failed gate.

GX is imported inside :func:`run_gate` only (``import great_expectations`` takes ~6 s), never at
DAG parse time.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from edu_wh.config import settings
from expectations.data_docs import data_docs_dir, write_data_docs
from expectations.framework import LAYERS, GateContext, Suite, discover_suites, loaded_batches
from expectations.gx_validation import quiet_gx, run_suite
from expectations.results import CheckResult, GateFailed, GateReport, SuiteRun

log = logging.getLogger("edu_wh.gate")


def run_gate(
    schema: str = "candidate",
    *,
    run_id: str | None = None,
    layer: str | None = None,
    suites: list[Suite] | None = None,
    raise_on_failure: bool = True,
    changed: tuple[list[str], list[str]] | None = None,
) -> GateReport:
    """Validate the raw deliveries and the candidate ``schema`` (or only ``layer``, or only ``suites``);
    record and report; raise :class:`GateFailed` if a critical check failed.

    ``changed``: an incremental build's ``(rebuilt tables, changed sources)``: only the suites that
    :meth:`Suite.concerns` run; the others are listed in the report as carried over unchanged (their
    tables are the current release's own, which passed its gate: ``publication.swap.carry_over``).

    A run of the raw layer alone is recorded against schema ``raw``, so it never counts as the
    candidate's gate (``publish`` needs a run that checked the candidate)."""
    started = time.perf_counter()
    quiet_gx()
    import great_expectations as gx

    from edu_wh.warehouse import connect

    quiet_gx()  # again: importing GX created its loggers at INFO

    cfg = settings()
    every_suite = suites is None
    if suites is None:
        suites = discover_suites(layer)
        if layer == "raw":
            schema = "raw"
    layers = tuple(x for x in LAYERS if any(s.layer == x for s in suites))
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    datasource = context.data_sources.add_postgres(name="warehouse", connection_string=cfg.sqlalchemy_url)
    setup_seconds = time.perf_counter() - started

    results: list[CheckResult] = []
    runs: list[SuiteRun] = []
    with connect("transformer", autocommit=True, application_name="edu-wh gate") as conn:
        previous = _published_row_counts(conn)
        checked_hash = _content_hash(conn, schema) if "published" in layers else None
        if every_suite and "raw" in layers:
            results.extend(_sources_without_a_suite(conn, suites))
        results.extend(_rules_missing(conn))
        grains: dict = {}  # filled by the first suite that asks (GateContext.grain)
        for suite in suites:
            suite_started = time.perf_counter()
            ctx = GateContext(
                schema="raw" if suite.layer == "raw" else schema,
                conn=conn,
                previous_row_counts=previous,
                layer=suite.layer,
                grains=grains,
            )
            run = SuiteRun(suite.name, suite.layer, suite.dataset(schema))
            runs.append(run)
            if changed is not None and not suite.concerns(set(changed[0]), set(changed[1])):
                run.skipped = "unchanged since the current release (not rebuilt by this incremental build)"
                continue
            if suite.layer == "raw" and suite.source:
                ctx.batches = run.batches = loaded_batches(conn, suite.source, baseline_stream=suite.baseline_stream)
                if not ctx.batches:
                    run.skipped = f"no loaded batch of source {suite.source}; nothing to check"
                    continue
            suite_results = run_suite(gx, context, datasource, suite, ctx, run.dataset)
            results.extend(suite_results)
            run.checks = len(suite_results)
            run.seconds = time.perf_counter() - suite_started

        report = GateReport(
            None,
            schema,
            results,
            time.perf_counter() - started,
            suites=runs,
            layers=layers,
            setup_seconds=setup_seconds,
        )
        if checked_hash is not None and _content_hash(conn, schema) != checked_hash:
            checked_hash = None  # the schema changed while it was checked: this run vouches for nothing
        report.candidate_hash = checked_hash
        report.gate_run_id = _record(conn, report, run_id)
        _write_data_docs(context, cfg.reports_dir, report.gate_run_id)
        from expectations.report import write_report

        write_report(report, cfg.reports_dir)
        conn.execute(
            "update meta.gate_runs set report_path = %s, report_markdown = %s where gate_run_id = %s",
            (str(report.path), report.markdown, report.gate_run_id),
        )
    log.info("gate %s: %s", "passed" if report.success else "FAILED", report.summary())
    if raise_on_failure and not report.success:
        raise GateFailed(report)
    return report


def _write_data_docs(context, reports_dir, gate_run_id: int) -> None:
    """GX's Data Docs of this run, for the release folder (``quality/data_docs/``). A rendering error
    is logged, never a gate failure: the checks ran and are recorded either way."""
    started = time.perf_counter()
    try:
        index = write_data_docs(context, data_docs_dir(reports_dir, gate_run_id))
    except Exception:  # noqa: BLE001 - the Data Docs are a view of results already recorded
        log.exception("gate run %s: GX Data Docs could not be rendered", gate_run_id)
        return
    log.info("gate run %s: GX Data Docs in %s (%.1f s)", gate_run_id, index, time.perf_counter() - started)


def _rules_missing(conn) -> list[CheckResult]:
    """The checks apply dbt's rules as the SQL functions dbt creates in ``reference``
    (macros/rule_functions.sql); before dbt ever ran there are none, and this says so once."""
    present = conn.execute(
        "select count(*) from pg_proc where pronamespace = to_regnamespace('reference')::oid"
    ).fetchone()[0]
    if present:
        return []
    return [
        CheckResult(
            suite="gate_preflight",
            dataset="reference",
            expectation="rule_functions_exist",
            kwargs={},
            severity="critical",
            success=False,
            observed={"functions_in_reference": 0},
            protects="the rules the checks apply (reference.normalize_name, bns_value, …) exist: dbt creates them",
            resolve="run dbt first (`edu-wh transform`, or `dbt seed`), which creates the rule functions and the "
            "reference lists, then run the gate again",
            layer="raw",
        )
    ]


def _sources_without_a_suite(conn, suites: list[Suite]) -> list[CheckResult]:
    """A source with loaded batches but no raw suite would reach the build unchecked: a critical
    failure naming it, so adding a source without its suite can never pass the gate."""
    covered = {s.source for s in suites if s.layer == "raw" and s.source}
    rows = conn.execute(
        "select source, count(*) from meta.load_batches where status = 'loaded' group by source order by source"
    ).fetchall()
    return [
        CheckResult(
            suite="gate_coverage",
            dataset=f"raw ({source})",
            expectation="raw_suite_exists",
            kwargs={"source": source},
            severity="critical",
            success=False,
            observed={"loaded_batches": batches},
            protects=f"every loaded source is checked before publication: {source} has {batches} loaded "
            "batch(es) and no raw suite",
            resolve=f"add expectations/suites/raw_{source}.py (copy the suite of a similar source), or withdraw "
            "the batches (edu-wh batches withdraw)",
            layer="raw",
        )
        for source, batches in rows
        if source not in covered
    ]


def _published_row_counts(conn) -> dict[str, int]:
    rows = conn.execute("select row_counts from meta.releases where status = 'current'").fetchone()
    return dict(rows[0]) if rows else {}


def _content_hash(conn, schema: str) -> str:
    """The content hash ``publish`` compares: the gate vouches for exactly these contents."""
    from edu_wh.hashes import content_hashes

    return content_hashes(conn, schema)[2]


def _record(conn, report: GateReport, run_id: str | None) -> int:
    checked = [
        {
            "suite": s.suite,
            "layer": s.layer,
            "dataset": s.dataset,
            "seconds": round(s.seconds, 3),
            "checks": s.checks,
            "skipped": s.skipped,
            "batches": [asdict(b) for b in s.batches],
        }
        for s in report.suites
    ]
    with conn.transaction():
        gate_run_id = conn.execute(
            "insert into meta.gate_runs (target_schema, success, critical_failed, warnings_failed, expectations, "
            "finished_at, run_id, layers, seconds, checked, candidate_hash) "
            "values (%s, %s, %s, %s, %s, clock_timestamp(), %s, %s, %s, %s, %s) returning gate_run_id",
            (
                report.schema,
                report.success,
                len(report.critical_failures),
                len(report.warnings),
                len(report.results),
                run_id,
                list(report.layers),
                round(report.seconds, 3),
                json.dumps(checked, ensure_ascii=False, default=str),
                report.candidate_hash,
            ),
        ).fetchone()[0]
        with conn.cursor() as cur:
            cur.executemany(
                "insert into meta.gate_results (gate_run_id, suite, dataset, expectation, kwargs, severity, success, "
                "observed, protects, how_to_resolve, layer, batch_ids, examples) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        gate_run_id,
                        r.suite,
                        r.dataset,
                        r.expectation,
                        json.dumps(r.kwargs, ensure_ascii=False),
                        r.severity,
                        r.success,
                        json.dumps(r.observed, ensure_ascii=False),
                        r.protects,
                        r.resolve,
                        r.layer,
                        r.batch_ids or None,
                        json.dumps(r.examples, ensure_ascii=False, default=str) if r.examples else None,
                    )
                    for r in report.results
                ],
            )
    return gate_run_id
