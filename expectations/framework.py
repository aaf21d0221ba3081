"""The publication gate: Great Expectations suites as code, run in layers, reported in words.

A suite module (``expectations/suites/<layer>_<dataset>.py``) defines ``SUITE = Suite(...)`` whose
``build(ctx)`` returns :class:`Check` objects: one GX expectation each, with its severity, the
thing it protects and how to resolve a failure, written for a ministry analyst.

One gate run checks two layers and writes one report:

* **raw**: the deliveries the build reads. Each raw suite names its ``source``; the gate finds the
  source's loaded batches (``meta.load_batches``), and the suite's query asset holds exactly their
  rows. Every batch carries its *volume baseline*: the batch delivered before it in the same
  stream (``stream_key``, else the file name; or the suite's own ``baseline_stream``), so a sudden
  drop is caught against a stated number. A source without loaded batches is skipped and said so.
* **published**: the candidate schema (the next release), table by table.

Every result goes to ``meta.gate_results`` (with its layer, the batches it points at and a few
example rows), the run to ``meta.gate_runs``; the report is Markdown and JSON. A failed *critical*
check in either layer raises :class:`GateFailed`, and ``publication.swap.publish`` refuses to
publish after a failed gate.

GX is imported inside :func:`run_gate` only (``import great_expectations`` takes ~6 s), never at
DAG parse time; its progress bars are off and its INFO logging is silenced.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from edu_wh.config import settings
from edu_wh.errors import UserError
from expectations.results import BatchInfo, CheckResult, GateFailed, GateReport, SuiteRun, now_utc  # noqa: F401

log = logging.getLogger("edu_wh.gate")

LAYERS = ("raw", "published")  # the order a gate run checks them in
RAW_INDEX_COLUMNS = ["_batch_id", "_source_file", "_sheet", "_row_number"]  # where a raw row came from
EXAMPLES = 5  # example rows kept per failed check
DEFAULT_STREAM = "coalesce(b.stream_key, b.source_file)"


@dataclass
class Check:
    expectation: Any  # a great_expectations.expectations.Expectation
    protects: str
    resolve: str
    severity: str = "critical"  # critical blocks publication; warning is reported only


@dataclass
class GateContext:
    """What suites may look at besides their rows: the schema under test, the previous release's
    row counts (published layer) and the batches under check (raw layer)."""

    schema: str
    conn: Any  # psycopg connection (read-only use)
    previous_row_counts: dict[str, int] = field(default_factory=dict)
    layer: str = "published"
    batches: list[BatchInfo] = field(default_factory=list)
    reference_schema: str = "reference"
    _grains: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)

    def scalar(self, query: str, params: tuple = ()) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return row[0] if row else None

    def has_relation(self, qualified: str) -> bool:
        """``schema.table`` exists (e.g. a dbt seed in ``reference``)."""
        schema, _, table = qualified.partition(".")
        return bool(
            self.scalar("select to_regclass(format('%%I.%%I', %s::text, %s::text)) is not null", (schema, table))
        )

    @property
    def batch_ids(self) -> list[int]:
        return [b.batch_id for b in self.batches]

    def grain(self, table: str) -> list[str]:
        """The published table's grain as the dbt model declares it (``meta.grain``), read from the
        manifest: the gate never keeps its own list of key columns."""
        from edu_wh.dbt_runner import published_grains

        if self._grains is None:
            self._grains = published_grains()
        grain = self._grains.get(table)
        if not grain:
            raise UserError(
                f"the dbt model of published.{table} declares no grain (meta.grain)",
                hint="declare it in dbt_project/models/published/_published__models.yml and rebuild the manifest",
            )
        return list(grain)

    def batch_list_sql(self, *, newest_only: bool = False) -> str:
        """The batch ids as a SQL list, e.g. ``(12, 15)`` (ids are integers from meta); ``newest_only``:
        only the newest batch of each stream (what replaces earlier deliveries of the same file)."""
        ids = [b.batch_id for b in self.batches if b.is_newest or not newest_only]
        return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(null)"


@dataclass
class Suite:
    name: str  # e.g. "published.school_counts" or "raw.bns_dynamic"
    table: str  # table name inside the schema under test, or the raw table
    layer: str  # "published" (runs on the candidate schema) or "raw"
    build: Callable[[GateContext], list[Check]]
    description: str = ""
    query: Callable[[GateContext], str] | None = None  # defaults: the table, or (raw) the rows of the batches
    source: str | None = None  # raw layer: the source (ingest.registry) whose loaded batches are checked
    #: raw layer: SQL over ``meta.load_batches as b`` naming a batch's volume stream (default: its stream)
    baseline_stream: str | None = None

    def sql(self, ctx: GateContext) -> str:
        if self.query:
            return self.query(ctx)
        if self.layer == "raw":
            return f'select * from raw."{self.table}" where _batch_id in {ctx.batch_list_sql()}'
        return f'select * from "{ctx.schema}"."{self.table}"'

    def dataset(self, schema: str) -> str:
        return f"{'raw' if self.layer == 'raw' else schema}.{self.table}"


def discover_suites(layer: str | None = None) -> list[Suite]:
    """Every ``SUITE`` in ``expectations/suites``, raw layer first; only ``layer``'s if given."""
    import expectations.suites as pkg

    suites = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite) and (layer is None or suite.layer == layer):
            suites.append(suite)
    return sorted(suites, key=lambda s: LAYERS.index(s.layer) if s.layer in LAYERS else len(LAYERS))


# --- the raw layer's batches ----------------------------------------------------------------------

BATCHES_SQL = """
with batches as (
    select b.batch_id, b.source_file, b.status, b.rows_loaded, b.period, b.finished_at, b.is_synthetic,
           {stream} as stream, {baseline} as baseline_stream
    from meta.load_batches as b
    where b.source = %(source)s
),

loaded as (
    select batches.*, row_number() over (partition by stream order by batch_id desc) = 1 as is_newest
    from batches
    where status = 'loaded'
)

select
    loaded.batch_id, loaded.source_file, loaded.stream, loaded.rows_loaded, loaded.period,
    to_char(loaded.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), loaded.is_synthetic, loaded.is_newest,
    baseline.batch_id, baseline.source_file, baseline.rows_loaded,
    (select e.details ->> 'reason' from meta.events as e
     where e.kind = 'batch_accepted' and e.details ->> 'batch_id' = loaded.batch_id::text
     order by e.event_id desc limit 1)
from loaded
left join lateral (
    select previous.batch_id, previous.source_file, previous.rows_loaded
    from batches as previous
    where previous.baseline_stream = loaded.baseline_stream
      and previous.status in ('loaded', 'superseded')
      and (coalesce(previous.period, ''), previous.batch_id) < (coalesce(loaded.period, ''), loaded.batch_id)
    order by coalesce(previous.period, '') desc, previous.batch_id desc
    limit 1
) as baseline on true
order by loaded.batch_id
"""


def loaded_batches(conn, source: str, *, baseline_stream: str | None = None) -> list[BatchInfo]:
    """The loaded batches of ``source`` (what the build reads), each with its volume baseline: the
    batch delivered before it (by period, then load order) in the same stream, loaded or superseded
    (never a withdrawn, rejected or failed one)."""
    query = BATCHES_SQL.format(stream=DEFAULT_STREAM, baseline=baseline_stream or DEFAULT_STREAM)
    return [BatchInfo(*row) for row in conn.execute(query, {"source": source}).fetchall()]


# --- running the gate ------------------------------------------------------------------------------


class _GxWarningsOnly(logging.Handler):
    """GX modules set their own loggers to INFO (``Created temporary directory … for ephemeral docs
    site``); only their warnings and errors reach our logs, through ``edu_wh.gate``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        log.handle(record)


def _quiet_gx() -> None:
    """No progress bars (set on the context) and no INFO chatter: GX's loggers are held at WARNING."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx_log = logging.getLogger("great_expectations")
    if not any(isinstance(h, _GxWarningsOnly) for h in gx_log.handlers):
        gx_log.addHandler(_GxWarningsOnly())
    gx_log.propagate = False
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger):
            if logger.level < logging.WARNING:
                logger.setLevel(logging.WARNING)


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
    message = _exception_message(result.exception_info)
    if message:
        keep["exception"] = message
    return json.loads(json.dumps(keep, default=str))


def _exception_message(info) -> str | None:
    """The database's own words when a check could not run (GX nests them per metric)."""
    if not isinstance(info, dict):
        return None
    candidates = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            message = str(candidate.get("exception_message") or "")
            message = message.split("[SQL:", 1)[0].replace("(Background on this error", "").strip()
            return " ".join(message.split())[:500]
    return None


def _examples(result) -> list[dict]:
    """A few offending rows: the unexpected rows of a SQL check, or (raw) the rows GX indexed."""
    examples = [dict(r) if isinstance(r, dict) else {"value": r} for r in _offending(result)[:EXAMPLES]]
    return json.loads(json.dumps(examples, default=str, ensure_ascii=False))


def _offending(result) -> list:
    """The offending rows GX returned: a SQL check's rows, the rows it indexed (raw), or the values."""
    raw = result.result or {}
    return (
        (raw.get("details") or {}).get("unexpected_rows")
        or raw.get("partial_unexpected_index_list")
        or raw.get("partial_unexpected_list")
        or []
    )


def _batch_ids(result) -> list[int]:
    ids = {r.get("_batch_id") for r in _offending(result) if isinstance(r, dict)}
    return sorted(int(i) for i in ids if isinstance(i, int))


def run_gate(
    schema: str = "candidate",
    *,
    run_id: str | None = None,
    layer: str | None = None,
    suites: list[Suite] | None = None,
    raise_on_failure: bool = True,
) -> GateReport:
    """Validate the raw deliveries and the candidate ``schema`` (or only ``layer``, or only ``suites``);
    record and report; raise :class:`GateFailed` if a critical check failed.

    A run of the raw layer alone is recorded against schema ``raw``, so it never counts as the
    candidate's gate (``publish`` needs a run that checked the candidate)."""
    started = time.perf_counter()
    _quiet_gx()
    import great_expectations as gx

    from edu_wh.warehouse import connect

    _quiet_gx()  # again: importing GX created its loggers at INFO

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
        for suite in suites:
            suite_started = time.perf_counter()
            ctx = GateContext(
                schema="raw" if suite.layer == "raw" else schema,
                conn=conn,
                previous_row_counts=previous,
                layer=suite.layer,
            )
            run = SuiteRun(suite.name, suite.layer, suite.dataset(schema))
            runs.append(run)
            if suite.layer == "raw" and suite.source:
                ctx.batches = run.batches = loaded_batches(conn, suite.source, baseline_stream=suite.baseline_stream)
                if not ctx.batches:
                    run.skipped = f"no loaded batch of source {suite.source}; nothing to check"
                    continue
            suite_results = _run_suite(gx, context, datasource, suite, ctx, run.dataset)
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


def _run_suite(gx, context, datasource, suite: Suite, ctx: GateContext, dataset: str) -> list[CheckResult]:
    """One suite: its checks in (at most) two GX validations over one query asset: SQL checks with
    their unexpected rows (COMPLETE, so the report can show examples), the others summarised."""
    try:
        checks = suite.build(ctx)
    except Exception as exc:  # noqa: BLE001 - a suite that cannot even be built is a failed check, not a crash
        log.exception("suite %s could not be built", suite.name)
        return [
            CheckResult(
                suite=suite.name,
                dataset=dataset,
                expectation="suite_build",
                kwargs={},
                severity="critical",
                success=False,
                observed={"exception": f"{type(exc).__name__}: {exc}"[:500]},
                protects=f"the checks of {dataset} can be prepared",
                resolve="read the exception; a missing reference table (run `dbt seed`) or a changed raw table "
                "is the usual cause",
                layer=suite.layer,
                batch_ids=ctx.batch_ids,
            )
        ]
    asset = datasource.add_query_asset(name=suite.name, query=suite.sql(ctx))
    batch_definition = asset.add_batch_definition_whole_table("whole table")
    index_columns = RAW_INDEX_COLUMNS if suite.layer == "raw" else None
    groups = {
        "rows": [c for c in checks if type(c.expectation).__name__ == "UnexpectedRowsExpectation"],
        "values": [c for c in checks if type(c.expectation).__name__ != "UnexpectedRowsExpectation"],
    }
    by_id: dict[str, Check] = {}
    outcomes = []
    for kind, group in groups.items():
        if not group:
            continue
        gx_suite = context.suites.add(gx.ExpectationSuite(name=f"{suite.name} ({kind})"))
        for check in group:
            check.expectation.severity = check.severity
            check.expectation.meta = {"protects": check.protects, "resolve": check.resolve}
            added = gx_suite.add_expectation(check.expectation)
            by_id[str(added.id)] = check
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name} ({kind})", data=batch_definition, suite=gx_suite)
        )
        if kind == "rows":
            result_format: Any = "COMPLETE"
        else:
            result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
            if index_columns:
                result_format["unexpected_index_column_names"] = index_columns
        outcomes.extend(validation.run(result_format=result_format).results)
    results = []
    for res in outcomes:
        cfg_ = res.expectation_config
        check = by_id.get(str(cfg_.id))
        success = bool(res.success)
        results.append(
            CheckResult(
                suite=suite.name,
                dataset=dataset,
                expectation=cfg_.type,
                kwargs=json.loads(json.dumps(cfg_.kwargs, default=str)),
                severity=check.severity if check else str(cfg_.severity.value),
                success=success,
                observed=_observed(res),
                protects=check.protects if check else "",
                resolve=check.resolve if check else "",
                layer=suite.layer,
                examples=[] if success else _examples(res),
                batch_ids=[] if success else (_batch_ids(res) or ctx.batch_ids),
            )
        )
    return results


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
