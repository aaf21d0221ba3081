"""The release portal: one static page (``portal/index.html``) with its data embedded as JSON.

No server and no network are needed: Plotly is copied from the installed ``plotly`` package into
``portal/assets/``, the page reads its data from a ``<script type="application/json">`` block, so it
works from ``file://`` as well as from ``edu-wh serve``. Interface texts are in
:mod:`publication.portal.i18n` (Kazakh, Russian, English); data labels come from the dbt column meta.

Sections: headline figures; measures by territory and year (every published table with a
``kato_code`` and a year column); charts (:mod:`publication.portal.charts`); tables with download
links and a preview; the gate's quality report; provenance of each headline figure (its source
reference and the press claims about it, from ``published.claims`` when the release has it);
changes since the previous release; every press claim against its official figure, with the
warehouse's verdict (:mod:`publication.portal.claims_view`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import shutil
from collections import defaultdict
from pathlib import Path

from expectations import check_texts
from publication import codes
from publication.contract import LANGUAGES, PERCENT_UNITS, RATIO_UNITS, ColumnSpec
from publication.portal.chart_specs import ALMATY, YEAR_COLUMNS, ChartSpec, _first
from publication.portal.charts import Territories, _filter_rows, build_charts
from publication.portal.claims_view import claims_view
from publication.portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, ui_strings
from publication.snapshot import ReleaseSnapshot

PORTAL_DIR = Path(__file__).resolve().parent
PREVIEW_ROWS = 10

CLAIM_COLUMNS = {
    "value": ("claimed_value", "claim_value", "value", "figure_value", "amount", "number"),
    "metric": ("indicator_code", "metric", "measure", "indicator", "headline_key", "figure_key", "topic"),
    "kato": ("kato_code",),
    "period": ("period", "year", "academic_year", "reference_year", "reference_period"),
    "source": ("source_reference", "source_document", "source_url", "url", "article_url", "source_name", "publisher"),
    "date": ("published_on", "published_at", "article_date", "claim_date", "date"),
    "language": ("language", "lang"),
    "text": ("claim_text", "quote", "statement", "excerpt", "text"),
    "unit": ("unit",),
    # the warehouse's verdict and difference (fct_claims): shown as published, never recomputed here
    "status": ("status",),
    "difference": ("difference",),
}


def jsonable(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # NaN / infinity → null (JSON has neither)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _labels(col: ColumnSpec, *, with_unit: bool) -> dict[str, str]:
    return {lang: col.label(lang, with_unit=with_unit) for lang in LANGUAGES}


def _format(col: ColumnSpec) -> str:
    if col.unit in RATIO_UNITS or col.name.endswith(("_ratio", "_share")):
        return "ratio"
    if col.unit in PERCENT_UNITS or col.name.endswith(("_percent", "_pct")):
        return "percent"
    return "number"


# --- measures by territory and year ----------------------------------------------------------------


def build_measures(snapshot: ReleaseSnapshot, territories: Territories) -> dict:
    tables, codes = [], set()
    for name, table in sorted(snapshot.tables.items()):
        cols = table.columns
        year = _first(YEAR_COLUMNS, cols)
        if "kato_code" not in cols or not year:
            continue
        measures = [c for c in table.spec.columns if c.is_measure and c.name not in table.spec.grain]
        if not measures:
            continue
        probe = ChartSpec(key=name, table=name, kind="", title_key="", x=(), y=())
        records, applied = _filter_rows(table, probe, {"kato_code", year})
        grouped: dict[tuple, list[dict]] = defaultdict(list)
        for r in records:
            if r["kato_code"] is not None and r[year] is not None:
                grouped[(r["kato_code"], jsonable(r[year]))].append(r)
        values: dict = defaultdict(dict)
        synthetic: dict = defaultdict(dict)
        for (code, year_value), rows in grouped.items():
            cell = {}
            for col in measures:
                present = [jsonable(r[col.name]) for r in rows if r[col.name] is not None]
                if not present:
                    continue
                if len(rows) == 1:
                    cell[col.name] = present[0]
                    continue
                combine = col.combine  # a month, a ratio or a cost per pupil is never added up
                if combine == "none":
                    if len(set(present)) == 1 and len(present) == len(rows):
                        cell[col.name] = present[0]  # the same value on every row is that value
                    continue
                cell[col.name] = {"sum": sum, "min": min, "max": max}[combine](present)
            if cell:
                values[code][str(year_value)] = cell
                codes.add(code)
                if any(r.get("is_synthetic") for r in rows):
                    synthetic[code][str(year_value)] = True
        if not values:
            continue
        tables.append(
            {
                "table": name,
                "label": {lang: table.spec.label(lang) for lang in LANGUAGES},
                "measures": [
                    {
                        "column": c.name,
                        "label": _labels(c, with_unit=False),
                        "unit": {lang: c.unit_label(lang) for lang in LANGUAGES},
                        "unit_code": c.unit,
                        "format": _format(c),
                    }
                    for c in measures
                ],
                "filters": {k: str(v) for k, v in applied.items()},
                "values": values,
                "synthetic": synthetic,
            }
        )
    order = sorted(codes, key=lambda c: (c not in ALMATY, ALMATY.index(c) if c in ALMATY else 0, str(c)))
    return {
        "territories": [{"code": c, "name": territories.name(c)} for c in order],
        "tables": tables,
    }


# --- provenance: headline figures and press claims -------------------------------------------------


def match_claims(snapshot: ReleaseSnapshot) -> tuple[bool, list[dict]]:
    table = snapshot.tables.get("claims")
    headlines = [dict(h, value=jsonable(h["value"])) for h in snapshot.headlines]
    if table is None:
        return False, headlines
    cols = {role: _first(candidates, table.columns) for role, candidates in CLAIM_COLUMNS.items()}
    records = table.records()
    for h in headlines:
        keys = {h["key"], *h.get("claim_keys", [])}
        found = []
        for r in records:
            if cols["metric"] is None or str(r[cols["metric"]]) not in keys:
                continue
            if cols["kato"] and h.get("kato_code") and r[cols["kato"]] and str(r[cols["kato"]]) != h["kato_code"]:
                continue
            if cols["period"] and h.get("period") and r[cols["period"]] is not None:
                period = str(r[cols["period"]])
                if period != h["period"] and period != h["period"][:4]:
                    continue
            claimed = r[cols["value"]] if cols["value"] else None
            status = r[cols["status"]] if cols["status"] else None
            difference = r[cols["difference"]] if cols["difference"] else None
            found.append(
                {
                    "claimed": jsonable(claimed),
                    "difference": jsonable(difference),
                    "verdict": str(status) if status else "unknown",
                    **{
                        role: jsonable(r[cols[role]]) if cols[role] else None
                        for role in ("source", "date", "language", "text", "unit")
                    },
                }
            )
        h["claims"] = found
    return True, headlines


# --- the page --------------------------------------------------------------------------------------


def build_tables(snapshot: ReleaseSnapshot, files: dict) -> list[dict]:
    out = []
    for name, table in sorted(snapshot.tables.items()):
        spec = table.spec
        out.append(
            {
                "name": name,
                "label": {lang: spec.label(lang) for lang in LANGUAGES},
                "description": {lang: spec.describe(lang) for lang in LANGUAGES},
                "grain": list(spec.grain),
                "grain_labels": {
                    lang: [(spec.column(c).label(lang, with_unit=False) if spec.column(c) else c) for c in spec.grain]
                    for lang in LANGUAGES
                },
                "rows": len(table.rows),
                "synthetic_rows": table.synthetic_rows,
                "files": files.get(name, {}),
                "columns": [{"name": c.name, "label": _labels(c, with_unit=True)} for c in spec.columns],
                "preview": [[jsonable(v) for v in r] for r in table.rows[:PREVIEW_ROWS]],
            }
        )
    return out


def build_codes(snapshot: ReleaseSnapshot) -> dict:
    """table → column → code → {kk, ru, en}: the labels of the coded values the page shows."""
    out: dict = {}
    for name, table in snapshot.tables.items():
        for col in table.columns:
            labels = codes.labels_for(name, col)
            if labels:
                out.setdefault(name, {})[col] = labels
    out.setdefault("claims", {}).setdefault("unit", codes.labels_for("claims", "unit"))
    return out


def build_quality(snapshot: ReleaseSnapshot) -> dict:
    run = snapshot.gate_run
    results = [
        {
            "dataset": r["dataset"],  # as checked: candidate.<table>, swapped into published afterwards
            "table": r["dataset"].split(".", 1)[-1],
            "expectation": r["expectation"],
            "severity": r["severity"],
            "success": r["success"],
            "protects": check_texts.texts(r["protects"]),
            "resolve": check_texts.texts(r["how_to_resolve"]),
            "observed": jsonable(json.dumps(r["observed"], ensure_ascii=False, default=str))
            if r.get("observed")
            else "",
        }
        for r in snapshot.gate_results
    ]
    return {
        "gate_run_id": run.get("gate_run_id"),
        "success": run.get("success"),
        "total": len(results),
        "passed": sum(1 for r in results if r["success"]),
        "critical": sum(1 for r in results if not r["success"] and r["severity"] == "critical"),
        "warnings": sum(1 for r in results if not r["success"] and r["severity"] != "critical"),
        "finished_at": jsonable(run.get("finished_at")),
        "results": results,
    }


def page_data(snapshot: ReleaseSnapshot, *, files: dict, downloads: list[dict], changes: dict) -> dict:
    territories = Territories(snapshot)
    claims_present, headlines = match_claims(snapshot)
    release = snapshot.release
    return {
        "default_language": DEFAULT_LANGUAGE,
        "languages": LANGUAGE_NAMES,
        "i18n": ui_strings(),
        "release": {
            "id": snapshot.release_id,
            "published_at": jsonable(release.get("published_at")),
            "exported_at": jsonable(snapshot.read_at),
            "git_commit": release.get("git_commit"),
            "content_hash": release.get("content_hash"),
            "previous_release": release.get("previous_release"),
            "is_synthetic": snapshot.is_synthetic,
            "input_batches": [
                {k: jsonable(b.get(k)) for k in ("batch_id", "source", "source_file", "is_synthetic")}
                for b in release.get("input_batches") or []
            ],
        },
        "headlines": headlines,
        "claims_present": claims_present,
        "claims_view": claims_view(snapshot, territories.name),
        "measures": build_measures(snapshot, territories),
        "charts": build_charts(snapshot),
        "tables": build_tables(snapshot, files),
        "codes": build_codes(snapshot),
        "downloads": downloads,
        "quality": build_quality(snapshot),
        "changes": json.loads(json.dumps(changes, default=str)),
    }


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _script_json(data: dict) -> str:
    """JSON safe inside a <script> element (no "</script>", no HTML comment openers, no NaN)."""
    text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.exists():
        from edu_wh.errors import UserError

        raise UserError(f"plotly.min.js not found at {path}", hint="reinstall the `plotly` package (uv sync)")
    return path


def write_portal(
    snapshot: ReleaseSnapshot, out_dir: Path, *, files: dict, downloads: list[dict], changes: dict
) -> Path:
    import jinja2

    assets = out_dir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copy2(plotly_js(), assets / "plotly.min.js")
    for name in ("portal.js", "portal.css"):
        shutil.copy2(PORTAL_DIR / "assets" / name, assets / name)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PORTAL_DIR / "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    data = page_data(snapshot, files=files, downloads=downloads, changes=changes)
    html = env.get_template("index.html").render(
        data_json=_script_json(data),
        release_id=snapshot.release_id,
        title=data["i18n"]["title"],
        downloads=downloads,
        tables=data["tables"],
        synthetic=snapshot.is_synthetic,
        default_language=DEFAULT_LANGUAGE,
    )
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
