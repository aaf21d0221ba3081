"""KATO codes the file parsers accept, and the one table of code changes the generator uses.

Publishers' extracts carry the KATO code valid *when the row was written*: a 2021/22 NEDB row of
a school in Taldykorgan says ``191000000`` (Almaty oblast), the same school in 2022/23 says
``331000000`` (Zhetysu oblast). A parser therefore accepts every code that was ever valid for
the territories the warehouse covers:

* the territory seeds (``dbt_project/seeds/territories.csv`` and, once present,
  ``territory_changes.csv``: every 9-digit value in a column whose name mentions ``kato``);
* ``kato_codes.csv``: every code of the covered territories in the KATO classifier as of
  17.10.2022, at every level (a seed, so acceptance never depends on a demo file being present);
* the codes valid before the changes :func:`code_changes` lists (pre-2022 districts of Almaty
  oblast, Kapchagay, districts that did not exist yet).

:func:`code_changes` is the single place the generator (``ingest/synth``) takes old codes from:
``territory_changes.csv`` where it has them, :data:`BUILTIN_CHANGES` for the rest.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from datetime import date

from edu_wh.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
KATO_CODES_SEED = SEEDS_DIR / "kato_codes.csv"
KATO_PATTERN = re.compile(r"^\d{9}$")

SPLIT_DATE = date(2022, 6, 8)  # Almaty oblast split; Zhetysu oblast created


@dataclass(frozen=True)
class CodeChange:
    """``old_code`` was used until ``effective``; from then on the territory is ``new_code``."""

    old_code: str
    new_code: str
    effective: date
    name_ru: str
    note: str = ""


#: Built-in fallback, used for territories ``territory_changes.csv`` does not (yet) cover.
#: Pre-2022 codes of Almaty oblast as remembered from the classifier before the split; the seed,
#: where present, wins (it marks several of these codes provisional, and so do we).
BUILTIN_CHANGES: tuple[CodeChange, ...] = (
    CodeChange("191000000", "331000000", SPLIT_DATE, "Талдыкорган Г.А.", "to Zhetysu oblast; 191000000 reused"),
    CodeChange("191600000", "191000000", SPLIT_DATE, "Капшагай Г.А. (Қонаев)", "renamed Konaev, oblast centre"),
    CodeChange("192600000", "331800000", SPLIT_DATE, "Текели Г.А.", "to Zhetysu oblast"),
    CodeChange("193200000", "333200000", SPLIT_DATE, "Аксуский район", "to Zhetysu oblast"),
    CodeChange("193400000", "333400000", SPLIT_DATE, "Алакольский район", "to Zhetysu oblast"),
    CodeChange("196400000", "333600000", SPLIT_DATE, "Ескельдинский район", "to Zhetysu oblast"),
    CodeChange("194600000", "334000000", SPLIT_DATE, "Кербулакский район", "to Zhetysu oblast"),
    CodeChange("194800000", "334200000", SPLIT_DATE, "Коксуский район", "to Zhetysu oblast"),
    CodeChange("195000000", "334400000", SPLIT_DATE, "Каратальский район", "to Zhetysu oblast"),
    CodeChange("195600000", "334600000", SPLIT_DATE, "Панфиловский район", "to Zhetysu oblast"),
    CodeChange("196000000", "334800000", SPLIT_DATE, "Саркандский район", "to Zhetysu oblast"),
    # districts formed from others: before `effective` their schools carried the parent's code
    CodeChange("751310000", "751810000", date(2014, 7, 2), "Ауэзовский район", "Nauryzbay formed (part)"),
    CodeChange("751410000", "751810000", date(2014, 7, 2), "Бостандыкский район", "Nauryzbay formed (part)"),
    CodeChange("195800000", "194400000", date(2018, 3, 31), "Райымбекский район", "Kegen split from Raiymbek"),
    # the seed records Alatau district as created (no predecessor); its schools stood in Auezov before
    CodeChange("751310000", "751210000", date(2008, 1, 1), "Ауэзовский район", "Alatau district formed"),
)


def _seeded_changes() -> tuple[CodeChange, ...]:
    path = SEEDS_DIR / "territory_changes.csv"
    if not path.exists():
        return ()
    changes = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            old, new = (row.get("old_kato_code") or "").strip(), (row.get("new_kato_code") or "").strip()
            if KATO_PATTERN.match(old) and KATO_PATTERN.match(new) and old != new:
                effective = date.fromisoformat(row["effective_date"].strip())
                changes.append(CodeChange(old, new, effective, "", (row.get("note") or "").strip()))
    return tuple(changes)


@functools.cache
def code_changes() -> tuple[CodeChange, ...]:
    """Every code change: ``territory_changes.csv`` first, the built-in list for what it lacks."""
    seeded = _seeded_changes()
    covered = {c.new_code for c in seeded}
    return seeded + tuple(c for c in BUILTIN_CHANGES if c.new_code not in covered)


def code_valid_on(code: str, on: date, pick: int = 0) -> str:
    """The code a territory known today as ``code`` carried on ``on``. Where a territory was formed
    from several (Nauryzbay from Auezov and Bostandyk), ``pick`` chooses the predecessor."""
    until = date.max  # a change is followed back only to changes before it (191000000 was reused)
    while True:
        older = sorted(
            (c for c in code_changes() if c.new_code == code and on < c.effective < until), key=lambda c: c.effective
        )
        if not older:
            return code
        latest = [c for c in older if c.effective == older[-1].effective]
        code, until = latest[pick % len(latest)].old_code, older[-1].effective


def _kato_values_in_seed(name: str) -> set[str]:
    path = SEEDS_DIR / name
    if not path.exists():
        return set()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c for c in reader.fieldnames or [] if "kato" in c.lower()]
        return {row[c].strip() for row in reader for c in columns if KATO_PATTERN.match((row[c] or "").strip())}


@functools.cache
def known_kato_codes() -> frozenset[str]:
    """Every KATO code a delivered row may carry: the seeds (territories, their changes, the covered
    territories' classifier codes) and the codes valid before each change."""
    codes = set()
    for seed in ("territories.csv", "territory_changes.csv", KATO_CODES_SEED.name):
        codes |= _kato_values_in_seed(seed)
    for change in code_changes():
        codes |= {change.old_code, change.new_code}
    return frozenset(codes)
