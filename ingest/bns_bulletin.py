"""BNS statistical bulletins: one workbook, many numbered tables, Kazakh and/or Russian.

Example: ``education_organisations_finance_2022_kk.xls`` (stat.gov.kz, series 22, released
22.06.2023): a cover (``Релиз шығарылымы: 22.06.2023``, ``2022 жыл``), a legend of the markers,
the contents (``1.1  Табыстар және шығыстар: …``), a methodology note, then sheets ``1.1`` …
``7.9``; one sheet may hold several tables (sheet ``1.8`` holds 1.8 and 1.8.1-1.8.4).

Nothing is found by cell address or sheet name. The reader finds, by content:

* the **cover**: the sheet with the release date (a cell naming the release, ``Релиз`` /
  ``шығарылым`` / ``выпуск``, with a date ``dd.mm.yyyy``, not the *next* release) and the report
  year (``2022 жыл`` / ``2022 год``); a bulletin without them is refused;
* the **contents**: rows of a bare table code and a title; every table it lists must be found;
* each **table**: a row whose text starts with a table code (``1.1 Табыстар және шығыстар``); up
  to the next one, the rows above the first data row give the **subtitle** (text in the label
  column), the **unit** (a cell naming a unit in ``seeds/units.csv``) and the **column header**
  (one or more rows; a cell spanning columns, like ``соның ішінде``, is carried right; in a
  bilingual header only the rows in the table's language are used);
* the **label column**: the column with the most text; **data rows**: a label and at least one
  value; a label without values is a group heading (``соның ішінде:``); after a blank row, rows
  that are not data (signatures, phone numbers) end the table;
* the table's **kind**: ``region`` when most row labels are territories in the table's language
  (``Алматы`` is the oblast in Kazakh, the city in Russian; see ``seeds/territory_names.csv``),
  otherwise ``item`` (republic-level rows such as ``Ағымдағы трансферттер``). On a region table a
  label that is not a known territory is quarantined.

Each value cell becomes one raw row with its text as delivered and its cell reference. Cells must
hold a number, a BNS marker (``-``, ``…``/``...``, ``х``, ``0,0``) or a formula, as staging reads them
(``rules.bns_cell`` of dbt_project.yml); anything else is quarantined, as is a row label repeated within a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError
from ingest.bns.cover import Cover, contents_codes, find_cover, table_title
from ingest.bns.territory import repeated_territory_reason
from ingest.bns.values import is_value_text
from ingest.bns_dynamic import YEAR_LABEL
from ingest.excel import Sheet, column_letter, read_workbook
from ingest.reference import detect_language, find_unit, normalize_name, resolve_territory

UNIT_IN_TEXT = (re.compile(r"\(([^()]+)\)\s*$"), re.compile(r",\s*([^,]+?)\s*$"))
REGION_SHARE = 0.5


@dataclass
class Table:
    code: str
    title: str
    sheet: Sheet
    first_row: int  # the title row (0-based)
    end_row: int  # exclusive
    subtitle: list[str] = field(default_factory=list)
    unit: str | None = None
    language: str = "ru"
    kind: str = "item"


def _texts(row: list[str | None]) -> list[tuple[int, str]]:
    return [(c, v) for c, v in enumerate(row) if v is not None and str(v).strip()]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def table_language(title: str, subtitle: list[str], labels: list[str]) -> str:
    """``kk`` when the title or subtitle uses a letter found only in Kazakh, or most row labels do;
    a Russian table may still name ``область Жетісу`` or ``область Ұлытау`` (their official names)."""
    if detect_language([title, *subtitle]) == "kk":
        return "kk"
    kazakh = sum(1 for label in labels if detect_language([label]) == "kk")
    return "kk" if labels and kazakh > len(labels) / 2 else "ru"


class BnsBulletin(Source):
    name = "bns_bulletin"
    family = "bns"
    publisher = "Bureau of National Statistics (stat.gov.kz)"
    file_patterns = ("*.xlsx", "*.xls")
    raw_table = RawTable(
        name="bns_bulletin_cells",
        columns=(
            "bulletin_title",
            "report_year",
            "release_date",
            "table_code",
            "table_title",
            "table_subtitle",
            "table_kind",
            "unit_label",
            "row_label",
            "column_label",
            "cell_text",
            "cell_ref",
            "language",
        ),
        description="BNS statistical bulletins as delivered: one row per value cell of every numbered table "
        "(row label × column label), text exactly as in the workbook; report year and release date from the "
        "cover. table_kind: region (rows are territories) or item (rows are line items). "
        "Grain: _batch_id, _sheet, cell_ref.",
    )

    def stream_key(self, filename: str) -> str | None:
        """Editions of the same bulletin (the year in the name aside) are one stream."""
        return re.sub(r"_+", "_", re.sub(r"(19|20)\d{2}", "", filename.lower()))

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        sheets = list(read_workbook(stream, filename))
        cover = find_cover(sheets)
        if cover is None:
            raise SourceFormatError(
                filename,
                "no cover with the release date and the report year "
                "(e.g. 'Релиз шығарылымы: 22.06.2023' and '2022 жыл', or 'Дата релиза: …' and '2022 год')",
                hint="is this a BNS bulletin? dynamic tables load as source bns_dynamic",
            )
        report.period = cover.report_year
        tables = self._find_tables(sheets, cover, filename)
        if not tables:
            raise SourceFormatError(
                filename,
                "no numbered table (a title like '1.1 Табыстар және шығыстар') in any sheet",
                hint="is this a BNS bulletin? dynamic tables load as source bns_dynamic",
            )
        seen: dict[str, str] = {}
        for table in tables:
            if table.code in seen:
                raise SourceFormatError(
                    filename,
                    f"table {table.code} appears twice (sheets {seen[table.code]!r} and {table.sheet.name!r})",
                    sheet=table.sheet.name,
                    row=table.first_row + 1,
                )
            seen[table.code] = table.sheet.name
        contents_sheet, listed = contents_codes(sheets)
        missing = [code for code in listed if code not in seen]
        if missing:
            raise SourceFormatError(
                filename,
                f"tables listed in the contents ({contents_sheet!r}) are missing: {', '.join(missing)}",
                hint="the workbook is incomplete (a deleted sheet?); re-download the bulletin",
            )
        kinds = {"region": 0, "item": 0}
        footers: list[str] = []
        for table in tables:
            yield from self._parse_table(table, cover, filename, report, footers)
            kinds[table.kind] += 1
        report.notes.append(
            f"bulletin {cover.report_year}, released {cover.release_date} (cover sheet {cover.sheet!r}); "
            f"{len(tables)} tables: {kinds['region']} by region, {kinds['item']} by item"
            + (f"; contents lists {len(listed)}" if listed else "; no contents sheet found")
        )
        if footers:
            report.notes.append("rows after the data ignored as footnotes/signatures: " + "; ".join(footers[:5]))

    def _find_tables(self, sheets: list[Sheet], cover: Cover, filename: str) -> list[Table]:
        tables: list[Table] = []
        for sheet in sheets:
            if sheet.name == cover.sheet:
                continue
            starts = [(r, t) for r, row in enumerate(sheet.rows) if (t := table_title(row))]
            for i, (r, (code, title)) in enumerate(starts):
                end = starts[i + 1][0] if i + 1 < len(starts) else len(sheet.rows)
                tables.append(Table(code, title, sheet, r, end))
        return tables

    def _parse_table(
        self, table: Table, cover: Cover, filename: str, report: ParseReport, footers: list[str]
    ) -> Iterator[ParsedItem]:
        sheet, rows = table.sheet, table.sheet.rows
        body = range(table.first_row + 1, table.end_row)
        label_col = self._label_column(sheet, body)

        def value_cells(r: int) -> list[tuple[int, str]]:
            return [(c, v) for c, v in _texts(rows[r]) if c > label_col]

        def is_data(r: int) -> bool:
            label = sheet.cell(r, label_col)
            cells = value_cells(r)
            return bool(label and label.strip()) and any(is_value_text(v) for _, v in cells)

        def is_year_header(r: int) -> bool:  # a header of years ('2021', '2022') looks like numbers
            return all(YEAR_LABEL.match(v) for _, v in value_cells(r))

        first_data = next((r for r in body if is_data(r) and not is_year_header(r)), None)
        if first_data is None:
            raise SourceFormatError(
                filename, f"table {table.code} has no data rows", sheet=sheet.name, row=table.first_row + 1
            )
        header_rows: list[int] = []
        above: list[str] = []
        for r in range(table.first_row + 1, first_data):
            cells = _texts(rows[r])
            if not cells:
                continue
            above.extend(v for _, v in cells)
            if len(cells) == 1 and find_unit(cells[0][1]):
                table.unit = table.unit or cells[0][1]
            elif len(cells) == 1 and cells[0][0] <= label_col and not header_rows:
                table.subtitle.append(_clean(cells[0][1]))
            elif any(c > label_col for c, _ in cells):
                header_rows.append(r)
        if table.unit is None:
            table.unit = self._unit_in_text(above)
        if table.unit is None:
            raise SourceFormatError(
                filename,
                f"table {table.code}: no unit of measure above the data (found: {[_clean(t) for t in above]})",
                sheet=sheet.name,
                row=first_data,
                hint="add the unit's label to dbt_project/seeds/units.csv if it is new (e.g. 'мың теңге')",
            )
        data_rows, unlabelled, footer_rows = self._data_rows(rows, first_data, table.end_row, label_col, is_data)
        for r in unlabelled:
            yield Rejected(
                f"values without a row label in table {table.code}",
                {"table_code": table.code, "cells": {column_letter(c): v for c, v in value_cells(r)}},
                r + 1,
                sheet.name,
            )
        if footer_rows:
            footers.append(f"{sheet.name!r} rows {footer_rows[0] + 1}-{footer_rows[-1] + 1}")
        labels = [rows[r][label_col] for r in data_rows]
        table.language = table_language(table.title, table.subtitle, labels)
        resolved = [resolve_territory(label, table.language) for label in labels]
        if len(labels) >= 2 and sum(1 for k in resolved if k) >= REGION_SHARE * len(labels):
            table.kind = "region"
        columns = self._column_labels(sheet, header_rows, label_col, data_rows, table, report)
        subtitle = " / ".join(table.subtitle) or None
        seen_labels: dict[str, int] = {}
        # on a region table, two different labels of one territory (e.g. 'Алматы облысы' and 'Алматы' in
        # Kazakh, where 'Алматы' alone is the oblast) quarantine every such row: which is right cannot be told
        labels_of: dict[str, dict[str, int]] = {}
        for r, label, kato in zip(data_rows, labels, resolved, strict=True):
            if kato:
                labels_of.setdefault(kato, {}).setdefault(normalize_name(label), r + 1)
        for r, label, kato in zip(data_rows, labels, resolved, strict=True):
            cells = dict(value_cells(r))
            record = {
                "table_code": table.code,
                "row_label": label,
                "cells": {columns.get(c, str(c)): v for c, v in cells.items()},
            }
            if table.kind == "region" and kato is None:
                yield Rejected(
                    f"unknown territory name: {label.strip()!r} is not in seeds/territory_names.csv "
                    f"({table.language}), table {table.code}",
                    record,
                    r + 1,
                    sheet.name,
                )
                continue
            if table.kind == "region" and len(labels_of[kato]) > 1:
                rows_of = {x: name for name, x in labels_of[kato].items()}
                reason = repeated_territory_reason(kato, f"table {table.code}", rows_of, table.language)
                yield Rejected(reason, record, r + 1, sheet.name)
                continue
            if not cells and table.kind == "item":
                continue  # a group heading such as 'соның ішінде:'
            key = normalize_name(label)
            if key in seen_labels:
                yield Rejected(
                    f"duplicate row label {label.strip()!r} in table {table.code} (first at row {seen_labels[key]})",
                    record,
                    r + 1,
                    sheet.name,
                )
                continue
            seen_labels[key] = r + 1
            for c, column_label in columns.items():
                text = sheet.cell(r, c)
                ref = f"{column_letter(c)}{r + 1}"
                if text is not None and not is_value_text(text):
                    yield Rejected(
                        f"not a number or BNS marker: {text!r} in cell {ref}",
                        {**record, "column_label": column_label, "cell_text": text},
                        r + 1,
                        sheet.name,
                    )
                    continue
                yield Row(
                    (
                        cover.title,
                        cover.report_year,
                        cover.release_date,
                        table.code,
                        table.title,
                        subtitle,
                        table.kind,
                        table.unit,
                        label,
                        column_label,
                        text,
                        ref,
                        table.language,
                    ),
                    r + 1,
                    sheet.name,
                )

    @staticmethod
    def _label_column(sheet: Sheet, body: range) -> int:
        counts: dict[int, int] = {}
        for r in body:
            for c, v in _texts(sheet.rows[r]):
                if not is_value_text(v):
                    counts[c] = counts.get(c, 0) + 1
        return max(counts, key=lambda c: (counts[c], -c)) if counts else 0

    @staticmethod
    def _unit_in_text(texts: list[str]) -> str | None:
        """A unit inside a subtitle or header, e.g. 'Шығыстар (мың теңге)' or 'Расходы, тыс. тенге'."""
        for text in texts:
            for pattern in UNIT_IN_TEXT:
                m = pattern.search(text)
                if m and find_unit(m[1]):
                    return m[1].strip()
        return None

    @staticmethod
    def _data_rows(rows, first_data: int, end: int, label_col: int, is_data):
        """Labelled rows, rows with values but no label, and trailing rows, from the first data row on;
        after a blank row, a row that is not data ends the table (footnotes or signatures follow)."""
        data, unlabelled, gap = [], [], False
        for r in range(first_data, end):
            cells = _texts(rows[r])
            if not cells:
                gap = True
                continue
            if gap and not is_data(r):
                return data, unlabelled, [x for x in range(r, end) if _texts(rows[x])]
            gap = False
            label = rows[r][label_col] if label_col < len(rows[r]) else None
            if label and label.strip():
                data.append(r)
            else:
                unlabelled.append(r)
        return data, unlabelled, []

    @staticmethod
    def _column_labels(sheet, header_rows, label_col, data_rows, table: Table, report: ParseReport) -> dict[int, str]:
        value_cols = sorted(
            {c for r in data_rows for c, _ in _texts(sheet.rows[r]) if c > label_col}
            | {c for r in header_rows for c, _ in _texts(sheet.rows[r]) if c > label_col}
        )
        if header_rows:
            langs = {r: detect_language([v for c, v in _texts(sheet.rows[r]) if c > label_col]) for r in header_rows}
            own = [r for r in header_rows if langs[r] == table.language]
            if own and len(own) < len(header_rows):
                report.notes.append(
                    f"table {table.code}: header rows in a second language ignored "
                    f"({', '.join(str(r + 1) for r in header_rows if r not in own)})"
                )
                header_rows = own
        parts: dict[int, list[str]] = {c: [] for c in value_cols}
        for i, r in enumerate(header_rows):
            carried = None
            for c in value_cols:
                text = sheet.cell(r, c)
                if text is not None and str(text).strip():
                    carried = _clean(str(text))
                    parts[c].append(carried)
                elif carried is not None and i < len(header_rows) - 1:
                    parts[c].append(carried)  # a cell spanning columns ('соның ішінде') carries right
        labels = {c: " / ".join(p) or f"column {column_letter(c)}" for c, p in parts.items()}
        counts: dict[str, int] = {}
        for label in labels.values():
            counts[label] = counts.get(label, 0) + 1
        return {c: (f"{label} [{column_letter(c)}]" if counts[label] > 1 else label) for c, label in labels.items()}


SOURCE = BnsBulletin()
