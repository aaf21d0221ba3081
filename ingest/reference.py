"""Reference lists and rules shared by the parsers and dbt: territory names, units, name normalisation.

The lists live as dbt seeds in ``dbt_project/seeds/`` (one source of truth, reviewed like code); the
parsers read the same files to validate rows before they reach raw. The rules both sides apply are
data in ``dbt_project/dbt_project.yml`` (``vars: rules:``): dbt's macros render their SQL from them
and :func:`rules` hands them to the parsers, which run without a database. ``tests/ingest/test_reference.py``
runs real labels and cells through both sides.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from edu_wh.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
RULES_FILE = DBT_PROJECT_DIR / "dbt_project.yml"

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@functools.cache
def rules() -> dict:
    """``vars: rules:`` of dbt_project.yml: the rules the macros render into SQL, as data."""
    with open(RULES_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["vars"]["rules"]


def rule_pattern(pattern: str) -> re.Pattern:
    """A pattern of the rules compiled, ``{space}`` written out (``rules.space``), as the macro
    ``rule_pattern`` writes it for PostgreSQL."""
    return re.compile(pattern.replace("{space}", rules()["space"]))


def _step(step) -> Callable[[str], str]:
    """One step of ``rules.normalize_name`` as the macro ``normalize_name`` renders it in SQL."""
    if step == "trim":  # PostgreSQL's trim(): spaces
        return lambda text: text.strip(" ")
    if step == "lower":
        return str.lower
    if isinstance(step, dict) and "pattern" in step:
        pattern, replacement = rule_pattern(step["pattern"]), step["replacement"]
        if "\\" in replacement:  # PostgreSQL reads \1 and \& in a replacement, Python's lambda would not
            raise ValueError(f"{RULES_FILE}: rules.normalize_name: a replacement is plain text: {replacement!r}")
        return lambda text: pattern.sub(lambda _: replacement, text)  # the replacement is plain text
    if isinstance(step, dict) and "text" in step:
        old, new = step["text"], step["replacement"]
        return lambda text: text.replace(old, new)
    raise ValueError(f"{RULES_FILE}: rules.normalize_name: unknown step {step!r}")


@functools.cache
def _name_steps() -> tuple[Callable[[str], str], ...]:
    return tuple(_step(step) for step in rules()["normalize_name"])


def normalize_name(name: str) -> str:
    """A name as names are compared: the steps of ``rules.normalize_name`` (footnote marks ``*``, ``1)``
    and extra spaces removed, lower case, ``ё`` → ``е``, ``г. X`` → ``г.X``)."""
    text = name or ""
    for step in _name_steps():
        text = step(text)
    return text


def detect_language(texts) -> str:
    """``kk`` if any text uses a letter found only in the Kazakh alphabet, else ``ru``."""
    for text in texts:
        if text and KAZAKH_LETTERS.intersection(str(text)):
            return "kk"
    return "ru"


def _read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def territory_names() -> dict[tuple[str, str], str]:
    """(language, normalised name) → KATO code."""
    return {
        (row["language"], normalize_name(row["name"])): row["kato_code"] for row in _read_seed("territory_names.csv")
    }


def resolve_territory(name: str, language: str) -> str | None:
    """KATO code of a territory name as a publisher writes it, in that publisher's language.

    The language matters: ``Алматы`` is the *oblast* in Kazakh tables and the *city* in Russian.
    """
    return territory_names().get((language, normalize_name(name)))


@dataclass(frozen=True)
class Unit:
    label: str
    code: str
    multiplier: float
    dimension: str


@functools.cache
def units() -> dict[str, Unit]:
    return {
        normalize_name(row["label"]): Unit(row["label"], row["unit_code"], float(row["multiplier"]), row["dimension"])
        for row in _read_seed("units.csv")
    }


def find_unit(text: str | None) -> Unit | None:
    if not text:
        return None
    return units().get(normalize_name(text))
