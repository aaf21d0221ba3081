"""Cell values and units of BNS tables.

A value cell holds a number (``8353``, ``65,63``, ``106 000``, a number stored as text, a number with
a footnote mark glued to it: ``106 0002)`` is 106 000 with footnote 2), a BNS marker (``-`` none,
``…``/``...`` missing, ``х``/``x`` confidential, ``0,0`` negligible) or a formula (kept as
delivered: its value is not in the file). Anything else is unreadable. The markers, their codes,
staging's number and the formula's sign are ``rules.bns_cell`` of ``dbt_project/dbt_project.yml``,
from which staging's macros ``bns_value`` / ``bns_value_status`` are rendered: one definition.

A unit is written in a cell near the table (``тыс. тенге``, ``на конец года, человек``,
``in percentages``), in the sheet name, or not at all. It is normalised by the seed
``seeds/units.csv`` first, then by the patterns below; an unknown unit keeps its text and no code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ingest.reference import find_unit, rule_pattern, rules

NUMBER = re.compile(
    r"^(?P<sign>-)?\s*(?P<int>\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?\s*(?P<mark>\*+|\d\))?$"
)
FOOTNOTE_MARK = re.compile(r"(\*+|\d\))$")


def cell_rules() -> dict:
    """``rules.bns_cell`` of dbt_project.yml: markers (status → texts), number, formula, hidden statuses."""
    return rules()["bns_cell"]


@functools.cache
def all_markers() -> dict[str, str]:
    """Every marker text → its status (``…`` → ``missing``), as staging's ``bns_value_status`` reads them."""
    return {text: status for status, texts in cell_rules()["markers"].items() for text in texts}


@functools.cache
def markers() -> dict[str, str]:
    """The markers :func:`parse_value` reads as markers: all but those its number grammar reads
    (``0,0`` is the number 0.0, negligible)."""
    return {text: status for text, status in all_markers().items() if not NUMBER.match(text)}


def hidden_statuses() -> list[str]:
    """The statuses of a value that exists but the file does not give (``missing``, ``confidential``,
    ``formula``): where one of the parts is hidden, parts are not checked against their total."""
    return list(cell_rules()["hidden"])


@dataclass(frozen=True)
class Value:
    value: str | None  # a plain decimal ('106000', '65.63'), None for markers and formulas
    marker: str | None  # a status of rules.bns_cell (none | missing | confidential | negligible) or formula
    footnote: str | None = None


def parse_value(text: str | None) -> Value | None:
    """The value of a cell, or None when the text is neither a number, a marker nor a formula."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw.startswith(cell_rules()["formula"]):
        return Value(None, "formula")
    bare = raw.strip('"“”')
    mark = FOOTNOTE_MARK.search(bare)
    if mark and bare[: mark.start()].strip() in markers():
        return Value(None, markers()[bare[: mark.start()].strip()], mark.group(0))
    if bare in markers():
        return Value(None, markers()[bare])
    m = NUMBER.match(raw)
    if not m:
        return None
    whole = re.sub(r"[ \u00a0]", "", m["int"])
    number = whole + (f".{m['frac']}" if m["frac"] else "")
    if m["sign"]:
        number = "-" + number
    marker = "negligible" if m["frac"] and set(whole + m["frac"]) == {"0"} else None
    return Value(number, marker, m["mark"])


def looks_numeric(text: str | None) -> bool:
    return parse_value(text) is not None


@functools.cache
def cell_number() -> re.Pattern:
    """A number as staging's ``bns_value`` reads it (in a trimmed cell)."""
    return rule_pattern(cell_rules()["number"])


def is_value_text(text: str) -> bool:
    """A number, a BNS marker or a formula as staging reads it (the cells of the dynamic tables and
    bulletins, which load as text); anything else is quarantined. The generic reader parses more
    itself (:func:`parse_value`)."""
    trimmed = text.strip(" ")  # as PostgreSQL's btrim()
    return bool(cell_number().match(trimmed)) or trimmed in all_markers() or trimmed.startswith(cell_rules()["formula"])


#: (pattern, unit code, multiplier): for unit texts the seed does not list
UNIT_PATTERNS = (
    (r"тыс\.?\s*тонн|мың тонна|thousand tons", "tonnes", 1000),
    (r"тенге за 1 кв|tenge per 1 square|теңгемен", "kzt_per_m2", 1),
    (r"тыс\.?\s*тенге|мың теңге|thousand tenge", "kzt", 1000),
    (r"млн\.?\s*тенге|млн\.?\s*теңге|million tenge", "kzt", 1_000_000),
    (r"доллар|us dollars|usd", "usd", 1),
    (r"тенге|теңге|tenge", "kzt", 1),
    (r"млн\.?\s*пкм|million passenger", "passenger_km", 1_000_000),
    (r"млн\.?\s*человек|million people", "persons", 1_000_000),
    (r"человек|адам|persons|people", "persons", 1),
    (r"единиц|бірлік|units", "count", 1),
    (r"процент|пайыз|percent|%", "percent", 1),
    (r"число лет|жыл саны|years", "years", 1),
    (r"тонн", "tonnes", 1),
)
UNIT_WORDS = re.compile("|".join(p for p, _, _ in UNIT_PATTERNS), re.I)


@dataclass(frozen=True)
class Unit:
    label: str  # as written
    code: str | None
    multiplier: float | None


def normalise_unit(text: str | None) -> Unit | None:
    if not text or not str(text).strip():
        return None
    label = re.sub(r"\s+", " ", str(text)).strip()
    for part in (label, label.split(",")[-1].strip()):
        if seeded := find_unit(part):
            return Unit(label, seeded.code, seeded.multiplier)
    for pattern, code, multiplier in UNIT_PATTERNS:
        if re.search(pattern, label, re.I):
            return Unit(label, code, multiplier)
    return None


def is_unit_text(text: str | None) -> bool:
    """A short text that names a unit (``тыс. тенге``, ``на конец года, человек``, ``in percentages``)."""
    if not text:
        return False
    label = str(text).strip()
    return len(label) <= 90 and bool(UNIT_WORDS.search(label)) and not looks_numeric(label)
