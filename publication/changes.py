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

from publication import numbers
from publication.snapshot import PreviousRelease, ReleaseSnapshot, TableData

LANGS = ("kk", "ru", "en")

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
            **{f"before_display_{lang}": (old.get(f"display_{lang}") if old else None) for lang in LANGS},
            **{f"after_display_{lang}": h.get(f"display_{lang}") for lang in LANGS},
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
            entry.update({f"before_display_{lang}": old.get(f"display_{lang}") for lang in LANGS})
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
    """A number every reader reads the same way: thousands grouped by a no-break space (1 234 567)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return numbers.grouped(value, "kk", 2).replace(",", ".")
    if isinstance(value, int):
        return numbers.grouped(value, "kk")
    return str(value)


def _value(value) -> str:
    """A value of the data in an example: a number as every reader reads it, text quoted as written."""
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return _fmt(value)
    return "`" + str(value).replace("`", "'").replace("|", "\\|") + "`"


def _names(columns: list[str]) -> str:
    return ", ".join(f"`{c}`" for c in columns) or "—"


def _key(row: dict) -> str:
    """The grain of an example row, quoted as written (it is data, not text to translate)."""
    return "`" + ", ".join(f"{k}={v}" for k, v in row.items()).replace("`", "'") + "`"


def summary_line(changes: dict) -> str:
    """One line on what the release is compared with, in Kazakh, Russian and English."""
    prev = changes.get("previous_release_id")
    if prev is None:
        return " / ".join(TEXTS["first"])
    if not changes.get("previous_kept"):
        return " / ".join(t.format(prev=prev, prev6=f"{prev:06d}", note=changes.get("note")) for t in TEXTS["not_kept"])
    return " / ".join(t.format(prev=prev) for t in TEXTS["since"])


def _says(key: str, **params) -> str:
    """A sentence of CHANGES.md in Kazakh, Russian and English, one per line."""
    return "  \n".join(text.format(**params) for text in TEXTS[key])


TEXTS = {
    "title": ("{rid}-шығарылымдағы өзгерістер", "Изменения в выпуске {rid}", "Changes in release {rid}"),
    "first": (
        "Бұл — алғашқы шығарылым: барлық жол жаңа.",
        "Это первый выпуск: все строки новые.",
        "This is the first release: every row is new.",
    ),
    "not_kept": (
        "{prev}-шығарылыммен салыстыру мүмкін емес: ол қоймада енді сақталмайды. Оның файлдарын "
        "(`r{prev6}/` қалтасы), егер сақталса, қолмен салыстыруға болады.",
        "Сравнить с выпуском {prev} нельзя: он больше не хранится в хранилище. Его файлы (папка "
        "`r{prev6}/`), если сохранились, можно сравнить вручную.",
        "Compared with release {prev}: **{note}**, so the rows cannot be compared. The previous release's own files "
        "(its folder `r{prev6}/`), if kept, can be compared by hand.",
    ),
    "since": (
        "{prev}-шығарылыммен салыстырғанда.",
        "По сравнению с предыдущим выпуском {prev}.",
        "Compared with the previous release, {prev}.",
    ),
}
STATUS = {
    "changed": "өзгерді / изменена / changed",
    "unchanged": "өзгеріссіз / без изменений / unchanged",
    "new": "жаңа / новая / new",
    "removed": "жойылды / удалена / removed",
}


def _difference(h: dict) -> str:
    if h["status"] in ("new", "removed", "unchanged"):
        return STATUS[h["status"]]
    if h.get("difference") is None:
        return "—"
    sign = "+" if h["difference"] >= 0 else "−"
    if h.get("unit") in numbers.MONEY_UNITS:
        text = " / ".join(sign + numbers.money(abs(h["difference"]), lang) for lang in ("ru", "en"))
    else:
        text = sign + _fmt(abs(h["difference"]))
    if h.get("difference_percent") is not None:
        text += f" ({h['difference_percent']:+.1f} %)"
    return text


def _shown(h: dict, when: str) -> str:
    ru, en = h.get(f"{when}_display_ru"), h.get(f"{when}_display_en")
    if ru and en:
        return ru if ru == en else f"{ru} / {en}"
    return h.get(f"{when}_display") or "—"


def render_markdown(changes: dict) -> str:
    """CHANGES.md: every sentence and heading in Kazakh, Russian and English; amounts as people write them."""
    rid, prev = changes["release_id"], changes["previous_release_id"]
    lines = [f"# {' / '.join(t.format(rid=rid) for t in TEXTS['title'])}", ""]
    if prev is None:
        lines += [_says("first"), ""]
    elif not changes["previous_kept"]:
        lines += [_says("not_kept", prev=prev, prev6=f"{prev:06d}", note=changes["note"]), ""]
        return "\n".join(lines)
    else:
        lines += [_says("since", prev=prev), ""]
    lines += [
        "## Кестелер / Таблицы / Tables",
        "",
        "| кесте / таблица / table | күйі / статус / status | бұрын / было / before | қазір / стало / after "
        "| қосылды / добавлено / added | өзгерді / изменено / changed | жойылды / удалено / removed "
        "| салыстыру кілті / ключ сравнения / matched by |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in changes["tables"]:
        lines.append(
            f"| `{t['table']}` | {STATUS.get(t['status'], t['status'])} | {_fmt(t['rows_before'])} | "
            f"{_fmt(t['rows_after'])} | {_fmt(t['added'])} | {_fmt(t['changed'])} | {_fmt(t['removed'])} | "
            f"{' × '.join(t.get('compared_by') or []) or '—'} |"
        )
    lines.append("")
    if changes["headlines"]:
        lines += [
            "## Негізгі көрсеткіштер / Ключевые показатели / Headline figures",
            "",
            "| көрсеткіш / показатель / figure | бұрын / было / before | қазір / стало / after "
            "| айырма / разница / difference |",
            "|---|---:|---:|---:|",
        ]
        for h in changes["headlines"]:
            label = "<br>".join(h[f"label_{lang}"] for lang in LANGS)
            lines.append(f"| {label} | {_shown(h, 'before')} | {_shown(h, 'after')} | {_difference(h)} |")
        lines.append("")
    details = [t for t in changes["tables"] if t["status"] == "changed"]
    if details:
        lines += ["## Толығырақ / Подробности / Details", ""]
    for t in details:
        lines += [f"### `{t['table']}`", ""]
        if t.get("columns_added") or t.get("columns_removed"):
            lines += [
                f"- бағандар қосылды / столбцы добавлены / columns added: {_names(t['columns_added'])}",
                f"- бағандар жойылды / столбцы удалены / columns removed: {_names(t['columns_removed'])}",
            ]
        if t.get("changed_columns"):
            lines.append(
                "- өзгерген мәндер / изменённые значения / changed values: "
                + ", ".join(f"`{c}` {_fmt(n)}" for c, n in t["changed_columns"].items())
            )
        for ex in t.get("examples_changed", []):
            what = "; ".join(f"`{c}` {_value(d['before'])} → {_value(d['after'])}" for c, d in ex["changes"].items())
            lines.append(f"- ~ {_key(ex['key'])}: {what}")
        for ex in t.get("examples_added", []):
            lines.append("- + " + _key(ex))
        for ex in t.get("examples_removed", []):
            lines.append("- − " + _key(ex))
        shown = (
            len(t.get("examples_changed", [])) + len(t.get("examples_added", [])) + len(t.get("examples_removed", []))
        )
        if shown < t["added"] + t["changed"] + t["removed"]:
            more = _fmt(t["added"] + t["changed"] + t["removed"] - shown)
            lines.append(f"- … тағы / ещё / more: {more} (CSV)")
        lines.append("")
    return "\n".join(lines)


def write(changes: dict, folder: Path) -> tuple[Path, Path]:
    md = folder / "CHANGES.md"
    js = folder / "changes.json"
    md.write_text(render_markdown(changes), encoding="utf-8")
    js.write_text(json.dumps(changes, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return md, js
