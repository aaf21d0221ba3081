"""The publication gate: Great Expectations suites as code, run on a schema, reported in words.

A suite module (``expectations/suites/<dataset>.py``) defines ``SUITE = Suite(...)`` whose
``build(ctx)`` returns :class:`Check` objects: one GX expectation each, with its severity, the
thing it protects and how to resolve a failure, written for a ministry analyst. The gate runs
every suite against the candidate schema, stores each result in ``meta.gate_results``, writes a
Markdown and JSON report, and raises :class:`GateFailed` if any *critical* check failed.

GX is imported inside :func:`run_gate` only (``import great_expectations`` takes ~6 s), never
at DAG parse time.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edu_wh.config import settings
from edu_wh.errors import UserError

log = logging.getLogger("edu_wh.gate")


@dataclass
class Check:
    expectation: Any  # a great_expectations.expectations.Expectation
    protects: str
    resolve: str
    severity: str = "critical"  # critical blocks publication; warning is reported only


@dataclass
class GateContext:
    """What suites may look at besides the table: the schema under test and the previous release."""

    schema: str
    conn: Any  # psycopg connection (read-only use)
    previous_row_counts: dict[str, int] = field(default_factory=dict)

    def scalar(self, query: str, params: tuple = ()) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return row[0] if row else None


@dataclass
class Suite:
    name: str  # e.g. "published.school_counts"
    table: str  # table name inside the schema under test, or a raw table
    layer: str  # "published" (runs on the candidate schema) or "raw"
    build: Callable[[GateContext], list[Check]]
    description: str = ""
    query: Callable[[GateContext], str] | None = None  # defaults to select * from <schema>.<table>

    def sql(self, ctx: GateContext) -> str:
        if self.query:
            return self.query(ctx)
        schema = ctx.schema if self.layer == "published" else "raw"
        return f'select * from "{schema}"."{self.table}"'


@dataclass
class CheckResult:
    suite: str
    dataset: str
    expectation: str
    kwargs: dict
    severity: str
    success: bool
    observed: dict
    protects: str
    resolve: str


@dataclass
class GateReport:
    gate_run_id: int | None
    schema: str
    results: list[CheckResult]
    seconds: float
    markdown: str = ""
    path: Path | None = None

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity != "critical"]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def summary(self) -> dict:
        return {
            "gate_run_id": self.gate_run_id,
            "expectations": len(self.results),
            "passed": sum(r.success for r in self.results),
            "critical_failed": len(self.critical_failures),
            "warnings_failed": len(self.warnings),
            "report": str(self.path) if self.path else None,
        }


class GateFailed(UserError):
    def __init__(self, report: GateReport):
        failed = report.critical_failures
        first = "; ".join(f"{r.dataset}: {r.protects}" for r in failed[:3])
        super().__init__(
            f"publication gate failed: {len(failed)} critical check(s) failed ({first}); "
            "published tables were left unchanged",
            hint=f"read the report {report.path}",
        )
        self.report = report


def discover_suites(layer: str | None = None) -> list[Suite]:
    import expectations.suites as pkg

    suites = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite) and (layer is None or suite.layer == layer):
            suites.append(suite)
    return suites


def _observed(result) -> dict:
    raw = result.result or {}
    keep = {
        k: raw[k]
        for k in (
            "observed_value",
            "element_count",
            "unexpected_count",
            "unexpected_percent",
            "partial_unexpected_list",
            "missing_count",
        )
        if k in raw
    }
    if "partial_unexpected_list" in keep:
        keep["partial_unexpected_list"] = keep["partial_unexpected_list"][:10]
    if result.exception_info and result.exception_info.get("raised_exception"):
        keep["exception"] = str(result.exception_info.get("exception_message"))[:500]
    return json.loads(json.dumps(keep, default=str))


def run_gate(
    schema: str = "candidate",
    *,
    run_id: str | None = None,
    layer: str = "published",
    suites: list[Suite] | None = None,
    raise_on_failure: bool = True,
) -> GateReport:
    """Validate every suite of ``layer`` against ``schema``; record and report; raise if critical failed."""
    import great_expectations as gx

    from edu_wh.warehouse import connect

    cfg = settings()
    started = time.perf_counter()
    suites = suites if suites is not None else discover_suites(layer)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    datasource = context.data_sources.add_postgres(name="warehouse", connection_string=cfg.sqlalchemy_url)

    results: list[CheckResult] = []
    with connect("transformer", autocommit=True, application_name="edu-wh gate") as conn:
        ctx = GateContext(schema=schema, conn=conn, previous_row_counts=_published_row_counts(conn))
        for suite in suites:
            checks = suite.build(ctx)
            gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
            by_id = {}
            for check in checks:
                check.expectation.severity = check.severity
                check.expectation.meta = {"protects": check.protects, "resolve": check.resolve}
                added = gx_suite.add_expectation(check.expectation)
                by_id[str(added.id)] = check
            asset = datasource.add_query_asset(name=suite.name, query=suite.sql(ctx))
            batch = asset.add_batch_definition_whole_table("whole table")
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
            )
            outcome = validation.run(result_format="SUMMARY")
            for res in outcome.results:
                cfg_ = res.expectation_config
                check = by_id.get(str(cfg_.id))
                results.append(
                    CheckResult(
                        suite=suite.name,
                        dataset=f"{schema if suite.layer == 'published' else 'raw'}.{suite.table}",
                        expectation=cfg_.type,
                        kwargs=json.loads(json.dumps(cfg_.kwargs, default=str)),
                        severity=check.severity if check else str(cfg_.severity.value),
                        success=bool(res.success),
                        observed=_observed(res),
                        protects=check.protects if check else "",
                        resolve=check.resolve if check else "",
                    )
                )

        report = GateReport(None, schema, results, time.perf_counter() - started)
        report.gate_run_id = _record(conn, report, run_id)
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


def _published_row_counts(conn) -> dict[str, int]:
    rows = conn.execute("select row_counts from meta.releases where status = 'current'").fetchone()
    return dict(rows[0]) if rows else {}


def _record(conn, report: GateReport, run_id: str | None) -> int:
    with conn.transaction():
        gate_run_id = conn.execute(
            "insert into meta.gate_runs (target_schema, success, critical_failed, warnings_failed, expectations, "
            "finished_at, run_id) values (%s, %s, %s, %s, %s, clock_timestamp(), %s) returning gate_run_id",
            (
                report.schema,
                report.success,
                len(report.critical_failures),
                len(report.warnings),
                len(report.results),
                run_id,
            ),
        ).fetchone()[0]
        with conn.cursor() as cur:
            cur.executemany(
                "insert into meta.gate_results (gate_run_id, suite, dataset, expectation, kwargs, severity, success, "
                "observed, protects, how_to_resolve) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
                    )
                    for r in report.results
                ],
            )
    return gate_run_id


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
