"""The public contract as the dbt manifest describes it: published tables, their columns and labels.

Everything the release files say about a table (labels in Kazakh, Russian and English, units,
definitions, grain, sources, types) comes from here, i.e. from ``models/published`` in the
manifest. No table is named in code: a new published model appears in every export, the data
dictionary and the portal as soon as it is in the manifest and in the ``published`` schema.

Model ``meta`` keys read here: ``grain`` (list of key columns), ``label_kk|ru|en``, optional
``source`` / ``sources`` / ``publisher`` (text shown as the table's source) and ``portal``
(chart hints for the portal, see :mod:`publication.portal.charts`). Column ``meta``: ``label_kk|ru|en``,
``unit`` (a code from :data:`UNITS` or any text), optional ``unit_kk|ru|en``, ``definition``,
optional ``aggregate`` (``sum``, ``min``, ``max`` or ``none``: how rows of one territory and year may be
combined; the default is ``sum`` for counts and tenge and ``none`` for everything else, so a month, a
ratio, a cost per pupil or a coordinate is never added up).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from edu_wh.dbt_runner import is_published_model, load_manifest, manifest_path  # noqa: F401 - part of this module's API

LANGUAGES = ("kk", "ru", "en")

#: unit code → (kk, ru, en) as shown in labels: "Мектептер саны (бірлік)"
UNITS: dict[str, tuple[str, str, str]] = {
    "count": ("бірлік", "единиц", "number"),
    "schools": ("бірлік", "единиц", "number"),
    "buildings": ("бірлік", "единиц", "number"),
    "projects": ("бірлік", "единиц", "number"),
    "buses": ("бірлік", "единиц", "number"),
    "classrooms": ("бірлік", "единиц", "number"),
    "claims": ("бірлік", "единиц", "number"),
    "persons": ("адам", "человек", "persons"),
    "people": ("адам", "человек", "persons"),
    "pupils": ("адам", "человек", "persons"),
    "students": ("адам", "человек", "persons"),
    "teachers": ("адам", "человек", "persons"),
    "children": ("адам", "человек", "persons"),
    "places": ("орын", "мест", "places"),
    "seats": ("орын", "мест", "places"),
    "kzt": ("теңге", "тенге", "tenge"),
    "tenge": ("теңге", "тенге", "tenge"),
    "kzt_thousands": ("мың теңге", "тыс. тенге", "thousand tenge"),
    "kzt_millions": ("млн теңге", "млн тенге", "million tenge"),
    "kzt_per_pupil": ("оқушыға теңге", "тенге на ученика", "tenge per pupil"),
    "percent": ("%", "%", "%"),
    "ratio": ("%", "%", "%"),
    "share": ("%", "%", "%"),
    "shifts": ("ауысым", "смен", "shifts"),
    "years": ("жыл", "лет", "years"),
    "days": ("күн", "дней", "days"),
    "meals": ("порция", "порций", "meals"),
    "score": ("балл", "балл", "points"),
    "points": ("балл", "балл", "points"),
}

COUNT_UNITS = {
    "count",
    "schools",
    "buildings",
    "projects",
    "buses",
    "classrooms",
    "claims",
    "persons",
    "people",
    "pupils",
    "students",
    "teachers",
    "children",
    "places",
    "seats",
    "meals",
    "shifts",
    "days",
    "years",
}
MONEY_UNITS = {"kzt", "tenge", "kzt_thousands", "kzt_millions", "kzt_per_pupil"}
#: units whose values add up over rows (a per-pupil cost, a ratio or a month does not)
ADDITIVE_UNITS = (COUNT_UNITS - {"shifts", "days", "years"}) | (MONEY_UNITS - {"kzt_per_pupil"})
AGGREGATES = ("sum", "min", "max", "none")
RATIO_UNITS = {"ratio", "share"}  # stored as 0..1, shown as percent
PERCENT_UNITS = {"percent"}  # stored as 0..100

INTEGER_TYPES = {"smallint", "integer", "bigint", "int", "int2", "int4", "int8", "serial", "bigserial"}
DECIMAL_TYPES = {"numeric", "decimal", "real", "double precision", "float", "float4", "float8", "money"}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    data_type: str
    label_kk: str
    label_ru: str
    label_en: str
    unit: str | None = None
    description: str = ""  # the definition in English (the dbt description, also the database comment)
    description_from: str | None = None  # the upstream model a description was inherited from
    documented: bool = True  # labels and definitions in all three languages
    definition_kk: str = ""
    definition_ru: str = ""
    unit_labels: tuple[str, str, str] | None = None
    aggregate: str | None = None  # declared in the column meta; see :attr:`combine`

    @property
    def combine(self) -> str:
        """How values of several rows (of one territory and year) combine: sum, min, max or none."""
        if self.aggregate in AGGREGATES:
            return self.aggregate
        if self.unit in RATIO_UNITS or self.unit in PERCENT_UNITS:
            return "none"
        return "sum" if self.unit in ADDITIVE_UNITS else "none"

    def definition(self, lang: str) -> str:
        return self.description if lang == "en" else getattr(self, f"definition_{lang}")

    def label(self, lang: str, *, with_unit: bool = True) -> str:
        text = getattr(self, f"label_{lang}") or self.name
        unit = self.unit_label(lang)
        return f"{text} ({unit})" if with_unit and unit else text

    def unit_label(self, lang: str) -> str:
        if not self.unit:
            return ""
        labels = self.unit_labels or UNITS.get(self.unit)
        return labels[LANGUAGES.index(lang)] if labels else self.unit

    @property
    def kind(self) -> str:
        """integer | decimal | text | boolean | date | timestamp | other (from the SQL type)."""
        return type_kind(self.data_type)

    @property
    def is_year(self) -> bool:
        return self.name == "year" or self.name.endswith("_year") and self.kind == "integer"

    @property
    def number_format(self) -> str | None:
        """Excel number format: thousands separators for counts and tenge, percent for ratios."""
        kind = self.kind
        if kind not in ("integer", "decimal"):
            return {"date": "yyyy-mm-dd", "timestamp": "yyyy-mm-dd hh:mm:ss"}.get(kind)
        if self.is_year or self.name.endswith(("_id", "_code")):
            return "0"
        if self.unit in RATIO_UNITS or self.name.endswith(("_ratio", "_share")):
            return "0.0%"
        if self.unit in PERCENT_UNITS or self.name.endswith(("_percent", "_pct")):
            return '0.0"%"'
        if self.unit in COUNT_UNITS or self.unit in MONEY_UNITS or self.name.endswith(("_kzt", "_count")):
            return "#,##0"
        return "#,##0" if kind == "integer" else "#,##0.0##"

    @property
    def is_measure(self) -> bool:
        """A number worth showing (not a year, code or identifier)."""
        return (
            self.kind in ("integer", "decimal")
            and not self.is_year
            and not self.name.endswith(("_id", "_code", "_start", "_end", "_rank"))
        )


@dataclass(frozen=True)
class TableSpec:
    name: str  # the published table name (the model's alias)
    model: str
    unique_id: str
    description: str
    grain: tuple[str, ...]
    label_kk: str
    label_ru: str
    label_en: str
    columns: tuple[ColumnSpec, ...]
    meta: dict = field(default_factory=dict, hash=False, compare=False)
    upstream_sources: tuple[str, ...] = ()  # raw tables the model is built from (dbt lineage)
    documented: bool = True
    description_kk: str = ""
    description_ru: str = ""

    def label(self, lang: str) -> str:
        return getattr(self, f"label_{lang}") or self.name

    def describe(self, lang: str) -> str:
        return self.description if lang == "en" else getattr(self, f"description_{lang}")

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def declared_source(self) -> str:
        meta = self.meta
        value = meta.get("source") or meta.get("sources") or meta.get("publisher") or ""
        return "; ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def type_kind(data_type: str) -> str:
    t = (data_type or "").lower().split("(")[0].strip()
    if t in INTEGER_TYPES:
        return "integer"
    if t in DECIMAL_TYPES:
        return "decimal"
    if t in ("text", "character varying", "varchar", "character", "char", "bpchar", "name", "uuid", "citext"):
        return "text"
    if t in ("boolean", "bool"):
        return "boolean"
    if t == "date":
        return "date"
    if t.startswith("timestamp"):
        return "timestamp"
    return "other"


def _inherited_description(manifest: dict, node: dict, column: str) -> tuple[str, str | None]:
    """The description of the same column in the nearest upstream model (breadth first)."""
    nodes = manifest.get("nodes", {})
    seen: set[str] = set()
    queue = list((node.get("depends_on") or {}).get("nodes") or [])
    while queue:
        uid = queue.pop(0)
        if uid in seen:
            continue
        seen.add(uid)
        parent = nodes.get(uid) or manifest.get("sources", {}).get(uid)
        if not parent:
            continue
        desc = ((parent.get("columns") or {}).get(column) or {}).get("description") or ""
        if desc.strip():
            return desc.strip(), parent.get("name")
        queue.extend((parent.get("depends_on") or {}).get("nodes") or [])
    return "", None


def _upstream_sources(manifest: dict, node: dict) -> tuple[str, ...]:
    nodes, sources = manifest.get("nodes", {}), manifest.get("sources", {})
    found, seen = set(), set()
    queue = list((node.get("depends_on") or {}).get("nodes") or [])
    while queue:
        uid = queue.pop()
        if uid in seen:
            continue
        seen.add(uid)
        if uid in sources:
            src = sources[uid]
            found.add(f"{src.get('schema')}.{src.get('identifier') or src.get('name')}")
        elif uid in nodes:
            parent = nodes[uid]
            if parent.get("resource_type") == "seed":
                found.add(f"seed {parent.get('name')}")
            queue.extend((parent.get("depends_on") or {}).get("nodes") or [])
    return tuple(sorted(found))


CATALOGUE = Path(__file__).resolve().parent / "catalogue"


@functools.cache
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    import yaml

    data = yaml.safe_load((CATALOGUE / name).read_text(encoding="utf-8")) or {}
    return {str(k): {lang: " ".join(str(v.get(lang) or "").split()) for lang in ("kk", "ru")} for k, v in data.items()}


def column_definitions() -> dict[str, dict[str, str]]:
    """``column`` or ``table.column`` → {kk, ru}: the translations of the columns' definitions."""
    return _catalogue("column_definitions.yml")


def table_descriptions() -> dict[str, dict[str, str]]:
    """published table → {kk, ru}: the translations of the tables' descriptions."""
    return _catalogue("table_descriptions.yml")


def _translated(table: str, column: str, meta: dict, lang: str) -> str:
    if meta.get(f"definition_{lang}"):
        return " ".join(str(meta[f"definition_{lang}"]).split())
    catalogue = column_definitions()
    entry = catalogue.get(f"{table}.{column}") or catalogue.get(column) or {}
    return entry.get(lang, "")


def _column_spec(manifest: dict, node: dict, col: dict) -> ColumnSpec:
    meta = {**(col.get("meta") or {}), **((col.get("config") or {}).get("meta") or {})}
    name = col["name"]
    description = (col.get("description") or meta.get("definition") or "").strip()
    inherited = None
    if not description:
        description, inherited = _inherited_description(manifest, node, name)
    table = node.get("alias") or node["name"]
    definition_kk, definition_ru = (_translated(table, name, meta, lang) for lang in ("kk", "ru"))
    unit_labels = None
    if all(meta.get(f"unit_{lang}") for lang in LANGUAGES):
        unit_labels = tuple(str(meta[f"unit_{lang}"]) for lang in LANGUAGES)
    return ColumnSpec(
        name=name,
        data_type=col.get("data_type") or "",
        label_kk=str(meta.get("label_kk") or ""),
        label_ru=str(meta.get("label_ru") or ""),
        label_en=str(meta.get("label_en") or ""),
        unit=str(meta["unit"]) if meta.get("unit") else None,
        description=" ".join(description.split()),
        description_from=inherited,
        documented=bool(
            all(meta.get(f"label_{lang}") for lang in LANGUAGES) and description and definition_kk and definition_ru
        ),
        definition_kk=definition_kk,
        definition_ru=definition_ru,
        unit_labels=unit_labels,  # type: ignore[arg-type]
        aggregate=str(meta["aggregate"]) if meta.get("aggregate") else None,
    )


def published_models(manifest: dict | None = None) -> dict[str, TableSpec]:
    """Published table name → its spec, for every model under ``models/published``."""
    manifest = manifest if manifest is not None else load_manifest()
    project = (manifest.get("metadata") or {}).get("project_name")
    specs: dict[str, TableSpec] = {}
    for uid, node in sorted((manifest.get("nodes") or {}).items()):
        if not is_published_model(node, project):
            continue
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        name = node.get("alias") or node["name"]
        grain = meta.get("grain") or []
        specs[name] = TableSpec(
            name=name,
            model=node["name"],
            unique_id=uid,
            description=" ".join((node.get("description") or "").split()),
            grain=tuple([grain] if isinstance(grain, str) else grain),
            label_kk=str(meta.get("label_kk") or ""),
            label_ru=str(meta.get("label_ru") or ""),
            label_en=str(meta.get("label_en") or ""),
            columns=tuple(_column_spec(manifest, node, col) for col in (node.get("columns") or {}).values()),
            meta=meta,
            upstream_sources=_upstream_sources(manifest, node),
            description_kk=" ".join(
                str(meta.get("description_kk") or table_descriptions().get(name, {}).get("kk", "")).split()
            ),
            description_ru=" ".join(
                str(meta.get("description_ru") or table_descriptions().get(name, {}).get("ru", "")).split()
            ),
        )
    return specs


def undocumented_table(name: str, columns: list[tuple[str, str]]) -> TableSpec:
    """A table in ``published`` that the manifest does not describe (a stale manifest)."""
    return TableSpec(
        name=name,
        model="",
        unique_id="",
        description="",
        grain=(),
        label_kk="",
        label_ru="",
        label_en="",
        columns=tuple(ColumnSpec(n, t, "", "", "", documented=False) for n, t in columns),
        documented=False,
    )


def align(spec: TableSpec, columns: list[tuple[str, str]]) -> TableSpec:
    """The spec with exactly the columns the table has, in the table's order, typed as in the database
    (enforced contracts make the two agree; the database is what was released)."""
    from dataclasses import replace

    aligned = []
    for name, db_type in columns:
        col = spec.column(name)
        aligned.append(
            ColumnSpec(name, db_type, "", "", "", documented=False) if col is None else replace(col, data_type=db_type)
        )
    return replace(spec, columns=tuple(aligned))
