"""The data dictionary of a release: every column of every published table.

For each column: its labels in Kazakh, Russian and English, SQL type, unit, definition (the column's
description in the dbt model, or, if it has none, the description of the same column in the
nearest upstream model, which the dictionary names), the table's grain and whether the column is
part of it, and the table's source: the ``source``/``publisher`` in the model's meta, the distinct
``source_name`` values in the data, and the raw tables it is built from (dbt lineage).

Written as CSV (UTF-8 with BOM), JSON and Markdown; the same rows form the ``dictionary`` sheet of
the release workbook.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from publication.contract import LANGUAGES, TableSpec
from publication.exports import neutralise
from publication.snapshot import ReleaseSnapshot, TableData

FIELDS = [
    "table",
    "column",
    "position",
    "label_kk",
    "label_ru",
    "label_en",
    "type",
    "unit",
    "unit_kk",
    "unit_ru",
    "unit_en",
    "definition",
    "definition_from",
    "grain",
    "in_grain",
    "source",
    "built_from",
    "rows",
    "non_empty",
    "documented",
]


def table_sources(table: TableData) -> str:
    """What the table says its data come from: meta source, then the distinct source_name values."""
    found = []
    if table.spec.declared_source:
        found.append(table.spec.declared_source)
    if "source_name" in table.columns:
        found.extend(sorted({str(v) for v in table.column_values("source_name") if v}))
    return "; ".join(dict.fromkeys(found))


def grain_text(spec: TableSpec) -> str:
    return " × ".join(spec.grain)


def dictionary_rows(snapshot: ReleaseSnapshot) -> list[dict]:
    rows = []
    for name in sorted(snapshot.tables):
        table = snapshot.tables[name]
        spec = table.spec
        source, grain = table_sources(table), grain_text(spec)
        for position, col in enumerate(spec.columns, start=1):
            values = table.column_values(col.name)
            rows.append(
                {
                    "table": name,
                    "column": col.name,
                    "position": position,
                    "label_kk": col.label_kk,
                    "label_ru": col.label_ru,
                    "label_en": col.label_en,
                    "type": col.data_type,
                    "unit": col.unit or "",
                    **{f"unit_{lang}": col.unit_label(lang) for lang in LANGUAGES},
                    "definition": col.description,
                    "definition_from": col.description_from or "",
                    "grain": grain,
                    "in_grain": col.name in spec.grain,
                    "source": source,
                    "built_from": ", ".join(spec.upstream_sources),
                    "rows": len(values),
                    "non_empty": sum(v is not None and v != "" for v in values),
                    "documented": col.documented,
                }
            )
    return rows


def write_csv(rows: list[dict], path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: ("true" if v else "false") if isinstance(v, bool) else neutralise(str(v)) for k, v in row.items()}
            )
    return path


def as_json(snapshot: ReleaseSnapshot, rows: list[dict]) -> dict:
    tables = []
    for name in sorted(snapshot.tables):
        table = snapshot.tables[name]
        spec = table.spec
        tables.append(
            {
                "table": name,
                "model": spec.model,
                **{f"label_{lang}": spec.label(lang) for lang in LANGUAGES},
                "description": spec.description,
                "grain": list(spec.grain),
                "source": table_sources(table),
                "built_from": list(spec.upstream_sources),
                "rows": len(table.rows),
                "documented": spec.documented,
                "columns": [
                    {k: v for k, v in r.items() if k not in ("table", "grain", "source", "built_from")}
                    for r in rows
                    if r["table"] == name
                ],
            }
        )
    return {"release_id": snapshot.release_id, "tables": tables}


def write_json(snapshot: ReleaseSnapshot, rows: list[dict], path: Path) -> Path:
    path.write_text(json.dumps(as_json(snapshot, rows), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(snapshot: ReleaseSnapshot, rows: list[dict]) -> str:
    lines = [
        f"# Data dictionary, release {snapshot.release_id}",
        "",
        "Every column of every published table: labels in Kazakh (kk), Russian (ru) and English (en), "
        "type, unit and definition. The grain is the set of columns that identifies one row.",
        "",
    ]
    for table in as_json(snapshot, rows)["tables"]:
        lines += [
            f"## `{table['table']}`: {table['label_en']}",
            "",
            f"- **kk**: {table['label_kk']} · **ru**: {table['label_ru']}",
            f"- **Description**: {table['description'] or '—'}",
            f"- **Grain**: {' × '.join(table['grain']) or '—'}",
            f"- **Source**: {table['source'] or '—'}",
            f"- **Built from**: {', '.join(table['built_from']) or '—'}",
            f"- **Rows**: {table['rows']:,}",
            "",
            "| # | column | kk | ru | en | type | unit | definition |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in table["columns"]:
            definition = c["definition"] + (f" (from `{c['definition_from']}`)" if c["definition_from"] else "")
            key = " 🔑" if c["in_grain"] else ""
            lines.append(
                f"| {c['position']} | `{c['column']}`{key} | {_md(c['label_kk'])} | {_md(c['label_ru'])} | "
                f"{_md(c['label_en'])} | {c['type']} | {_md(c['unit'])} | {_md(definition) or '—'} |"
            )
        lines.append("")
    lines.append("🔑 = part of the table's grain.")
    return "\n".join(lines) + "\n"


def write_markdown(snapshot: ReleaseSnapshot, rows: list[dict], path: Path) -> Path:
    path.write_text(render_markdown(snapshot, rows), encoding="utf-8")
    return path
