"""The gate report, in words a ministry analyst understands: what failed, where, how to resolve.

One Markdown file (and a JSON twin) per gate run, with a section per layer: the raw deliveries
(each suite lists the batches it checked and the batch its volume was compared to) and the
candidate release. A failed check shows the dataset, the batches and files it points at, a few
example rows and what to do.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from expectations.check_texts import text as translated
from expectations.results import CheckResult, GateReport, SuiteRun, now_utc

LAYER_TITLES = {
    "raw": "Raw deliveries (schema `raw`: the publishers' files the build reads)",
    "published": "Candidate release (schema `{schema}`: what would be published)",
}
SQL_CHECK = "unexpected_rows_expectation"


def _describe(kwargs: dict) -> str:
    parts = []
    for key in ("column", "column_list", "column_A", "column_B", "value_set", "min_value", "max_value", "value"):
        if key in kwargs and kwargs[key] is not None:
            value = kwargs[key]
            if isinstance(value, list) and len(value) > 8:
                value = value[:8] + ["…"]
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _check_label(r: CheckResult) -> str:
    if r.expectation == SQL_CHECK:
        return "`SQL check` (query in the JSON report)"
    described = _describe(r.kwargs)
    return f"`{r.expectation}`" + (f" ({described})" if described else "")


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "…"


def _examples_table(examples: list[dict]) -> list[str]:
    if not examples:
        return []
    columns: list[str] = []
    for row in examples:
        columns.extend(c for c in row if c not in columns)
    located = [c for c in ("_batch_id", "_source_file", "_sheet", "_row_number", "problem") if c in columns]
    columns = located + [c for c in columns if c not in located]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in examples:
        lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |")
    return lines


def _found(r: CheckResult) -> str:
    count = r.unexpected_count
    if "exception" in r.observed:
        return f"the check could not run: {r.observed['exception']}"
    if r.expectation == SQL_CHECK and count is not None:
        return f"{count:,} offending row(s)"
    return json.dumps({k: v for k, v in r.observed.items() if k != "partial_unexpected_list"}, ensure_ascii=False)


def _where(r: CheckResult, files: dict[int, str]) -> str:
    if r.layer != "raw" or not r.batch_ids:
        return f"`{r.dataset}`"
    shown = ", ".join(f"batch {b} ({files.get(b, '?')})" for b in r.batch_ids[:5])
    more = f" and {len(r.batch_ids) - 5} more" if len(r.batch_ids) > 5 else ""
    return f"`{r.dataset}`, {shown}{more}"


def _failure(r: CheckResult, files: dict[int, str]) -> list[str]:
    lines = [
        f"### {r.dataset}: {r.protects}",
        f"- **Нені қорғайды / Что защищает**: {translated(r.protects, 'kk')} / {translated(r.protects, 'ru')}",
        f"- **Where**: {_where(r, files)}",
        f"- **Check**: {_check_label(r)}",
        f"- **Found**: {_found(r)}",
    ]
    if r.examples:
        lines += ["- **Examples**:", "", *_examples_table(r.examples), ""]
    lines += [
        f"- **How to resolve**: {r.resolve}",
        f"- **Не істеу керек**: {translated(r.resolve, 'kk')}",
        f"- **Что делать**: {translated(r.resolve, 'ru')}",
        "",
    ]
    return lines


LISTED_BATCHES = 8  # a suite with more batches lists only those whose volume moved, and counts the rest


def _batch_line(b) -> str:
    extra = []
    if not b.is_newest:
        extra.append("older batch of its stream, still read by the build")
    if b.volume_accepted:
        extra.append(f"volume change accepted: {b.volume_accepted}")
    if b.is_synthetic:
        extra.append("synthetic")
    return f"  - {b.describe()}" + (f" ({'; '.join(extra)})" if extra else "")


def _moved(b) -> bool:
    """A batch worth listing: the newest of its stream, its volume moved more than 10% from its baseline
    (or the change was accepted)."""
    if not b.is_newest:
        return False
    if b.volume_accepted:
        return True
    return bool(b.baseline_rows) and not 0.9 <= (b.rows_loaded or 0) / b.baseline_rows <= 1.1


def _batches(run: SuiteRun) -> list[str]:
    if run.skipped:
        return [f"- `{run.dataset}` ({run.suite}): {run.skipped}."]
    head = f"- `{run.dataset}` ({run.suite}): {run.checks} checks in {run.seconds:.2f} s on "
    if len(run.batches) <= LISTED_BATCHES:
        return [head + f"{len(run.batches)} batch(es):", *[_batch_line(b) for b in run.batches]]
    rows = sum(b.rows_loaded or 0 for b in run.batches)
    moved = [b for b in run.batches if _moved(b)]
    lines = [
        head + f"{len(run.batches)} batches ({rows:,} rows, {sum(b.baseline_batch_id is None for b in run.batches)} "
        f"first deliveries of their stream); {len(moved)} of the newest moved more than 10% against their baseline"
        + (":" if moved else "")
    ]
    lines += [_batch_line(b) for b in moved[:LISTED_BATCHES]]
    if len(moved) > LISTED_BATCHES:
        lines.append(f"  - … and {len(moved) - LISTED_BATCHES} more (every batch and baseline is in the JSON report)")
    return lines


def _layer_section(report: GateReport, layer: str, files: dict[int, str]) -> list[str]:
    results = [r for r in report.results if r.layer == layer]
    runs = [s for s in report.suites if s.layer == layer]
    critical = [r for r in results if not r.success and r.severity == "critical"]
    warnings = [r for r in results if not r.success and r.severity != "critical"]
    lines = [
        f"## {LAYER_TITLES.get(layer, layer).format(schema=report.schema)}",
        "",
        f"{len(results)} checks: {len(results) - len(critical) - len(warnings)} passed, "
        f"{len(critical)} critical failures, {len(warnings)} warnings.",
        "",
    ]
    if layer == "raw" and runs:
        lines += [
            "Volume baseline: each batch is compared with the batch delivered before it in the same stream "
            "(the same file series); a drop beyond the source's limit blocks publication, growth is a warning.",
            "",
            *[line for run in runs for line in _batches(run)],
            "",
        ]
    if critical:
        lines += ["### Critical failures (block publication)", ""]
        for r in critical:
            lines += _failure(r, files)
    if warnings:
        lines += ["### Warnings (not blocking, but look at them)", ""]
        for r in warnings:
            lines += _failure(r, files)
    lines += [
        "### All checks / Барлық тексерулер / Все проверки",
        "",
        "| dataset | check | severity | result | protects | нені қорғайды | что защищает |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.dataset} | {_check_label(r)} | {r.severity} | {'pass' if r.success else 'FAIL'} | {r.protects} | "
            f"{translated(r.protects, 'kk')} | {translated(r.protects, 'ru')} |"
        )
    return [*lines, ""]


def render_markdown(report: GateReport) -> str:
    status = "PASSED" if report.success else "FAILED — nothing was published"
    files = {b.batch_id: b.source_file for s in report.suites for b in s.batches}
    layers = [x for x in report.layers] or sorted({r.layer for r in report.results})
    lines = [
        f"# Publication gate report #{report.gate_run_id}: {status}",
        "",
        f"Checked {' and '.join(f'`{report.schema}`' if x == 'published' else '`raw`' for x in layers) or 'nothing'} "
        f"at {now_utc()} in {report.seconds:.1f} s (of which {report.setup_seconds:.1f} s starting Great "
        f"Expectations): {len(report.results)} checks, {len(report.critical_failures)} critical failures, "
        f"{len(report.warnings)} warnings.",
        "",
    ]
    if report.critical_failures:
        lines += ["Blocking: " + "; ".join(f"{r.dataset}: {r.protects}" for r in report.critical_failures[:5]), ""]
    for layer in layers:
        lines += _layer_section(report, layer, files)
    timing = sorted((s for s in report.suites if not s.skipped), key=lambda s: -s.seconds)
    if timing:
        lines += ["## Time per suite", "", "| suite | layer | checks | seconds |", "|---|---|---|---|"]
        lines += [f"| {s.suite} | {s.layer} | {s.checks} | {s.seconds:.2f} |" for s in timing]
    return "\n".join(lines) + "\n"


def report_json(report: GateReport) -> dict:
    return {
        "gate_run_id": report.gate_run_id,
        "schema": report.schema,
        "layers": list(report.layers),
        "success": report.success,
        "seconds": round(report.seconds, 3),
        "setup_seconds": round(report.setup_seconds, 3),
        "suites": [asdict(s) for s in report.suites],
        "results": [asdict(r) for r in report.results],
    }


def write_report(report: GateReport, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    report.markdown = render_markdown(report)
    path = directory / f"gate_{report.gate_run_id:06d}.md"
    path.write_text(report.markdown, encoding="utf-8")
    (directory / f"gate_{report.gate_run_id:06d}.json").write_text(
        json.dumps(report_json(report), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    report.path = path
    return path
