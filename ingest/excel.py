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
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFormatError(filename, f"not a readable .xlsx workbook (truncated or corrupt: {exc})") from exc
    try:
        for ws in wb.worksheets:
            rows = []
            try:
                for row in ws.iter_rows(values_only=True):
                    rows.append([cell_text(v) for v in row])
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise SourceFormatError(filename, f"sheet {ws.title!r} is truncated or corrupt ({exc})") from exc
            while rows and not any(rows[-1]):
                rows.pop()
            yield Sheet(ws.title, rows)
    finally:
        wb.close()


def _read_xls(data: bytes, filename: str) -> Iterator[Sheet]:
    import struct

    import xlrd
    from xlrd.compdoc import CompDocError

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
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except unreadable as exc:
        raise SourceFormatError(filename, f"not a readable .xls workbook (truncated or corrupt: {exc})") from exc
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except unreadable as exc:
                raise SourceFormatError(filename, f"sheet {index + 1} is truncated or corrupt ({exc})") from exc
            rows = []
            for r in range(sheet.nrows):
                row = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        row.append(None)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append("#" + xlrd.error_text_from_code.get(cell.value, "ERROR"))
                    else:
                        row.append(cell_text(cell.value))
                rows.append(row)
            while rows and not any(rows[-1]):
                rows.pop()
            yield Sheet(sheet.name, rows)
            book.unload_sheet(index)
    finally:
        book.release_resources()
