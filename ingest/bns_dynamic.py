"""BNS dynamic tables: wide Excel tables, regions as rows, years as columns, stacked blocks.

Example: ``number_of_schools_by_region_2000-2023_ru.xlsx`` (stat.gov.kz): a title row, a unit
(``единиц``), a header row ``2000/01 … 2022/23``, then blocks ``Все население`` / ``Городское
население`` / ``Сельское население`` of region rows, then footnotes.

Nothing is found by cell address. Per sheet the reader finds, by content:

* the **header row**: the row with the most year-like cells (``2000/01``, ``2001``, ``2001 г.``);
* the **label column**: the column left of the years with the most text below the header;
* the **unit**: a cell above the header that names a unit in ``seeds/units.csv``;
* the **title**: the first other text above the header;
* **blocks**: rows with a label but no values that are followed by data rows;
* **footnotes**: rows with a label but no values that are *not* followed by data rows.

Each value cell becomes one raw row (long format) with its text as delivered and its cell
reference. Cells must hold a number or one of the BNS markers (``-``, ``…``, ``х``, ``0,0``) or a
formula, as staging reads them (``rules.bns_cell`` of dbt_project.yml, :func:`ingest.bns.values.is_value_text`);
anything else, and any row label that is not a known territory, is quarantined.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError
from ingest.bns.layout import is_block_heading
from ingest.bns.territory import repeated_territory_reason
from ingest.bns.values import is_value_text
from ingest.excel import Sheet, column_letter, read_workbook
from ingest.reference import detect_language, find_unit, resolve_territory

YEAR_LABEL = re.compile(r"^\s*(19|20)\d{2}(\s*[/\-–]\s*(\d{2}|\d{4}))?\s*(г\.?|гг\.?|год|ж\.?|жыл)?\s*$")


def find_header_row(sheet: Sheet) -> tuple[int, list[int]] | None:
    best: tuple[int, list[int]] | None = None
    for r, row in enumerate(sheet.rows[:60]):
        cols = [c for c, v in enumerate(row) if v and YEAR_LABEL.match(v)]
        if len(cols) >= 3 and (best is None or len(cols) > len(best[1])):
            best = (r, cols)
    return best


def repeated_territory(key, rows: dict[int, str], language: str, r: int, sheet: Sheet) -> Rejected:
    """The quarantine record of one of several rows that resolve to the same territory in one block."""
    block, kato = key
    numbered = {x + 1: label for x, label in rows.items()}
    reason = repeated_territory_reason(kato, f"block {block or '(none)'}", numbered, language)
    return Rejected(reason, {"row_label": rows[r], "block": block, "kato_code": kato}, r + 1, sheet.name)


class BnsDynamicTable(Source):
    name = "bns_dynamic"
    family = "bns"
    publisher = "Bureau of National Statistics (stat.gov.kz)"
    file_patterns = ("*.xlsx", "*.xls")
    raw_table = RawTable(
        name="bns_dynamic_cells",
        columns=(
            "table_title",
            "unit_label",
            "block_label",
            "row_label",
            "period_label",
            "cell_text",
            "cell_ref",
            "language",
        ),
        description="BNS dynamic tables as delivered: one row per value cell (region row × year column), "
        "text exactly as in the workbook. Grain: _batch_id, _sheet, cell_ref.",
    )

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        found = False
        for sheet in read_workbook(stream, filename):
            header = find_header_row(sheet)
            if header is None:
                report.notes.append(f"sheet {sheet.name!r}: no year header row, skipped")
                continue
            found = True
            yield from self._parse_sheet(sheet, header, filename, report)
        if not found:
            raise SourceFormatError(
                filename,
                "no sheet has a header row of years (e.g. 2000/01, 2001, …)",
                hint="is this a BNS dynamic table? bulletins load as source bns_bulletin",
            )

    def _parse_sheet(
        self, sheet: Sheet, header: tuple[int, list[int]], filename: str, report: ParseReport
    ) -> Iterator[ParsedItem]:
        header_row, year_cols = header
        first_year_col = min(year_cols)
        label_col = self._label_column(sheet, header_row, first_year_col)
        above = [v for row in sheet.rows[: header_row + 1] for v in row if v]
        unit_cells = [v for v in above if find_unit(v)]
        if not unit_cells:
            raise SourceFormatError(
                filename,
                "no unit of measure above the header (e.g. 'единиц', 'тыс. тенге')",
                sheet=sheet.name,
                row=header_row + 1,
                hint="add the unit's label to dbt_project/seeds/units.csv if it is new",
            )
        unit = unit_cells[0]
        title = next((v for v in above if v not in unit_cells and not YEAR_LABEL.match(v)), None)
        labels = [sheet.cell(r, label_col) for r in range(header_row + 1, len(sheet.rows))]
        language = detect_language([title, *labels])
        periods = {c: sheet.cell(header_row, c).strip() for c in year_cols}
        report.notes.append(
            f"sheet {sheet.name!r}: header row {header_row + 1}, {len(year_cols)} periods "
            f"{periods[year_cols[0]]}…{periods[year_cols[-1]]}, unit {unit!r}, language {language}"
        )

        def has_values(r: int) -> bool:
            return any(sheet.cell(r, c) is not None for c in year_cols)

        block = None
        data_rows = range(header_row + 1, len(sheet.rows))
        # a territory twice in one block (two labels resolving to one KATO code, e.g. 'Алматы облысы' and
        # 'Алматы' in Kazakh, where 'Алматы' alone is the oblast) quarantines every such row: which
        # one is right cannot be told, and staging would otherwise keep either of them
        emitted: list[tuple[tuple[str | None, str], int, ParsedItem]] = []
        territory_rows: dict[tuple[str | None, str], dict[int, str]] = {}
        for r in data_rows:
            label = sheet.cell(r, label_col)
            if label is None:
                continue
            if not has_values(r):
                nxt = next((x for x in range(r + 1, len(sheet.rows)) if sheet.cell(x, label_col)), None)
                known = resolve_territory(label, language) is not None
                if is_block_heading(label, is_territory=known, next_is_data=nxt is not None and has_values(nxt)):
                    block = label.strip()
                    continue
                if not known:
                    continue  # a footnote
            kato = resolve_territory(label, language)
            if kato is None:
                yield Rejected(
                    f"unknown territory name: {label.strip()!r} is not in seeds/territory_names.csv ({language})",
                    {"row_label": label, "block": block},
                    r + 1,
                    sheet.name,
                )
                continue
            key = (block, kato)
            territory_rows.setdefault(key, {})[r] = label.strip()
            for c in year_cols:
                text = sheet.cell(r, c)
                ref = f"{column_letter(c)}{r + 1}"
                if text is not None and not is_value_text(text):
                    item: ParsedItem = Rejected(
                        f"not a number or BNS marker: {text!r} in cell {ref}",
                        {"row_label": label, "period_label": periods[c], "cell_text": text},
                        r + 1,
                        sheet.name,
                    )
                else:
                    item = Row((title, unit, block, label, periods[c], text, ref, language), r + 1, sheet.name)
                emitted.append((key, r, item))
        repeated = {key: rows for key, rows in territory_rows.items() if len(rows) > 1}
        refused: set[int] = set()
        for key, r, item in emitted:
            if key not in repeated:
                yield item
            elif r not in refused:
                refused.add(r)
                yield repeated_territory(key, repeated[key], language, r, sheet)

    @staticmethod
    def _label_column(sheet: Sheet, header_row: int, first_year_col: int) -> int:
        counts = {c: 0 for c in range(max(first_year_col, 1))}
        for row in sheet.rows[header_row + 1 :]:
            for c in counts:
                if c < len(row) and row[c] and not is_value_text(row[c]):
                    counts[c] += 1
        return max(counts, key=lambda c: (counts[c], -c))

    def stream_key(self, filename: str) -> str | None:
        return None


SOURCE = BnsDynamicTable()
