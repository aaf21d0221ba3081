"""Reading an NEDB CSV in blocks: whole lines of about ``BLOCK_SIZE`` bytes, each parsed by pyarrow on
its own (memory stays one block), with the line number of every row and the file's own words when a
block cannot be read (a row with too many fields, an unbalanced quote, mixed encodings)."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import SourceFormatError
from ingest.nedb.dedup import record_lines
from ingest.nedb.layout import BLOCK_SIZE, Layout


class Seekable:
    """The stream itself when it can seek (a second pass may be needed), else a spooled copy."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.copy = stream, None

    def __enter__(self) -> BinaryIO:
        if getattr(self.stream, "seekable", lambda: False)():
            return self.stream
        self.copy = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        shutil.copyfileobj(self.stream, self.copy)
        self.copy.seek(0)
        return self.copy

    def __exit__(self, *exc) -> None:
        if self.copy is not None:
            self.copy.close()


class CsvBlocks:
    """The rows of an NEDB CSV as pyarrow record batches, block by block (:meth:`_batches`).

    ``layout`` (encoding, delimiter, columns) is set by the parser once it has read the header."""

    block_size = BLOCK_SIZE  # bytes of CSV per block (tests shrink it to get many blocks)
    layout: Layout

    def __init__(self, stream: BinaryIO, filename: str):
        self.stream, self.filename = stream, filename
        self.start = stream.tell()
        self.bad_row = None
        self.first_piece_bytes = 0

    def _pieces(self) -> Iterator[tuple[bytes, int, int]]:
        """(whole lines of about BLOCK_SIZE bytes as UTF-8, line number of the first, number of line breaks)."""
        self.stream.seek(self.start)
        self.stream.readline()  # the header, line 1
        line, carry = 2, b""
        while True:
            block = self.stream.read(self.block_size)
            data = carry + block if carry else block
            if not block:
                if data.strip(b"\r\n\t "):
                    self.first_piece_bytes = self.first_piece_bytes or len(data)
                    yield self._utf8(data), line, data.count(b"\n")
                return
            cut = data.rfind(b"\n") + 1
            quoted = cut and data.find(b'"', 0, cut) >= 0
            if cut == 0 or (quoted and data.count(b'"', 0, cut) % 2):  # no whole line yet, or a quoted field goes on
                if len(data) > 64 * self.block_size:
                    raise SourceFormatError(
                        self.filename,
                        "a quoted field never ends (unbalanced quote)",
                        row=line,
                        hint="re-export the file",
                    )
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            breaks = piece.count(b"\n")
            self.first_piece_bytes = self.first_piece_bytes or len(piece)
            yield self._utf8(piece), line, breaks
            line += breaks

    def _utf8(self, piece: bytes) -> bytes:
        if self.layout.encoding == "utf-8":
            return piece
        return piece.decode(self.layout.encoding, errors="replace").encode("utf-8")

    def _batches(self, columns: list[str]):
        """(record batch of ``columns`` as text, line number of each row) per piece of the file."""
        import numpy as np
        import pyarrow as pa
        from pyarrow import csv as pacsv

        layout = self.layout
        names = [f"c{i}" for i in range(len(layout.names))]
        convert = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            include_columns=[f"c{layout.columns[c]}" for c in columns],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )
        for piece, first_line, breaks in self._pieces():
            self.bad_row = None
            try:
                table = pacsv.read_csv(
                    io.BytesIO(piece),
                    read_options=pacsv.ReadOptions(
                        column_names=names, use_threads=False, block_size=max(len(piece) + 1, 1 << 16)
                    ),
                    parse_options=pacsv.ParseOptions(
                        delimiter=layout.delimiter,
                        newlines_in_values=b'"' in piece,
                        invalid_row_handler=self._invalid_row,
                    ),
                    convert_options=convert,
                )
            except pa.ArrowInvalid as exc:
                raise self._fail(exc, piece, first_line) from exc
            n = table.num_rows
            if not n:
                continue
            if breaks + (not piece.endswith(b"\n")) == n:
                lines = np.arange(first_line, first_line + n, dtype=np.int64)
            else:  # empty lines, or line breaks inside quoted fields
                lines = np.asarray(record_lines(piece, first_line), dtype=np.int64)
                if len(lines) != n:
                    lines = np.arange(first_line, first_line + n, dtype=np.int64)
            batches = table.to_batches()
            batch = batches[0] if len(batches) == 1 else table.combine_chunks().to_batches()[0]
            yield batch, lines

    def _invalid_row(self, row) -> str:
        self.bad_row = row
        return "error"

    def _fail(self, exc: Exception, piece: bytes, first_line: int) -> SourceFormatError:
        bad = self.bad_row
        if bad is not None:
            records = record_lines(piece, first_line)
            line = records[bad.number - 1] if bad.number and bad.number <= len(records) else first_line
            reason = f"a row has {bad.actual_columns} of {bad.expected_columns} fields: {bad.text[:80]!r}"
            if not piece.endswith(b"\n") and line == records[-1]:
                reason += "; the file does not end with a line break, so it looks truncated"
            return SourceFormatError(self.filename, reason, row=line, hint="re-export the file")
        if "utf8" in str(exc).lower():
            try:
                piece.decode("utf-8")
                line = first_line
            except UnicodeDecodeError as error:
                line = first_line + piece[: error.start].count(b"\n")
            return SourceFormatError(
                self.filename,
                f"undecodable bytes: invalid UTF-8 in row {line} (the file mixes encodings?)",
                row=line,
                hint="save the whole file as CSV UTF-8",
            )
        return SourceFormatError(self.filename, f"unreadable CSV: {str(exc)[:200]}", row=first_line)
