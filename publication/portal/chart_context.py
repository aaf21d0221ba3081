"""What a chart must say so that it does not mislead: its period, its territories, its territory
basis, the breaks in its series, and which region each district belongs to.

* **Breaks**: a territory with several versions in ``published.territories`` (Almaty oblast before
  and after 8 June 2022) changed its borders on each later version's ``valid_from``. A line chart
  of figures as published marks the first period on or after the change, with the date and the
  territory, so a fall in the series is not read as a fall in schools or money.
* **Regions**: districts of Almaty city and of Almaty oblast ranked in one chart get their region
  after their name ("Konaev (Almaty oblast)"), and the subtitle names both regions.
* **Subtitle**: ``<period> · <territories> · <basis>`` in Kazakh, Russian and English.
"""

from __future__ import annotations

import datetime as dt
import re

from publication import codes
from publication.snapshot import ReleaseSnapshot

LANGS = ("kk", "ru", "en")
BREAK_TEXT = {
    "kk": "{date}: {name} шекарасы өзгерді",
    "ru": "{date}: изменились границы ({name})",
    "en": "{date}: {name} borders changed",
}
BREAK_NOTE = {
    "kk": "Сызықтың екі жағындағы мәндер сол кездегі шекарада, оларды тікелей салыстыруға болмайды.",
    "ru": "Значения по обе стороны линии даны в границах своего времени, напрямую их сравнивать нельзя.",
    "en": "Values either side of the line are in the borders of their time and cannot be compared directly.",
}
REGIONS_NOTE = {
    "kk": "Аудандар мен қалалар бір рейтингте: {regions}.",
    "ru": "Районы и города разных регионов в одном рейтинге: {regions}.",
    "en": "Districts and cities of several regions ranked together: {regions}.",
}
_ACADEMIC = re.compile(r"^(\d{4})/\d{2}$")


def border_changes(snapshot: ReleaseSnapshot) -> dict[str, list[dt.date]]:
    """KATO code → the dates its borders changed (valid_from of every version after the first)."""
    table = snapshot.tables.get("territories")
    if table is None or not {"kato_code", "valid_from"} <= set(table.columns):
        return {}
    versions: dict[str, list[dt.date]] = {}
    for r in table.records():
        if isinstance(r["valid_from"], dt.date):
            versions.setdefault(str(r["kato_code"]), []).append(r["valid_from"])
    return {code: sorted(dates)[1:] for code, dates in versions.items() if len(dates) > 1}


def _period_start(x: str) -> dt.date | None:
    m = _ACADEMIC.match(x)
    if m:
        return dt.date(int(m.group(1)), 9, 1)
    if re.fullmatch(r"\d{4}", x):
        return dt.date(int(x), 1, 1)
    return None


def _first_period_with(xs: list[str], changed: dt.date) -> str | None:
    """The first period whose figures are in the new borders, or mix both (a calendar year)."""
    for x in xs:
        start = _period_start(x)
        if start is None:
            continue
        if _ACADEMIC.match(x) and start >= changed or not _ACADEMIC.match(x) and start.year >= changed.year:
            return x
    return None


def breaks(traces: list[dict], territories, changes: dict[str, list[dt.date]]) -> list[dict]:
    """Break markers for the line traces of territories whose borders changed inside the x range."""
    found: dict[str, dict] = {}
    for tr in traces:
        code = tr.get("code")
        xs = tr.get("x") or []
        for changed in changes.get(str(code), []):
            at = _first_period_with(xs, changed)
            if at is None or at == xs[0]:
                continue  # the change is before the series starts: nothing to mark
            entry = found.setdefault(at, {"x": at, "label": {lang: [] for lang in LANGS}})
            for lang in LANGS:
                text = BREAK_TEXT[lang].format(date=changed.strftime("%d.%m.%Y"), name=territories.name(code)[lang])
                if text not in entry["label"][lang]:
                    entry["label"][lang].append(text)
    return [{"x": b["x"], "label": {lang: "; ".join(b["label"][lang]) for lang in LANGS}} for b in found.values()]


def region_of(code) -> str | None:
    code = str(code)
    return code[:2] + "0000000" if len(code) == 9 and code.isdigit() else None


def regions_in(codes_: list) -> list[str]:
    return sorted({r for r in (region_of(c) for c in codes_) if r})


def subtitle(period: str | None, names: list[dict], basis: str | None) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        parts = [period] if period else []
        if names:
            parts.append(", ".join(n[lang] for n in names))
        if basis:
            parts.append(codes.label("", "territory_basis", basis, lang) or basis)
        out[lang] = " · ".join(parts)
    return out


def period_text(xs: list[str]) -> str | None:
    xs = [x for x in xs if x not in (None, "")]
    if not xs:
        return None
    return xs[0] if xs[0] == xs[-1] else f"{xs[0]}–{xs[-1]}"
