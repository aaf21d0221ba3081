"""The cover, the contents and the table titles of a BNS bulletin (:mod:`ingest.bns_bulletin`), found by content.

* the **cover**: the sheet with the release date (a cell naming the release, ``Релиз`` /
  ``шығарылым`` / ``выпуск``, with a date ``dd.mm.yyyy``, not the *next* release) and the report
  year (``2022 жыл`` / ``2022 год``);
* the **contents**: rows of a bare table code and a title (``1.1  Табыстар және шығыстар: …``);
* a **table title**: a row whose text starts with a table code (``1.1 Табыстар және шығыстар``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.bns.values import is_value_text
from ingest.excel import Sheet

TABLE_TITLE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})+)\.?\s+(\S.*?)\s*$", re.S)
BARE_CODE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})+)\.?\s*$")
DATE = re.compile(r"(?<!\d)(\d{2})\.(\d{2})\.((?:19|20)\d{2})(?!\d)")
RELEASE_WORDS = ("релиз", "шығарылым", "выпуск", "дата выхода", "жарияланған")
NEXT_RELEASE_WORDS = ("келесі", "следующ")
REPORT_YEAR = re.compile(r"^\s*(?:за\s+)?((?:19|20)\d{2})\s*(?:жыл\w*|год\w*|г\.)\s*$", re.I)


@dataclass
class Cover:
    sheet: str
    release_date: str
    report_year: str
    title: str | None


def _texts(row: list[str | None]) -> list[tuple[int, str]]:
    return [(c, v) for c, v in enumerate(row) if v is not None and str(v).strip()]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def table_title(row: list[str | None]) -> tuple[str, str] | None:
    """``['1.1 Табыстар және шығыстар ', None, …]`` → ``('1.1', 'Табыстар және шығыстар')``."""
    cells = _texts(row)
    if not cells or cells[0][0] > 1 or any(is_value_text(v) for _, v in cells):
        return None
    m = TABLE_TITLE.match(cells[0][1])
    if not m or m[2].strip().startswith(("%", ")")):
        return None
    return m[1], _clean(m[2])


def find_cover(sheets: list[Sheet]) -> Cover | None:
    for sheet in sheets:
        release = year = None
        cells = [v for row in sheet.rows[:60] for _, v in _texts(row)]
        for text in cells:
            low = text.lower()
            m = DATE.search(text)
            if m and release is None and any(w in low for w in RELEASE_WORDS):
                if not any(w in low for w in NEXT_RELEASE_WORDS):
                    release = f"{m[3]}-{m[2]}-{m[1]}"
            ym = REPORT_YEAR.match(text)
            if ym and year is None:
                year = ym[1]
        if release and year:
            others = [c for c in cells if not DATE.search(c) and not REPORT_YEAR.match(c)]
            title = max(others, key=len, default=None)
            return Cover(sheet.name, release, year, _clean(title) if title else None)
    return None


def contents_codes(sheets: list[Sheet]) -> tuple[str | None, list[str]]:
    """The contents sheet and the table codes it lists (rows of a bare code followed by a title)."""
    for sheet in sheets:
        codes = []
        for row in sheet.rows:
            cells = _texts(row)
            if len(cells) >= 2 and BARE_CODE.match(cells[0][1]) and not is_value_text(cells[1][1]):
                codes.append(BARE_CODE.match(cells[0][1])[1])
        if len(codes) >= 3:
            return sheet.name, codes
    return None, []
