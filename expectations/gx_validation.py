"""One suite run in Great Expectations, and its results in the gate's words.

A suite's checks run in (at most) two GX validations over one query asset: the SQL checks with
their unexpected rows (``COMPLETE``, so the report can show example rows) and the others summarised
(raw rows indexed by where they came from). Each GX result becomes a
:class:`~expectations.results.CheckResult` with the check's severity, what it protects and how to
resolve it. GX's progress bars are off and its INFO logging is silenced.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from expectations.framework import Check, GateContext, Suite
from expectations.results import CheckResult

log = logging.getLogger("edu_wh.gate")

RAW_INDEX_COLUMNS = ["_batch_id", "_source_file", "_sheet", "_row_number"]  # where a raw row came from
EXAMPLES = 5  # example rows kept per failed check


class _GxWarningsOnly(logging.Handler):
    """GX modules set their own loggers to INFO (``Created temporary directory … for ephemeral docs
    site``); only their warnings and errors reach our logs, through ``edu_wh.gate``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        log.handle(record)


def quiet_gx() -> None:
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


def run_suite(gx, context, datasource, suite: Suite, ctx: GateContext, dataset: str) -> list[CheckResult]:
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
