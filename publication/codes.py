"""Coded values of published columns and what they mean in Kazakh, Russian and English.

The labels are the dbt seed ``dbt_project/seeds/code_labels.csv`` (also loaded into the warehouse's
``reference`` schema for analysts); the data dictionary, the workbook's ``codes`` sheet and the portal
read the file. A row with an empty ``table_name`` holds for every published table; a row naming a
table wins for that table (``claims.status`` has verdicts, not construction statuses).
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from edu_wh.config import DBT_PROJECT_DIR

LANGS = ("kk", "ru", "en")
SEED = "code_labels.csv"


def seed_path() -> Path:
    return Path(DBT_PROJECT_DIR) / "seeds" / SEED


@functools.cache
def _load(path: str) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    found: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["table_name"].strip(), row["column_name"].strip())
            found.setdefault(key, {})[row["code"]] = {lang: row[f"label_{lang}"].strip() for lang in LANGS}
    return found


def all_labels() -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    return _load(str(seed_path()))


def labels_for(table: str, column: str) -> dict[str, dict[str, str]]:
    """code → {kk, ru, en} for a column of a published table (empty: the column is not coded)."""
    found = all_labels()
    return found.get((table, column)) or found.get(("", column)) or {}


def label(table: str, column: str, code, lang: str) -> str | None:
    entry = labels_for(table, column).get(str(code)) if code is not None else None
    return entry[lang] if entry else None


def translate(table: str, column: str, value, lang: str) -> str:
    """A coded value (or a "; "-separated list of them, as in ``source_name``) in ``lang``; an unknown
    code stays as it is. ``press: <publisher>`` keeps the publisher's own name."""
    if value is None:
        return ""
    parts = []
    for part in str(value).split("; "):
        if part.startswith("press: "):
            parts.append(PRESS[lang] + ": " + part[len("press: ") :])
        else:
            parts.append(label(table, column, part, lang) or part)
    return "; ".join(parts)


PRESS = {"kk": "баспасөз", "ru": "пресса", "en": "press"}
