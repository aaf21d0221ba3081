"""Reference lists shared by the parsers and dbt: territory names and units.

They live as dbt seeds in ``dbt_project/seeds/`` (one source of truth, reviewed like code); the
parsers read the same files to validate rows before they reach raw. ``normalize_name`` has a SQL
twin, the dbt macro ``normalize_name``; ``tests/ingest/test_reference.py`` keeps them equal.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass

from edu_wh.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_MARKERS = re.compile(r"\*+|\d+\)")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Lower-case, footnote markers (``*``, ``1)``) and extra spaces removed, ``ё`` → ``е``."""
    text = _MARKERS.sub("", name or "")
    text = _SPACES.sub(" ", text).strip().lower().replace("ё", "е")
    return text.replace("г. ", "г.")


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
