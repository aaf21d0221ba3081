"""The portal's charts, computed from the release snapshot into Plotly-ready series.

A chart is drawn only when its table is in the release; otherwise the portal says "not in this
release". Columns are found by name among the usual candidates, so a table built by another
engineer works without a change here as long as it uses the project's naming (``kato_code``,
``year`` / ``academic_year``, ``*_kzt``, ``*_places``, ...). A model can also say exactly what to
draw in its meta, which then wins::

    config:
      meta:
        portal:
          charts:
            - key: budget            # one of the keys below, or a new one
              kind: line             # line | bar
              x: year                # a column, or "@territory": one bar per territory, latest year
              y: executed_kzt
              series: kato_code      # optional; territories get their names in kk / ru / en
              target: target_kzt     # optional; drawn as markers
              filters: {functional_group: ["04"]}
              title_kk: ...          # optional; default titles are in publication/portal/i18n.py
"""

from __future__ import annotations

import decimal
import math
from collections import defaultdict

from publication import codes
from publication.contract import PERCENT_UNITS, RATIO_UNITS, ColumnSpec
from publication.portal import chart_context as context
from publication.portal.chart_specs import (
    CAPACITY_COLUMNS,
    PLACES_COLUMNS,
    PUPIL_COLUMNS,
    STATUS_COLUMNS,
    TERRITORY,
    TOTAL_VALUES,
    WITHIN_YEAR_COLUMNS,
    YEAR_COLUMNS,
    ChartSpec,
    _first,
    chart_specs,
)
from publication.snapshot import ReleaseSnapshot, TableData


def _num(value):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, int | float) else None


def _is_ratio(col: ColumnSpec | None) -> bool:
    return bool(col) and (
        col.unit in RATIO_UNITS | PERCENT_UNITS or col.name.endswith(("_ratio", "_share", "_percent", "_pct", "_rate"))
    )


class Territories:
    """KATO code → names in kk / ru / en, from any table that carries them."""

    def __init__(self, snapshot: ReleaseSnapshot):
        self.names: dict[str, dict[str, str]] = {}
        self.level: dict[str, str] = {}
        for table in snapshot.tables.values():
            cols = table.columns
            if "kato_code" not in cols:
                continue
            for prefix in ("name_", "territory_name_"):
                if all(f"{prefix}{lang}" in cols for lang in ("kk", "ru", "en")):
                    current = "is_current" in cols
                    for rec in table.records():
                        if current and not rec["is_current"] and rec["kato_code"] in self.names:
                            continue
                        self.names[rec["kato_code"]] = {lang: rec[f"{prefix}{lang}"] for lang in ("kk", "ru", "en")}
                        if rec.get("level"):
                            self.level[rec["kato_code"]] = rec["level"]

    def name(self, code) -> dict[str, str]:
        code = str(code)
        return self.names.get(code) or {lang: code for lang in ("kk", "ru", "en")}


def _labels(col: ColumnSpec | None, fallback: str) -> dict[str, str]:
    if col is None:
        return {lang: fallback for lang in ("kk", "ru", "en")}
    return {lang: col.label(lang) for lang in ("kk", "ru", "en")}


def _filter_rows(table: TableData, spec: ChartSpec, used: set[str]) -> tuple[list[dict], dict]:
    records = table.records()
    applied = {}
    for column, preferred in spec.filters.items():
        if column not in table.columns:
            continue
        values = {r[column] for r in records}
        choice = next(
            (v for v in (preferred if isinstance(preferred, list | tuple) else [preferred]) if v in values), None
        )
        if choice is not None:
            records = [r for r in records if r[column] == choice]
            applied[column] = choice
    for column in table.spec.grain:  # other grain dimensions: keep their "total" if they have one
        if column in used or column in applied or column == "kato_code":
            continue
        values = {r[column] for r in records}
        choice = next((v for v in TOTAL_VALUES if v in values), None)
        if choice is not None and len(values) > 1:
            records = [r for r in records if r[column] == choice]
            applied[column] = choice
    within = _first(WITHIN_YEAR_COLUMNS, table.columns)
    if within and within not in used:  # cumulative reports: the latest report of each year
        latest: dict = {}
        for r in records:
            key = tuple(r.get(c) for c in used)
            if r[within] is not None and (key not in latest or r[within] > latest[key]):
                latest[key] = r[within]
        records = [r for r in records if r[within] == latest.get(tuple(r.get(c) for c in used))]
        applied[within] = "latest"
    return records, applied


def _aggregate(records: list[dict], keys: list[str], y: str, ratio: bool) -> dict[tuple, float | None]:
    sums: dict[tuple, list] = defaultdict(list)
    for r in records:
        sums[tuple(r[k] for k in keys)].append(_num(r[y]))
    out = {}
    for key, values in sums.items():
        present = [v for v in values if v is not None]
        if not present:
            out[key] = None
        elif ratio:
            out[key] = sum(present) / len(present)
        else:
            out[key] = sum(present)
    return out


def _unavailable(spec: ChartSpec, reason: str, **detail) -> dict:
    return {
        "key": spec.key,
        "table": spec.table,
        "title_key": spec.title_key,
        "titles": spec.titles,
        "available": False,
        "reason": reason,
        **detail,
    }


def _districts_only(codes: set[str]) -> set[str]:
    """Bars by district: leave out region totals when the districts are there."""
    lower = {c for c in codes if isinstance(c, str) and len(c) == 9 and not c.endswith("0000000")}
    return lower or codes


def build_chart(spec: ChartSpec, snapshot: ReleaseSnapshot, territories: Territories) -> dict:
    table = snapshot.tables.get(spec.table)
    if table is None:
        return _unavailable(spec, "not_in_release")
    cols = table.columns
    x = TERRITORY if spec.x == (TERRITORY,) else _first(spec.x, cols)
    if x == TERRITORY and "kato_code" not in cols:
        x = None
    y = _first(spec.y, cols)
    if y is None and spec.y_units:
        y = next((c.name for c in table.spec.columns if c.is_measure and c.unit in spec.y_units), None)
    series = _first(spec.series, cols)
    target = _first(spec.target, cols)
    status = _first(STATUS_COLUMNS, cols) if spec.stack_by_status and y is None else None
    records_source = table
    derived = None
    if y is None and status:
        y = _first(PLACES_COLUMNS, cols)
        series = status
    if y is None and spec.derive_deficit:
        pupils, capacity = _first(PUPIL_COLUMNS, cols), _first(CAPACITY_COLUMNS, cols)
        if pupils and capacity:
            derived = (pupils, capacity)
            y = "place_deficit"
    if x is None or y is None:
        missing = [name for name, found in (("x", x), ("y", y)) if found is None]
        wanted = {"x": spec.x, "y": spec.y}
        return _unavailable(
            spec, "columns_missing", columns=", ".join(f"{m}: {' / '.join(wanted[m][:4])}" for m in missing)
        )
    xcol = "kato_code" if x == TERRITORY else x
    year = _first(YEAR_COLUMNS, cols) if x == TERRITORY else None
    used = {c for c in (xcol, series, year) if c}
    records, applied = _filter_rows(records_source, spec, used)
    if derived:
        pupils, capacity = derived
        records = [
            {**r, "place_deficit": max(0.0, (_num(r[pupils]) or 0) - (_num(r[capacity]) or 0))}
            for r in records
            if _num(r[pupils]) is not None and _num(r[capacity]) is not None
        ]
    if year:  # one bar per territory: the latest year, never a sum over years
        years = [r[year] for r in records if r[year] is not None]
        if years:
            latest = max(years)
            records = [r for r in records if r[year] == latest]
            applied[year] = latest
    ycol = table.spec.column(y)
    ratio = _is_ratio(ycol)
    keys = [xcol, series] if series else [xcol]
    values = _aggregate(records, keys, y, ratio)
    traces = []
    notes: list[dict] = []
    chart_breaks: list[dict] = []
    if x == TERRITORY:
        codes = _districts_only({k[0] for k in values})
        by_series = defaultdict(dict)
        for key, v in values.items():
            if key[0] in codes:
                by_series[key[1] if series else None][key[0]] = v
        order = sorted(codes, key=lambda c: -sum((s.get(c) or 0) for s in by_series.values()))
        regions = context.regions_in(order)
        mixed = len(regions) > 1  # districts of several regions in one ranking: say whose each one is
        x_names = {
            lang: [
                territories.name(c)[lang] + (f" ({territories.name(context.region_of(c))[lang]})" if mixed else "")
                for c in order
            ]
            for lang in ("kk", "ru", "en")
        }
        for s_value, points in sorted(by_series.items(), key=lambda kv: str(kv[0])):
            traces.append(
                {
                    "type": "bar",
                    "name": _series_name(s_value, series, territories, ycol, spec.table),
                    "x_by_lang": x_names,
                    "y": [points.get(c) for c in order],
                }
            )
        if target:
            tvals = _aggregate(records, [xcol], target, _is_ratio(table.spec.column(target)))
            traces.append(
                {"type": "target", "name_key": "target", "x_by_lang": x_names, "y": [tvals.get((c,)) for c in order]}
            )
        region_names = [territories.name(r) for r in regions]
        if mixed:
            notes.append(
                {
                    lang: context.REGIONS_NOTE[lang].format(regions=", ".join(n[lang] for n in region_names))
                    for lang in context.LANGS
                }
            )
        period = str(applied[year]) if year and year in applied else None
        shown_names = region_names
    else:
        by_series = defaultdict(dict)
        for key, v in values.items():
            by_series[key[1] if series else None][key[0]] = v
        focus = [s for s in by_series if str(s) in spec.focus]
        for s_value in sorted(by_series, key=lambda s: (str(s) not in spec.focus, str(s))):
            points = by_series[s_value]
            xs = sorted(k for k in points if k is not None)
            traces.append(
                {
                    "type": "line" if spec.kind == "line" else "bar",
                    "name": _series_name(s_value, series, territories, ycol, spec.table),
                    "x": [str(v) for v in xs],
                    "y": [points[k] for k in xs],
                    "visible": True if not focus or s_value in focus else "legendonly",
                    **({"code": str(s_value)} if series == "kato_code" else {}),
                }
            )
        all_x = sorted({x for tr in traces for x in tr["x"]})
        period = context.period_text(all_x)
        visible = [tr for tr in traces if tr["visible"] is True]
        shown_names = [territories.name(tr["code"]) for tr in visible if "code" in tr]
        if applied.get("territory_basis", "as_published") == "as_published" or "territory_basis" not in cols:
            chart_breaks = context.breaks(visible, territories, context.border_changes(snapshot))
        if chart_breaks:
            notes.append(dict(context.BREAK_NOTE))
    traces = [tr for tr in traces if any(v is not None for v in tr["y"])]  # never an empty series
    synthetic = "is_synthetic" in cols and any(r.get("is_synthetic") for r in records)
    return {
        "key": spec.key,
        "table": spec.table,
        "title_key": spec.title_key,
        "titles": spec.titles,
        "available": bool(traces),
        "reason": "" if traces else "no_rows",
        "kind": spec.kind,
        "x_title": _labels(table.spec.column(xcol), xcol) if x != TERRITORY else None,
        "y_title": _labels(ycol, y) if ycol else _labels(None, y),
        "y_format": "ratio" if ycol is not None and ycol.unit in RATIO_UNITS else "number",
        "y_unit": ycol.unit if ycol is not None else None,
        "filters": {k: str(v) for k, v in applied.items()},
        "traces": traces,
        "synthetic": synthetic,
        "has_hidden": any(t.get("visible") == "legendonly" for t in traces),
        "subtitle": context.subtitle(period, shown_names, applied.get("territory_basis")),
        "breaks": chart_breaks,
        "notes": notes,
        "has_target": any(t["type"] == "target" for t in traces),
    }


def _series_name(
    value, column: str | None, territories: Territories, ycol: ColumnSpec | None, table: str = ""
) -> dict[str, str]:
    if column is None:
        return {lang: (ycol.label(lang, with_unit=False) if ycol else "") for lang in ("kk", "ru", "en")}
    if column == "kato_code":
        return territories.name(value)
    labelled = codes.labels_for(table, column).get(str(value))  # "under_construction" → «строится»
    return dict(labelled) if labelled else {lang: str(value) for lang in ("kk", "ru", "en")}


def build_charts(snapshot: ReleaseSnapshot) -> list[dict]:
    territories = Territories(snapshot)
    return [build_chart(spec, snapshot, territories) for spec in chart_specs(snapshot)]
