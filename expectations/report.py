"""The gate report, in words a ministry analyst understands: what failed, where, how to resolve.

One Markdown file (and a JSON twin) per gate run. The Markdown holds the whole report three times,
in Kazakh, Russian and English (a line of links at the top): a section per layer, the raw
deliveries (each suite lists the batches it checked and the batch its volume was compared to) and
the candidate release. A failed check shows the dataset, the batches and files it points at, a few
example rows and what to do. Headings and fixed text are in the reader's language, and so are each
check's description and resolution (expectations/catalogue/check_texts.yml). What is quoted from
the data or the system (dataset, column and file names, the check's parameters, example rows, a
database error message) is shown as written, in code spans.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from expectations.check_texts import text as translated
from expectations.report_texts import SKIPPED, SKIPPED_NO_BATCH, SKIPPED_NO_BATCH_TEXT, T
from expectations.results import CheckResult, GateReport, SuiteRun, now_utc

LANGS = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
SQL_CHECK = "unexpected_rows_expectation"
LISTED_BATCHES = 8  # a suite with more batches lists only those whose volume moved, and counts the rest


def _num(value, lang: str) -> str:
    """1,380 in English, 1 380 in Kazakh and Russian (a comma there reads as a decimal point)."""
    if isinstance(value, float):
        text = f"{value:,.2f}" if lang == "en" else f"{value:,.2f}".replace(",", " ").replace(".", ",")
        return text
    return f"{value:,}" if lang == "en" else f"{value:,}".replace(",", "\u00a0")


def _seconds(value: float, digits: int, lang: str) -> str:
    text = f"{value:.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


def _code(value, limit: int | None = 160) -> str:
    """A value quoted as written (from the data or the system), as a Markdown code span."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("|", "\\|").replace("\n", " ").replace("`", "'")
    text = text if limit is None or len(text) <= limit else text[: limit - 3] + "…"
    return f"`{text}`" if text else ""


def _describe(kwargs: dict) -> str:
    parts = []
    for key in ("column", "column_list", "column_A", "column_B", "value_set", "min_value", "max_value", "value"):
        if key in kwargs and kwargs[key] is not None:
            value = kwargs[key]
            if isinstance(value, list) and len(value) > 8:
                value = value[:8] + ["…"]
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _check_label(r: CheckResult, lang: str) -> str:
    if r.expectation == SQL_CHECK:
        return T[lang]["sql_check"] if lang != "en" else "`SQL check` (query in the JSON report)"
    described = _describe(r.kwargs)
    return f"`{r.expectation}`" + (f" ({_code(described)})" if described else "")


def _examples_table(examples: list[dict]) -> list[str]:
    if not examples:
        return []
    columns: list[str] = []
    for row in examples:
        columns.extend(c for c in row if c not in columns)
    located = [c for c in ("_batch_id", "_source_file", "_sheet", "_row_number", "problem") if c in columns]
    columns = located + [c for c in columns if c not in located]
    lines = ["| " + " | ".join(_code(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in examples:
        lines.append("| " + " | ".join(_code(row.get(c, "")) for c in columns) + " |")
    return lines


def _found(r: CheckResult, lang: str) -> str:
    count = r.unexpected_count
    if "exception" in r.observed:
        return T[lang]["could_not_run"].format(error=_code(r.observed["exception"], None))
    if r.expectation == SQL_CHECK and count is not None:
        return T[lang]["offending"].format(count=_num(count, lang))
    return _code({k: v for k, v in r.observed.items() if k != "partial_unexpected_list"}, None)


def _where(r: CheckResult, files: dict[int, str], lang: str) -> str:
    if r.layer != "raw" or not r.batch_ids:
        return f"`{r.dataset}`"
    shown = ", ".join(T[lang]["batch"].format(id=b, file=_code(files.get(b, "?"))) for b in r.batch_ids[:5])
    more = T[lang]["more"].format(n=len(r.batch_ids) - 5) if len(r.batch_ids) > 5 else ""
    return f"`{r.dataset}`, {shown}{more}"


def _failure(r: CheckResult, files: dict[int, str], lang: str) -> list[str]:
    t = T[lang]
    dataset = r.dataset if lang == "en" else f"`{r.dataset}`"
    lines = [
        f"#### {dataset}: {translated(r.protects, lang)}",
        f"- **{t['protects']}**: {translated(r.protects, lang)}",
        f"- **{t['where']}**: {_where(r, files, lang)}",
        f"- **{t['check']}**: {_check_label(r, lang)}",
        f"- **{t['found']}**: {_found(r, lang)}",
    ]
    if r.examples:
        lines += [f"- **{t['examples']}**:", "", *_examples_table(r.examples), ""]
    return [*lines, f"- **{t['resolve']}**: {translated(r.resolve, lang)}", ""]


def _batch_line(b, lang: str) -> str:
    t = T[lang]
    extra = []
    if not b.is_newest:
        extra.append(t["older"])
    if b.volume_accepted:
        extra.append(t["accepted"].format(why=b.volume_accepted if lang == "en" else _code(b.volume_accepted)))
    if b.is_synthetic:
        extra.append(t["synthetic"])
    if lang == "en":
        described = b.describe()
    else:
        rows = {"ru": "строк", "kk": "жол"}[lang]
        described = f"{t['batch'].format(id=b.batch_id, file=_code(b.source_file))}: {_num(b.rows_loaded, lang)} {rows}"
        if b.baseline_batch_id is None:
            described += {
                "ru": "; первая поставка потока, базового объёма нет",
                "kk": "; ағынның алғашқы жеткізілімі, көлем негізі жоқ",
            }[lang]
        else:
            base = {"ru": "базовая", "kk": "негізі"}[lang]
            baseline = t["batch"].format(id=b.baseline_batch_id, file=_code(b.baseline_file))
            described += f"; {base}: {baseline}: {_num(b.baseline_rows, lang)} {rows}"
    return f"  - {described}" + (f" ({'; '.join(extra)})" if extra else "")


def _moved(b) -> bool:
    """A batch worth listing: the newest of its stream, its volume moved more than 10% from its baseline
    (or the change was accepted)."""
    if not b.is_newest:
        return False
    if b.volume_accepted:
        return True
    return bool(b.baseline_rows) and not 0.9 <= (b.rows_loaded or 0) / b.baseline_rows <= 1.1


def _skipped(reason: str, lang: str) -> str:
    if lang == "en":
        return reason
    if reason in SKIPPED:
        return SKIPPED[reason][lang]
    head, tail = SKIPPED_NO_BATCH
    if reason.startswith(head) and reason.endswith(tail):
        return SKIPPED_NO_BATCH_TEXT[lang].format(source=reason[len(head) : -len(tail)])
    return _code(reason)


def _batches(run: SuiteRun, lang: str) -> list[str]:
    t = T[lang]
    if run.skipped:
        return [f"- `{run.dataset}` (`{run.suite}`): {_skipped(run.skipped, lang)}."]
    suite = f"`{run.suite}`" if lang != "en" else run.suite
    head = f"- `{run.dataset}` ({suite}): " + t["suite"].format(
        checks=run.checks, seconds=_seconds(run.seconds, 2, lang)
    )
    if len(run.batches) <= LISTED_BATCHES:
        return [head + t["n_batches"].format(n=len(run.batches)), *[_batch_line(b, lang) for b in run.batches]]
    rows = sum(b.rows_loaded or 0 for b in run.batches)
    moved = [b for b in run.batches if _moved(b)]
    first = sum(b.baseline_batch_id is None for b in run.batches)
    lines = [
        head
        + t["many"].format(n=len(run.batches), rows=_num(rows, lang), first=first, moved=len(moved))
        + (":" if moved else "")
    ]
    lines += [_batch_line(b, lang) for b in moved[:LISTED_BATCHES]]
    if len(moved) > LISTED_BATCHES:
        lines.append("  - " + t["rest"].format(n=len(moved) - LISTED_BATCHES))
    return lines


def _layer_section(report: GateReport, layer: str, files: dict[int, str], lang: str) -> list[str]:
    t = T[lang]
    results = [r for r in report.results if r.layer == layer]
    runs = [s for s in report.suites if s.layer == layer]
    critical = [r for r in results if not r.success and r.severity == "critical"]
    warnings = [r for r in results if not r.success and r.severity != "critical"]
    passed = len(results) - len(critical) - len(warnings)
    lines = [
        f"## {t.get(layer, layer).format(schema=report.schema)}",
        "",
        t["counts"].format(checks=len(results), passed=passed, critical=len(critical), warnings=len(warnings)),
        "",
    ]
    if layer == "raw" and runs:
        lines += [t["baseline"], "", *[line for run in runs for line in _batches(run, lang)], ""]
    for heading, failures in ((t["critical"], critical), (t["warnings"], warnings)):
        if failures:
            lines += [f"### {heading}", ""]
            for r in failures:
                lines += _failure(r, files, lang)
    lines += [f"### {t['all']}", "", "| " + " | ".join(t["table"]) + " |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| `{r.dataset}` | {_check_label(r, lang)} | {t['severity'].get(r.severity, r.severity)} | "
            f"{t['result'][bool(r.success)]} | {translated(r.protects, lang)} |"
        )
    return [*lines, ""]


def render_language(report: GateReport, lang: str) -> list[str]:
    """The whole report in one language, its headings one level below the document's title."""
    t = T[lang]
    status = t["passed"] if report.success else t["failed"]
    files = {b.batch_id: b.source_file for s in report.suites for b in s.batches}
    layers = [x for x in report.layers] or sorted({r.layer for r in report.results})
    checked = t["and"].join(f"`{report.schema}`" if x == "published" else "`raw`" for x in layers) or t["nothing"]
    lines = [
        f'<a id="{lang}"></a>',
        "",
        f"# {t['title'].format(id=report.gate_run_id, status=status)}",
        "",
        t["checked"].format(
            what=checked,
            at=now_utc(),
            seconds=_seconds(report.seconds, 1, lang),
            setup=_seconds(report.setup_seconds, 1, lang),
            checks=len(report.results),
            critical=len(report.critical_failures),
            warnings=len(report.warnings),
        ),
        "",
    ]
    if report.critical_failures:
        blocking = "; ".join(
            (r.dataset if lang == "en" else f"`{r.dataset}`") + f": {translated(r.protects, lang)}"
            for r in report.critical_failures[:5]
        )
        lines += [t["blocking"] + blocking, ""]
    for layer in layers:
        lines += _layer_section(report, layer, files, lang)
    timing = sorted((s for s in report.suites if not s.skipped), key=lambda s: -s.seconds)
    if timing:
        lines += [f"## {t['time']}", "", "| " + " | ".join(t["time_table"]) + " |", "|---|---|---|---|"]
        lines += [
            f"| `{s.suite}` | {t['layer'].get(s.layer, s.layer)} | {s.checks} | {_seconds(s.seconds, 2, lang)} |"
            for s in timing
        ]
    return [*lines, ""]


def render_markdown(report: GateReport, languages: tuple[str, ...] = LANGS) -> str:
    """The report in ``languages`` (default Kazakh, Russian, English), one after the other."""
    title = " / ".join(T[lang]["title"].split(" №")[0].split(" #")[0] for lang in languages)
    lines = [
        f"# {title} #{report.gate_run_id}",
        "",
        " · ".join(f"[{LANGUAGE_NAMES[lang]}](#{lang})" for lang in languages),
        "",
    ]
    for lang in languages:
        lines += render_language(report, lang)
    return "\n".join(lines).rstrip("\n") + "\n"


def language_sections(markdown: str) -> dict[str, str]:
    """A rendered report split into its language sections (what a reader of one language reads)."""
    out, current = {}, None
    for line in markdown.splitlines():
        for lang in LANGS:
            if line == f'<a id="{lang}"></a>':
                current = lang
                out[lang] = []
        if current:
            out[current].append(line)
    return {lang: "\n".join(lines) for lang, lines in out.items()}


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
