"""Limits that keep a hostile or broken workbook from exhausting memory or time.

A delivered workbook is checked *before* a spreadsheet library parses it, and again while its cells
are read, so that a file that is small on disk but enormous once opened is refused with a clear
message (within seconds and a few hundred MB) instead of ending the loader with a MemoryError:

* ``.xlsx`` (a zip of XML parts): the number of parts, the declared uncompressed size of every part
  and of all of them, the compression ratio of large parts (a zip bomb), the number of sheets and the
  size of the shared-strings part;
* ``.xls`` (BIFF): the number of sheets, and per sheet the rows and columns really used;
* both: the last row and column that hold a value and the count of non-empty cells per sheet. The
  *declared* used range (``<dimension ref="A1:XFD1048576"/>``) is never trusted: a sheet is read cell
  by cell and only cells that hold something count.

The figures are far above any BNS or akimat workbook (the largest real BNS file in
``data/samples/bns`` has 25 sheets, 214 rows, 256 columns and ~15,000 values) and low enough that the
worst workbook under them is read within 10 s and 300 MB (``benchmarks/hostile_workbooks.py``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from ingest.base import SourceFormatError

WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.I)
SHARED_STRINGS_PART = "xl/sharedStrings.xml"


@dataclass(frozen=True)
class WorkbookLimits:
    max_parts: int = 2_000
    max_sheets: int = 300
    max_part_bytes: int = 4_000_000  # uncompressed, one XML part (30 × the largest real BNS sheet)
    max_total_bytes: int = 16_000_000  # uncompressed, all parts
    max_shared_strings_bytes: int = 4_000_000
    max_ratio: float = 100.0  # uncompressed / compressed, for parts over ratio_floor_bytes
    ratio_floor_bytes: int = 1_000_000
    max_rows: int = 20_000  # last row holding a value
    max_columns: int = 1_000  # last column holding a value
    max_cells: int = 50_000  # non-empty cells, all sheets together (3 × the largest real BNS workbook)
    max_area: int = 2_000_000  # last row × last column actually filled, per sheet
    max_xls_bytes: int = 10_000_000  # the old binary format is parsed whole into memory


LIMITS = WorkbookLimits()

HINT = "a BNS or ministry workbook is far smaller; re-download it from the publisher, or open it and save a clean copy"


def check_xlsx_archive(archive: zipfile.ZipFile, filename: str, limits: WorkbookLimits = LIMITS) -> None:
    """Refuse an ``.xlsx`` whose zip directory already shows it is hostile (no part is decompressed)."""
    infos = archive.infolist()
    if len(infos) > limits.max_parts:
        raise SourceFormatError(
            filename, f"the workbook has {len(infos):,} parts (limit {limits.max_parts:,})", hint=HINT
        )
    sheets = [i for i in infos if WORKSHEET_PART.match(i.filename)]
    if len(sheets) > limits.max_sheets:
        raise SourceFormatError(
            filename, f"the workbook has {len(sheets):,} sheets (limit {limits.max_sheets:,})", hint=HINT
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            raise SourceFormatError(
                filename,
                f"part {info.filename} unpacks to {info.file_size / 1e6:,.0f} MB "
                f"(limit {limits.max_part_bytes / 1e6:,.0f} MB per part)",
                hint=HINT,
            )
        if info.filename == SHARED_STRINGS_PART and info.file_size > limits.max_shared_strings_bytes:
            raise SourceFormatError(
                filename,
                f"the shared strings unpack to {info.file_size / 1e6:,.0f} MB "
                f"(limit {limits.max_shared_strings_bytes / 1e6:,.0f} MB)",
                hint=HINT,
            )
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise SourceFormatError(
                    filename,
                    f"part {info.filename} is compressed {ratio:,.0f} to 1 (a zip bomb; limit {limits.max_ratio:.0f})",
                    hint=HINT,
                )
    if total > limits.max_total_bytes:
        raise SourceFormatError(
            filename,
            f"the workbook unpacks to {total / 1e6:,.0f} MB (limit {limits.max_total_bytes / 1e6:,.0f} MB)",
            hint=HINT,
        )


class CellBudget:
    """Counts the cells of one sheet as they are read (and, through ``previous``, of the sheets before
    it); refuses the sheet past the limits."""

    def __init__(self, filename: str, sheet: str, limits: WorkbookLimits = LIMITS, previous: int = 0):
        self.filename, self.sheet, self.limits = filename, sheet, limits
        self.cells = previous
        self.last_row = 0
        self.last_col = 0

    def add(self, row: int, col: int) -> None:
        """A non-empty cell at 0-based ``row``, ``col``."""
        limits = self.limits
        self.cells += 1
        if row + 1 > self.last_row:
            self.last_row = row + 1
        if col + 1 > self.last_col:
            self.last_col = col + 1
        if self.last_row > limits.max_rows:
            self._refuse(f"a value in row {row + 1:,} (limit {limits.max_rows:,} rows)")
        if self.last_col > limits.max_columns:
            self._refuse(f"a value in column {col + 1:,} (limit {limits.max_columns:,} columns)")
        if self.cells > limits.max_cells:
            self._refuse(f"more than {limits.max_cells:,} non-empty cells (this sheet and those before it)")
        if self.last_row * self.last_col > limits.max_area:
            self._refuse(
                f"values spread over {self.last_row:,} rows × {self.last_col:,} columns "
                f"(limit {limits.max_area:,} cells of used range)"
            )

    def _refuse(self, what: str) -> None:
        raise SourceFormatError(self.filename, f"the sheet holds {what}", sheet=self.sheet, hint=HINT)


def check_sheet_count(count: int, filename: str, limits: WorkbookLimits = LIMITS) -> None:
    if count > limits.max_sheets:
        raise SourceFormatError(filename, f"the workbook has {count:,} sheets (limit {limits.max_sheets:,})", hint=HINT)
