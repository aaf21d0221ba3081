"""Read Excel workbooks (``.xlsx`` and legacy ``.xls``) as grids of text, exactly as delivered.

Numbers become their shortest text (``8353``, ``0.5``); formulas stay as their formula text
(``='[1]СВОД РК'!$G$32``) so that staging can say *why* a cell has no value; empty cells are None.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from ingest.base import SourceFormatError
from ingest.workbook_safety import LIMITS, CellBudget, check_sheet_count, check_xlsx_archive

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class Sheet:
    name: str
    rows: list[list[str | None]]

    def cell(self, row: int, col: int) -> str | None:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return text if text.strip() != "" else None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_workbook(stream: BinaryIO, filename: str) -> Iterator[Sheet]:
    data = stream.read()
    if not data:
        raise SourceFormatError(filename, "the file is empty")
    if data.startswith(XLSX_MAGIC):
        yield from _read_xlsx(data, filename)
    elif data.startswith(XLS_MAGIC):
        yield from _read_xls(data, filename)
    else:
        head = data[:200].lstrip().lower()
        kind = "an HTML page" if head.startswith((b"<!doctype", b"<html")) else "not an Excel workbook"
        raise SourceFormatError(
            filename,
            f"{kind} (unrecognised file signature)",
            hint="download the .xlsx/.xls file itself, not the web page",
        )


def _read_xlsx(data: bytes, filename: str) -> Iterator[Sheet]:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx_archive(archive, filename)
        # openpyxl's own steps of load_workbook, without building its worksheets: a read-only worksheet
        # scans the whole sheet for its size when the <dimension> is missing, which doubles the reading
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        parts = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SourceFormatError(filename, f"not a readable .xlsx workbook (truncated or corrupt: {exc})") from exc
    wb = reader.wb
    try:
        check_sheet_count(len(parts), filename)
        seen = 0
        for title, part in parts:
            # the declared used range (<dimension>) is not trusted: only cells that hold a value count
            budget = CellBudget(filename, title, previous=seen)
            cells: dict[int, list[tuple[int, str]]] = {}
            try:
                with reader.archive.open(part) as src:
                    parser = WorkSheetParser(
                        src,
                        reader.shared_strings,
                        data_only=False,
                        epoch=wb.epoch,
                        date_formats=wb._date_formats,
                        timedelta_formats=wb._timedelta_formats,
                    )
                    for _, row in parser.parse():
                        for cell in row:
                            text = cell_text(cell["value"])
                            if text is None:
                                continue
                            r, c = cell["row"] - 1, cell["column"] - 1
                            budget.add(r, c)
                            cells.setdefault(r, []).append((c, text))
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise SourceFormatError(filename, f"sheet {title!r} is truncated or corrupt ({exc})") from exc
            seen = budget.cells
            yield Sheet(title, _dense(cells, budget.last_row))
    finally:
        reader.archive.close()


def _dense(cells: dict[int, list[tuple[int, str]]], height: int) -> list[list[str | None]]:
    rows: list[list[str | None]] = [[] for _ in range(height)]
    for r, values in cells.items():
        row = [None] * (max(c for c, _ in values) + 1)
        for c, text in values:
            row[c] = text
        rows[r] = row
    return rows


def _read_xls(data: bytes, filename: str) -> Iterator[Sheet]:
    import struct

    import xlrd
    from xlrd.compdoc import CompDocError

    if len(data) > LIMITS.max_xls_bytes:
        raise SourceFormatError(
            filename,
            f"the .xls workbook is {len(data) / 1e6:,.1f} MB (limit {LIMITS.max_xls_bytes / 1e6:,.0f} MB for the "
            "old binary format)",
            hint="save it as .xlsx, or re-download it from the publisher",
        )
    unreadable = (
        xlrd.XLRDError,
        CompDocError,
        AssertionError,
        IndexError,
        KeyError,
        ValueError,
        EOFError,
        struct.error,
    )
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except unreadable as exc:
        raise SourceFormatError(filename, f"not a readable .xls workbook (truncated or corrupt: {exc})") from exc
    try:
        check_sheet_count(book.nsheets, filename)
        seen = 0
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except unreadable as exc:
                raise SourceFormatError(filename, f"sheet {index + 1} is truncated or corrupt ({exc})") from exc
            budget = CellBudget(filename, sheet.name, previous=seen)
            cells: dict[int, list[tuple[int, str]]] = {}
            for r in range(sheet.nrows):
                for c in range(sheet.row_len(r)):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    if cell.ctype == xlrd.XL_CELL_ERROR:
                        text = "#" + xlrd.error_text_from_code.get(cell.value, "ERROR")
                    else:
                        text = cell_text(cell.value)
                    if text is None:
                        continue
                    budget.add(r, c)
                    cells.setdefault(r, []).append((c, text))
            seen = budget.cells
            yield Sheet(sheet.name, _dense(cells, budget.last_row))
            book.unload_sheet(index)
    finally:
        book.release_resources()
