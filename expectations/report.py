"""The gate report, in words a ministry analyst understands: what failed, where, how to resolve."""

from __future__ import annotations

import json
from pathlib import Path

from expectations.framework import GateReport, now_utc


def _describe(kwargs: dict) -> str:
    parts = []
    for key in ("column", "column_list", "column_A", "column_B", "value_set", "min_value", "max_value", "value"):
        if key in kwargs and kwargs[key] is not None:
            value = kwargs[key]
            if isinstance(value, list) and len(value) > 8:
                value = value[:8] + ["…"]
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def render_markdown(report: GateReport) -> str:
    status = "PASSED" if report.success else "FAILED — nothing was published"
    lines = [
        f"# Publication gate report #{report.gate_run_id}: {status}",
        "",
        f"Checked schema `{report.schema}` at {now_utc()} in {report.seconds:.1f} s: "
        f"{len(report.results)} checks, {len(report.critical_failures)} critical failures, "
        f"{len(report.warnings)} warnings.",
        "",
    ]
    if report.critical_failures:
        lines += ["## Critical failures (block publication)", ""]
        for r in report.critical_failures:
            lines += [
                f"### {r.dataset}: {r.protects}",
                f"- **Check**: `{r.expectation}` ({_describe(r.kwargs)})",
                f"- **Found**: {json.dumps(r.observed, ensure_ascii=False)}",
                f"- **How to resolve**: {r.resolve}",
                "",
            ]
    if report.warnings:
        lines += ["## Warnings (published, but look at them)", ""]
        for r in report.warnings:
            lines += [
                f"- **{r.dataset}**: {r.protects}. Found {json.dumps(r.observed, ensure_ascii=False)}. "
                f"Resolve: {r.resolve}"
            ]
        lines.append("")
    lines += ["## All checks", "", "| dataset | check | severity | result | protects |", "|---|---|---|---|---|"]
    for r in report.results:
        lines.append(
            f"| {r.dataset} | `{r.expectation}` {_describe(r.kwargs)} | {r.severity} | "
            f"{'pass' if r.success else 'FAIL'} | {r.protects} |"
        )
    return "\n".join(lines) + "\n"


def write_report(report: GateReport, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    report.markdown = render_markdown(report)
    path = directory / f"gate_{report.gate_run_id:06d}.md"
    path.write_text(report.markdown, encoding="utf-8")
    (directory / f"gate_{report.gate_run_id:06d}.json").write_text(
        json.dumps(
            {
                "gate_run_id": report.gate_run_id,
                "schema": report.schema,
                "success": report.success,
                "results": [r.__dict__ for r in report.results],
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    report.path = path
    return path
