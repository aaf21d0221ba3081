"""The portal's "claims vs official figures" view: every row of ``published.claims``, as the warehouse
decided it.

Each row carries the quote, the article (title, link, file, publisher, date), the claimed value, the
official value with its source, period, basis and synthetic mark, the verdict and the difference.
The verdict (``status``) and the difference are ``published.claims``' own columns, shown as they are:
this module never compares a claim with anything (``dbt_project/macros/claims.sql`` is the one rule).
Numbers are written as people write them (:mod:`publication.numbers`: ``394 млрд ₸`` / ``394 млрд
теңге`` / ``394 bn KZT``), with the exact value beside; coded values (verdict, unit, qualifier,
basis, source) are labelled from ``seeds/code_labels.csv`` in every language.
"""

from __future__ import annotations

import datetime as dt
import decimal

from publication import codes, numbers
from publication.contract import LANGUAGES
from publication.snapshot import ReleaseSnapshot

TABLE = "claims"


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _figure(value, unit: str | None, lang: str) -> dict:
    """What a cell shows (short) and the exact value beside it, in one language."""
    if value is None:
        return {"shown": "—", "exact": "—"}
    shown = numbers.display(value, unit, lang)
    exact = numbers.exact(value, unit, lang)
    if unit and unit not in numbers.MONEY_UNITS:
        word = codes.label(TABLE, "unit", unit, lang)
        if word:
            shown, exact = f"{shown} {word}", f"{exact} {word}"
    return {"shown": shown, "exact": exact}


def _signed(value, unit: str | None, lang: str) -> dict:
    figure = _figure(value, unit, lang)
    if value is not None and float(value) > 0:
        figure = {k: "+" + v for k, v in figure.items()}
    return figure


def _label(column: str, code, lang: str) -> str | None:
    if code is None or code == "":
        return None
    return codes.label(TABLE, column, code, lang) or str(code)


def _percent(value, lang: str) -> str | None:
    if value is None:
        return None
    text = numbers.grouped(abs(float(value)), lang, 1)
    sign = "+" if float(value) > 0 else "−" if float(value) < 0 else ""
    return f"{sign}{text}{numbers.NBSP}%"


def claims_view(snapshot: ReleaseSnapshot, territory_name) -> dict:
    """{"present": bool, "rows": [...]}: one entry per row of published.claims, ordered by claim id."""
    table = snapshot.tables.get(TABLE)
    if table is None:
        return {"present": False, "rows": []}
    rows = []
    for r in sorted(table.records(), key=lambda rec: str(rec["claim_id"])):
        get = r.get
        unit = get("unit")
        row = {
            "claim_id": str(r["claim_id"]),
            "status": get("status"),
            "quote": get("quote"),
            "phrase": get("phrase"),
            "document": get("source_document"),
            "publisher": get("publisher"),
            "title": get("article_title"),
            "url": get("article_url"),
            "published_date": _jsonable(get("published_date")),
            "published_date_precision": get("published_date_precision"),
            "language": get("language"),
            "kato_code": get("kato_code"),
            "territory": territory_name(get("kato_code")) if get("kato_code") else None,
            "period": get("period"),
            "official_period": get("official_period"),
            "official_as_of_date": _jsonable(get("official_as_of_date")),
            "official_reference": get("official_source_reference"),
            "official_is_synthetic": bool(get("official_is_synthetic")),
            "value": _jsonable(get("value")),
            "official_value": _jsonable(get("official_value")),
            "difference": _jsonable(get("difference")),
            "difference_percent": _jsonable(get("difference_percent")),
        }
        for lang in LANGUAGES:
            row[lang] = {
                "verdict": _label("status", get("status"), lang),
                "claimed": _figure(get("value"), unit, lang),
                "qualifier": _label("qualifier", get("qualifier"), lang),
                "official": _figure(get("official_value"), unit, lang),
                "official_source": codes.translate(TABLE, "source_name", get("official_source"), lang) or None,
                "comparison_basis": _label("comparison_basis", get("comparison_basis"), lang),
                "claimed_basis": _label("claimed_basis", get("claimed_basis"), lang),
                "official_basis": _label("official_basis", get("official_basis"), lang),
                "difference": _signed(get("difference"), unit, lang),
                "difference_percent": _percent(get("difference_percent"), lang),
            }
        rows.append(row)
    return {"present": True, "rows": rows}
