"""Find the tables of a BNS sheet by content, never by cell address.

A sheet holds one or more tables stacked vertically. Per sheet:

* the **label column** is the column with the most text that is not a number;
* a **data row** has a label and at least one value (number, marker, formula) right of it;
* a **header row** has cells right of the label column but no label, or a label and only periods
  (``Перечень показателей… | 2001 | 2002 …``); consecutive header rows form the column header, a
  cell spanning columns (``Including``, ``Шағын``) is carried right;
* each run of header rows that follows data starts a new **table**; the text rows above it (back to
  the previous table) give the **title**, the **unit** (a short text naming a unit, in any column, e.g.
  far right) and **subtitles**; rows that start with a footnote mark (``*``, ``1)``) are footnotes;
* inside a table, a label without values that is not a territory is a **block** heading
  (``Городское население``, ``Мужчины``); it holds until the next heading or table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.bns.periods import parse_period
from ingest.bns.territory import candidates
from ingest.bns.values import is_unit_text, looks_numeric
from ingest.excel import Sheet, column_letter

FOOTNOTE_START = re.compile(r"^\s*(\*+|\d{1,2}\)|\d{4}\*)")


@dataclass
class Table:
    sheet: str
    title: str | None
    unit: str | None
    subtitles: list[str]
    header_rows: list[int]
    label_col: int
    value_cols: list[int]
    column_labels: dict[int, str]
    column_heads: dict[int, str]  # the lowest header cell of each column (the period or territory)
    rows: list[tuple[int, str, str | None]] = field(default_factory=list)  # (row, label, block)
    footnotes: list[str] = field(default_factory=list)


def _texts(row: list[str | None]) -> list[tuple[int, str]]:
    return [(c, v.strip()) for c, v in enumerate(row) if v is not None and str(v).strip()]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def label_column(sheet: Sheet) -> int:
    counts: dict[int, int] = {}
    for row in sheet.rows:
        cells = _texts(row)
        if len(cells) < 2:
            continue
        c, v = cells[0]
        if not looks_numeric(v) or parse_period(v):
            counts[c] = counts.get(c, 0) + 1
    return max(counts, key=lambda c: (counts[c], -c)) if counts else 0


def _is_period_row(cells: list[tuple[int, str]]) -> bool:
    periods = [v for _, v in cells if parse_period(v)]
    return len(periods) >= 2 and len(periods) == len(cells) and len(set(periods)) == len(periods)


def classify_row(row: list[str | None], label_col: int) -> str:
    """``data``, ``header``, ``text`` (label only) or ``empty``."""
    cells = _texts(row)
    if not cells:
        return "empty"
    label = next((v for c, v in cells if c == label_col), None)
    right = [(c, v) for c, v in cells if c > label_col]
    left = [(c, v) for c, v in cells if c < label_col]
    if not right:
        return "text"
    if len(cells) == 1 and is_unit_text(cells[0][1]):
        return "text"
    if label is None and not left:
        return "header"
    if len(right) >= 3 and parse_period(right[0][1]) and _is_period_row(right):
        return "header"
    if any(looks_numeric(v) for _, v in right):
        return "data"
    return "header" if label is None else "text_wide"


def find_tables(sheet: Sheet) -> list[Table]:
    label_col = label_column(sheet)
    kinds = [classify_row(row, label_col) for row in sheet.rows]
    tables: list[Table] = []
    zone: list[int] = []  # text rows since the last table's data
    header: list[int] = []
    current: Table | None = None
    block: str | None = None
    pending: str | None = None  # a heading between the column header and the first data row
    for r, kind in enumerate(kinds):
        if kind == "text_wide" and (current is not None or header) and _is_territory(sheet.cell(r, label_col)):
            kind = "data"  # a region whose cells hold no number: its values are checked, never dropped
        if kind == "header":
            if current is not None and current.rows:
                current = None
            header.append(r)
            continue
        if kind == "data":
            if current is None:
                current = _start_table(sheet, tables, zone, header, label_col)
                tables.append(current)
                block, pending = pending, None
                zone, header = [], []
            label = _clean(sheet.rows[r][label_col]) if sheet.cell(r, label_col) else None
            if label is None:
                continue
            current.rows.append((r, label, block))
            continue
        if kind in ("text", "text_wide"):
            text = _clean(" ".join(v for _, v in _texts(sheet.rows[r])))
            if current is not None and header == [] and kind == "text" and not FOOTNOTE_START.match(text):
                label = _clean(sheet.rows[r][label_col] or "") if sheet.cell(r, label_col) else text
                nxt = next((x for x in range(r + 1, len(kinds)) if kinds[x] != "empty"), None)
                if _is_territory(label):
                    continue  # a territory with no values in any column
                if is_block_heading(label, is_territory=False, next_is_data=nxt is not None and kinds[nxt] == "data"):
                    block = label
                    continue
            if current is None and header and kind == "text" and not is_unit_text(text):
                pending = text
                continue
            if current is not None and FOOTNOTE_START.match(text):
                current.footnotes.append(text)
                continue
            if current is not None and current.rows:
                current = None
            zone.append(r)
    for table in tables:
        finish_columns(sheet, table)
    return [t for t in tables if t.rows and t.value_cols]


def is_block_heading(label: str | None, *, is_territory: bool, next_is_data: bool) -> bool:
    """A row label without values that is no territory and is followed by data heads a **block**
    (``Городское население``, ``Мужчины``): the one rule of the generic reader and of the dynamic
    tables (``ingest.bns_dynamic``). What a heading means is ``macros/bns_population_type.sql``."""
    return bool(label and label.strip()) and not is_territory and next_is_data


def _is_territory(label: str | None) -> bool:
    if not label:
        return False
    exact, cities = candidates(label)
    return bool(exact or cities)


def _start_table(sheet: Sheet, tables: list[Table], zone: list[int], header: list[int], label_col: int) -> Table:
    texts = [_clean(v) for r in zone for _, v in _texts(sheet.rows[r])]
    texts += [_clean(v) for r in header for c, v in _texts(sheet.rows[r]) if c <= label_col]
    units = [t for t in texts if is_unit_text(t)]
    others = [t for t in texts if t not in units and not FOOTNOTE_START.match(t)]
    previous = tables[-1] if tables else None
    if previous is not None and not units and len(others) <= 1:
        title, unit, subtitles = previous.title, previous.unit, others  # the next block of the same table
    else:
        title = others[0] if others else (previous.title if previous else None)
        unit = units[0] if units else None
        subtitles = others[1:]
    column_labels, column_heads = _column_labels(sheet, header, label_col)
    return Table(sheet.name, title, unit, subtitles, list(header), label_col, [], column_labels, column_heads)


def _column_labels(sheet: Sheet, header_rows: list[int], label_col: int) -> tuple[dict[int, str], dict[int, str]]:
    width = max((len(sheet.rows[r]) for r in header_rows), default=0)
    parts: dict[int, list[str]] = {c: [] for c in range(label_col + 1, width)}
    heads: dict[int, str] = {}
    for i, r in enumerate(header_rows):
        carried = None
        for c in range(label_col + 1, width):
            text = sheet.cell(r, c)
            if text is not None and str(text).strip():
                carried = _clean(str(text))
                parts[c].append(carried)
                heads[c] = carried
            elif carried is not None and i < len(header_rows) - 1:
                parts[c].append(carried)
    labels = {c: " / ".join(p) for c, p in parts.items() if p}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    # two columns with the same header text (a group heading the header rows do not carry) stay apart
    return {c: (f"{t} [{column_letter(c)}]" if counts[t] > 1 else t) for c, t in labels.items()}, heads


def finish_columns(sheet: Sheet, table: Table) -> None:
    """Value columns: right of the label column, holding a value in some data row of the table."""
    cols: set[int] = set()
    for r, _, _ in table.rows:
        for c, v in _texts(sheet.rows[r]):
            if c > table.label_col and looks_numeric(v):
                cols.add(c)
    table.value_cols = sorted(cols)
