"""The data dictionary of a release: every column of every published table.

For each column: its labels in Kazakh, Russian and English, SQL type, unit, definition (the column's
description in the dbt model, or, if it has none, the description of the same column in the
nearest upstream model, which the dictionary names), the table's grain and whether the column is
part of it, and the table's source: the ``source``/``publisher`` in the model's meta, the distinct
``source_name`` values in the data, and the raw tables it is built from (dbt lineage).

Definitions are in English (``definition``, the dbt description and database comment), Kazakh and
Russian (``definition_kk`` / ``definition_ru``, see :mod:`publication.contract`); ``codes`` lists the
coded values the column has in the release with their labels in the three languages
(:mod:`publication.codes`). ``documented`` is true only when labels and definitions exist in all three.

Written as CSV (UTF-8 with BOM), JSON and Markdown; the same rows form the ``dictionary`` sheet of
the release workbook. The dictionary's own columns are labelled and defined in the three languages too
(``catalogue/dictionary_fields.yml``): the JSON's ``fields``, the Markdown's last table and the label
rows above the sheet's header.
"""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

from publication import codes
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
    "definition_kk",
    "definition_ru",
    "definition_from",
    "codes",
    "grain",
    "in_grain",
    "source",
    "built_from",
    "rows",
    "non_empty",
    "documented",
]

FIELDS_CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "dictionary_fields.yml"


@functools.cache
def field_texts() -> dict[str, dict]:
    """Each column of the dictionary itself: {"label": {kk, ru, en}, "definition": {kk, ru, en}}."""
    import yaml

    return yaml.safe_load(FIELDS_CATALOGUE.read_text(encoding="utf-8"))


def field_rows() -> list[dict]:
    """The columns of the dictionary, labelled and defined in three languages (its own dictionary)."""
    texts = field_texts()
    return [
        {
            "field": name,
            **{f"label_{lang}": texts[name]["label"][lang] for lang in LANGUAGES},
            "definition": texts[name]["definition"]["en"],
            "definition_kk": texts[name]["definition"]["kk"],
            "definition_ru": texts[name]["definition"]["ru"],
        }
        for name in FIELDS
    ]


def table_sources(table: TableData) -> str:
    """What the table says its data come from: meta source, then the distinct source_name values."""
    found = []
    if table.spec.declared_source:
        found.append(table.spec.declared_source)
    if "source_name" in table.columns:
        found.extend(sorted({str(v) for v in table.column_values("source_name") if v}))
    return "; ".join(dict.fromkeys(found))


def codes_text(table: str, column: str, values) -> str:
    """The coded values a column has in this release, each with its kk / ru / en label."""
    labels = codes.labels_for(table, column)
    if not labels:
        return ""
    present = {str(v) for v in values if v is not None}
    return "; ".join(
        f"{code} = {entry['kk']} / {entry['ru']} / {entry['en']}" for code, entry in labels.items() if code in present
    )


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
                    "definition_kk": col.definition_kk,
                    "definition_ru": col.definition_ru,
                    "definition_from": col.description_from or "",
                    "codes": codes_text(name, col.name, values),
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
                "description_kk": spec.description_kk,
                "description_ru": spec.description_ru,
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
    return {"release_id": snapshot.release_id, "tables": tables, "fields": field_rows()}


def write_json(snapshot: ReleaseSnapshot, rows: list[dict], path: Path) -> Path:
    path.write_text(json.dumps(as_json(snapshot, rows), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(snapshot: ReleaseSnapshot, rows: list[dict]) -> str:
    lines = [
        f"# Деректер сөздігі / Словарь данных / Data dictionary, release {snapshot.release_id}",
        "",
        "Әр жарияланған кестенің әр бағаны: қазақ, орыс және ағылшын тілдеріндегі атауы, түрі, өлшем бірлігі, "
        "анықтамасы және кодтардың мағынасы. Дән (grain) — бір жолды анықтайтын бағандар.",
        "",
        "Каждый столбец каждой опубликованной таблицы: название на казахском, русском и английском, тип, единица, "
        "определение и значения кодов. Зерно (grain) — столбцы, однозначно определяющие строку.",
        "",
        "Every column of every published table: labels in Kazakh (kk), Russian (ru) and English (en), "
        "type, unit, definition and what its codes mean. The grain is the set of columns that identifies one row.",
        "",
    ]
    for table in as_json(snapshot, rows)["tables"]:
        lines += [
            f"## `{table['table']}`: {table['label_en']}",
            "",
            f"- **kk**: {table['label_kk']} · **ru**: {table['label_ru']}",
            f"- **Сипаттама**: {table['description_kk'] or '—'}",
            f"- **Описание**: {table['description_ru'] or '—'}",
            f"- **Description**: {table['description'] or '—'}",
            f"- **Дән / Зерно / Grain**: {' × '.join(table['grain']) or '—'}",
            f"- **Дереккөз / Источник / Source**: {table['source'] or '—'}",
            f"- **Негізі / Построена из / Built from**: {', '.join(table['built_from']) or '—'}",
            f"- **Жолдар / Строк / Rows**: {table['rows']:,}".replace(",", " "),
            "",
            "| # | column | kk | ru | en | type | unit | анықтама | определение | definition | codes |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in table["columns"]:
            definition = c["definition"] + (f" (from `{c['definition_from']}`)" if c["definition_from"] else "")
            key = " 🔑" if c["in_grain"] else ""
            lines.append(
                f"| {c['position']} | `{c['column']}`{key} | {_md(c['label_kk'])} | {_md(c['label_ru'])} | "
                f"{_md(c['label_en'])} | {c['type']} | {_md(c['unit'])} | {_md(c['definition_kk']) or '—'} | "
                f"{_md(c['definition_ru']) or '—'} | {_md(definition) or '—'} | {_md(c['codes'])} |"
            )
        lines.append("")
    lines.append("🔑 = кесте дәнінің бөлігі · часть зерна таблицы · part of the table's grain.")
    lines += [
        "",
        "## Сөздік бағандары / Столбцы словаря / Columns of this dictionary",
        "",
        "| field | kk | ru | en | анықтама | определение | definition |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in field_rows():
        lines.append(
            f"| `{f['field']}` | {f['label_kk']} | {f['label_ru']} | {f['label_en']} | {_md(f['definition_kk'])} | "
            f"{_md(f['definition_ru'])} | {_md(f['definition'])} |"
        )
    return "\n".join(lines) + "\n"


def write_markdown(snapshot: ReleaseSnapshot, rows: list[dict], path: Path) -> Path:
    path.write_text(render_markdown(snapshot, rows), encoding="utf-8")
    return path
