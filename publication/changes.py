"""What changed since the previous release: rows added / changed / removed per table, and headlines.

Rows are matched by the table's grain (``meta.grain`` in the dbt model); a table without a declared
grain, or whose grain columns are missing on either side, is compared by whole rows (so a change
counts as one row removed and one added). The previous release is read from its archive schema
(``archive_r<N>``) while the warehouse keeps it (``EDU_WH_KEEP_RELEASES``); otherwise the summary
says it is no longer kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from publication.snapshot import PreviousRelease, ReleaseSnapshot, TableData

EXAMPLES_PER_TABLE = 10


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def compare_table(current: TableData | None, previous: TableData | None) -> dict:
    name = (current or previous).name  # type: ignore[union-attr]
    if previous is None or current is None:
        before, after = len(previous.rows) if previous else 0, len(current.rows) if current else 0
        return {
            "table": name,
            "status": "new" if previous is None else "removed",
            "rows_before": before,
            "rows_after": after,
            "added": after,
            "changed": 0,
            "removed": before,
        }
    common = [c for c in current.columns if c in previous.columns]
    grain = [c for c in current.spec.grain if c in common]
    key_by = grain if grain and len(grain) == len(current.spec.grain) else common
    compared = [c for c in common if c not in key_by]

    def index(table: TableData) -> dict:
        ki = [table.columns.index(c) for c in key_by]
        vi = [table.columns.index(c) for c in compared]
        out = {}
        for r in table.rows:
            out[tuple(r[i] for i in ki)] = tuple(r[i] for i in vi)
        return out

    cur, prev = index(current), index(previous)
    added = [k for k in cur if k not in prev]
    removed = [k for k in prev if k not in cur]
    changed = [k for k in cur if k in prev and cur[k] != prev[k]]
    by_column: dict[str, int] = {}
    examples = []
    for k in changed:
        diffs = {c: (prev[k][i], cur[k][i]) for i, c in enumerate(compared) if prev[k][i] != cur[k][i]}
        for c in diffs:
            by_column[c] = by_column.get(c, 0) + 1
        if len(examples) < EXAMPLES_PER_TABLE:
            examples.append(
                {
                    "key": dict(zip(key_by, map(_jsonable, k))),
                    "changes": {c: {"before": _jsonable(a), "after": _jsonable(b)} for c, (a, b) in diffs.items()},
                }
            )
    return {
        "table": name,
        "status": "changed" if (added or removed or changed) else "unchanged",
        "compared_by": key_by,
        "by_grain": key_by == grain and bool(grain),
        "rows_before": len(previous.rows),
        "rows_after": len(current.rows),
        "added": len(added),
        "changed": len(changed),
        "removed": len(removed),
        "changed_columns": dict(sorted(by_column.items(), key=lambda kv: -kv[1])),
        "columns_added": [c for c in current.columns if c not in previous.columns],
        "columns_removed": [c for c in previous.columns if c not in current.columns],
        "examples_added": [dict(zip(key_by, map(_jsonable, k))) for k in added[:EXAMPLES_PER_TABLE]],
        "examples_removed": [dict(zip(key_by, map(_jsonable, k))) for k in removed[:EXAMPLES_PER_TABLE]],
        "examples_changed": examples,
    }


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def compare_headlines(current: list[dict], previous: list[dict]) -> list[dict]:
    before = {h["key"]: h for h in previous}
    out = []
    for h in current:
        old = before.get(h["key"])
        entry = {
            "key": h["key"],
            "label_kk": h["label_kk"],
            "label_ru": h["label_ru"],
            "label_en": h["label_en"],
            "unit": h["unit"],
            "before": _jsonable(old["value"]) if old else None,
            "before_display": old["display"] if old else None,
            "after": _jsonable(h["value"]),
            "after_display": h["display"],
            "source": h.get("source"),
        }
        a, b = _number(entry["before"]), _number(entry["after"])
        entry["status"] = "new" if old is None else "unchanged" if entry["before"] == entry["after"] else "changed"
        entry["difference"] = (b - a) if a is not None and b is not None else None
        entry["difference_percent"] = ((b - a) / a * 100) if a and b is not None else None
        out.append(entry)
    for key, old in before.items():
        if not any(h["key"] == key for h in current):
            entry = {k: old[k] for k in ("key", "label_kk", "label_ru", "label_en", "unit")}
            entry.update(status="removed", before=_jsonable(old["value"]), before_display=old["display"])
            entry.update(after=None, after_display=None, difference=None, difference_percent=None)
            out.append(entry)
    return out


def compute_changes(snapshot: ReleaseSnapshot, previous: PreviousRelease) -> dict:
    result = {
        "release_id": snapshot.release_id,
        "previous_release_id": previous.release_id,
        "previous_kept": previous.kept,
        "note": previous.reason,
        "tables": [],
        "headlines": [],
    }
    if previous.release_id is None:
        result["tables"] = [compare_table(t, None) for _, t in sorted(snapshot.tables.items())]
        result["headlines"] = compare_headlines(snapshot.headlines, [])
        return result
    if not previous.kept:
        return result
    names = sorted(set(snapshot.tables) | set(previous.tables))
    result["tables"] = [compare_table(snapshot.tables.get(n), previous.tables.get(n)) for n in names]
    result["headlines"] = compare_headlines(snapshot.headlines, previous.headlines)
    return result


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def summary_line(changes: dict) -> str:
    prev = changes.get("previous_release_id")
    if prev is None:
        return "This is the first release: every row is new."
    if not changes.get("previous_kept"):
        return f"Compared with release {prev}: {changes.get('note')}, so the rows cannot be compared."
    return f"Compared with the previous release, {prev}."


def render_markdown(changes: dict) -> str:
    rid, prev = changes["release_id"], changes["previous_release_id"]
    lines = [f"# Changes in release {rid}", ""]
    if prev is None:
        lines += ["This is the first release: every row is new.", ""]
    elif not changes["previous_kept"]:
        lines += [
            f"Compared with release {prev}: **{changes['note']}**, so the rows cannot be compared. "
            f"The previous release's own files (its folder `r{prev:06d}/`), if kept, can be compared by hand.",
            "",
        ]
        return "\n".join(lines)
    else:
        lines += [f"Compared with the previous release, {prev}.", ""]
    lines += [
        "## Tables",
        "",
        "| table | status | rows before | rows after | added | changed | removed | matched by |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in changes["tables"]:
        lines.append(
            f"| `{t['table']}` | {t['status']} | {_fmt(t['rows_before'])} | {_fmt(t['rows_after'])} | "
            f"{_fmt(t['added'])} | {_fmt(t['changed'])} | {_fmt(t['removed'])} | "
            f"{' × '.join(t.get('compared_by') or []) or '—'} |"
        )
    lines.append("")
    if changes["headlines"]:
        lines += ["## Headline figures", "", "| figure | before | after | difference |", "|---|---:|---:|---:|"]
        for h in changes["headlines"]:
            diff = "—"
            if h.get("difference") is not None and h["status"] == "changed":
                diff = f"{h['difference']:+,.0f}"
                if h.get("difference_percent") is not None:
                    diff += f" ({h['difference_percent']:+.1f}%)"
            elif h["status"] in ("new", "removed", "unchanged"):
                diff = h["status"]
            lines.append(f"| {h['label_en']} | {h['before_display'] or '—'} | {h['after_display'] or '—'} | {diff} |")
        lines.append("")
    details = [t for t in changes["tables"] if t["status"] == "changed"]
    if details:
        lines += ["## Details", ""]
    for t in details:
        lines += [f"### `{t['table']}`", ""]
        if t.get("columns_added") or t.get("columns_removed"):
            lines.append(
                f"- columns added: {', '.join(t['columns_added']) or 'none'}; "
                f"removed: {', '.join(t['columns_removed']) or 'none'}"
            )
        if t.get("changed_columns"):
            lines.append(
                "- changed values by column: " + ", ".join(f"`{c}` {n:,}" for c, n in t["changed_columns"].items())
            )
        for ex in t.get("examples_changed", []):
            key = ", ".join(f"{k}={v}" for k, v in ex["key"].items())
            what = "; ".join(f"`{c}` {_fmt(d['before'])} → {_fmt(d['after'])}" for c, d in ex["changes"].items())
            lines.append(f"- changed {key}: {what}")
        for ex in t.get("examples_added", []):
            lines.append("- added " + ", ".join(f"{k}={v}" for k, v in ex.items()))
        for ex in t.get("examples_removed", []):
            lines.append("- removed " + ", ".join(f"{k}={v}" for k, v in ex.items()))
        shown = (
            len(t.get("examples_changed", [])) + len(t.get("examples_added", [])) + len(t.get("examples_removed", []))
        )
        if shown < t["added"] + t["changed"] + t["removed"]:
            lines.append(f"- … {t['added'] + t['changed'] + t['removed'] - shown:,} more (compare the tables' files)")
        lines.append("")
    return "\n".join(lines)


def write(changes: dict, folder: Path) -> tuple[Path, Path]:
    md = folder / "CHANGES.md"
    js = folder / "changes.json"
    md.write_text(render_markdown(changes), encoding="utf-8")
    js.write_text(json.dumps(changes, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return md, js
