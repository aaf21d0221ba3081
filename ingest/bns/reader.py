"""Any BNS publication (dynamic table or bulletin, ru/kk/en, .xls/.xlsx) → raw cells.

Source ``bns``: one raw row per value cell of every *territorial* table of the workbook, with the
sheet, table title, block path, row and column labels as written, the territory (KATO code, or the
label kept unresolved), the period as written and normalised, the unit as written and normalised,
the value, the BNS marker and the footnote. Tables are found by :mod:`ingest.bns.layout`,
territories by :mod:`ingest.bns.territory`, periods by :mod:`ingest.bns.periods`.

A table is territorial when at least half the labels of one axis are territories: its rows (regions
× years, the usual dynamic table and bulletin table) or its columns (cities as column groups, a
transposed sheet). Other tables (line items, contents sheets) are skipped with a note; a workbook
with no territorial table is refused as "not a territorial table". A workbook where more than
:data:`MAX_PROBLEM_SHARE` of the territorial rows have an unresolved territory or an unreadable value
is refused as a whole with the list: it is never loaded partially.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError
from ingest.bns.layout import Table, find_tables
from ingest.bns.periods import Period, parse_period, year_in_text
from ingest.bns.territory import Resolution, resolve_labels
from ingest.bns.values import is_unit_text, normalise_unit, parse_value
from ingest.excel import Sheet, column_letter, read_workbook

MAX_PROBLEM_SHARE = 0.05
AGGREGATE_REASON = "an aggregate of territories"
TERRITORIAL_SHARE = 0.5

COLUMNS = (
    "table_title",
    "block_path",
    "row_label",
    "column_label",
    "territory_label",
    "kato_code",
    "period_label",
    "period_kind",
    "period_start",
    "period_end",
    "unit_label",
    "unit_code",
    "unit_multiplier",
    "cell_text",
    "value",
    "marker",
    "footnote",
    "cell_ref",
    "language",
)


@dataclass
class Problem:
    sheet: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"sheet {self.sheet!r} {self.where}: {self.what}"


def cover_period(sheets: list[Sheet]) -> Period | None:
    """The report period a bulletin's cover names (``2022 жыл``, ``IV quarter of 2024``, ``As of April 1, 2025``)."""
    for sheet in sheets[:2]:
        for row in sheet.rows[:40]:
            for text in row:
                if text and (period := parse_period(text)) and period.start is not None:
                    return period
    return None


def _block_path(table: Table, block: str | None) -> str | None:
    parts = [*table.subtitles, *([block] if block else [])]
    return " / ".join(parts) or None


def _footnote(table: Table, marks: list[str | None], period: Period | None = None) -> str | None:
    """The footnote texts the marks of a cell point to (``*``, ``2)``, or ``2022*`` for a period ``2022*``)."""
    marks = [m for m in marks if m]
    if not marks:
        return None
    starts = [*marks, *[m.rstrip(")") for m in marks]]
    if period is not None and period.footnote:
        starts.append(period.label)
    texts = [f for f in table.footnotes if any(f.startswith(s) for s in starts)]
    return " | ".join(dict.fromkeys(texts)) or " ".join(marks)


class BnsPublication(Source):
    name = "bns"
    family = "bns"
    publisher = "Bureau of National Statistics (stat.gov.kz)"
    file_patterns = ("*.xlsx", "*.xls")
    raw_table = RawTable(
        name="bns_cells",
        columns=COLUMNS,
        description="Any BNS publication (dynamic table or bulletin) as delivered: one row per value cell of every "
        "territorial table; labels, period and unit as written next to their normalised form; kato_code null "
        "where the territory label is kept unresolved. Grain: _batch_id, _sheet, cell_ref.",
    )

    def raw_ddl(self) -> list[str]:
        # cells loaded before the reader wrote staging's code for "…" (rules.bns_cell) said not_available
        return [*super().raw_ddl(), "update raw.bns_cells set marker = 'missing' where marker = 'not_available'"]

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        sheets = list(read_workbook(stream, filename))
        tables = {sheet.name: find_tables(sheet) for sheet in sheets}
        cover = cover_period([s for s in sheets if not tables[s.name]])
        if cover:
            report.period = cover.label
        items: list[ParsedItem] = []
        problems: list[Problem] = []
        units = 0
        skipped: list[str] = []
        for sheet in sheets:
            for table in tables[sheet.name]:
                before = len(items)
                n = self._table(sheet, table, cover, items, problems)
                units += n
                if n == 0:
                    skipped.append(f"{sheet.name!r} ({(table.title or 'untitled')[:60]})")
                    del items[before:]
        if skipped:
            report.notes.append("not territorial tables, skipped: " + "; ".join(skipped[:10]))
        if units == 0:
            raise SourceFormatError(
                filename,
                "not a territorial table: no table in the workbook lists regions or cities of Kazakhstan in its rows "
                "or columns",
                hint="the warehouse loads BNS tables by territory; names it should know go to "
                "dbt_project/seeds/bns_territory_spellings.csv",
            )
        if len(problems) > MAX_PROBLEM_SHARE * units:
            listing = "; ".join(str(p) for p in problems[:15]) + ("; …" if len(problems) > 15 else "")
            raise SourceFormatError(
                filename,
                f"{len(problems)} of {units} territorial rows have an unresolved territory or an unreadable value "
                f"(more than {MAX_PROBLEM_SHARE:.0%}), so none of the file is loaded: {listing}",
                hint="add missing territory spellings to dbt_project/seeds/bns_territory_spellings.csv, or ask BNS "
                "for a corrected file",
            )
        if problems:
            report.notes.append(
                f"{len(problems)} territorial rows with a problem: " + "; ".join(map(str, problems[:5]))
            )
        yield from items

    def _table(self, sheet: Sheet, table: Table, cover, items: list, problems: list) -> int:
        """Append the table's cells; return the number of territorial rows (or columns); 0 = not territorial."""
        title = table.title or sheet.name
        unit_label = table.unit or (sheet.name.strip() if is_unit_text(sheet.name) else None)
        unit = normalise_unit(unit_label)
        year = year_in_text(title) or (cover.start.year if cover and cover.start else None)
        labels = [label for _, label, _ in table.rows]
        rows_res = resolve_labels(labels)
        blocks: dict[str | None, list[int]] = {}
        for i, (_, _, block) in enumerate(table.rows):
            blocks.setdefault(block, []).append(i)
        territorial = {
            b
            for b, idx in blocks.items()
            if sum(1 for i in idx if rows_res[i].kato_code) >= TERRITORIAL_SHARE * len(idx)
        }
        col_res: dict[int, Resolution] = {}
        if not territorial:
            heads = [table.column_heads.get(c, "") for c in table.value_cols]
            res = resolve_labels(heads)
            if sum(1 for r in res if r.kato_code) >= TERRITORIAL_SHARE * len(res):
                col_res = dict(zip(table.value_cols, res, strict=True))
            else:
                return 0
        count = 0
        for i, (r, label, block) in enumerate(table.rows):
            if col_res:
                territory_row = None
            elif block in territorial:
                territory_row = rows_res[i]
            else:
                continue
            count += 1 if territory_row else 0
            if territory_row and territory_row.kato_code is None and territory_row.reason != AGGREGATE_REASON:
                problems.append(Problem(sheet.name, f"row {r + 1}", f"unknown territory {label!r}"))
            row_period = parse_period(label) if col_res else None
            bad = False
            for c in table.value_cols:
                text = sheet.cell(r, c)
                if text is None:
                    continue
                territory = territory_row or col_res[c]
                head = table.column_heads.get(c)
                period = parse_period(head) if not col_res else row_period
                period = period or cover_or_title(title, cover)
                if period is not None:
                    period = period.with_year(year)
                value = parse_value(text)
                ref = f"{column_letter(c)}{r + 1}"
                if value is None:
                    bad = True
                    items.append(
                        Rejected(
                            f"not a number or BNS marker: {text!r} in cell {ref}",
                            {"row_label": label, "column_label": table.column_labels.get(c), "cell_text": text},
                            r + 1,
                            sheet.name,
                        )
                    )
                    continue
                items.append(
                    Row(
                        (
                            title,
                            _block_path(table, block),
                            label,
                            table.column_labels.get(c),
                            territory.label,
                            territory.kato_code,
                            period.label if period else None,
                            period.kind if period else None,
                            period.start.isoformat() if period and period.start else None,
                            period.end.isoformat() if period and period.end else None,
                            unit.label if unit else unit_label,
                            unit.code if unit else None,
                            f"{unit.multiplier:g}" if unit and unit.multiplier is not None else None,
                            text,
                            value.value,
                            value.marker,
                            _footnote(
                                table, [territory.footnote, period.footnote if period else None, value.footnote], period
                            ),
                            ref,
                            territory.language,
                        ),
                        r + 1,
                        sheet.name,
                    )
                )
            if bad:
                problems.append(Problem(sheet.name, f"row {r + 1}", f"unreadable value in row {label!r}"))
        if col_res:
            count = len(col_res)
            problems.extend(
                Problem(sheet.name, f"column {column_letter(c)}", f"unknown territory {res.label!r}")
                for c, res in col_res.items()
                if res.kato_code is None and res.reason != AGGREGATE_REASON
            )
        return count

    def stream_key(self, filename: str) -> str | None:
        return None


def cover_or_title(title: str, cover: Period | None) -> Period | None:
    """The period of a table whose columns are no periods: the cover's, else the one year its title names."""
    if cover is not None:
        return cover
    year = year_in_text(title)
    return parse_period(str(year)) if year else None


SOURCE = BnsPublication()
