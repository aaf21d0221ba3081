"""What every source module provides, and the values its parser yields.

A source is one publisher's format. Its module defines a :class:`Source` subclass with

* ``raw_table``: the table in schema ``raw`` that holds the data *as delivered* (text cells),
  plus the batch columns every raw table has (``_batch_id``, ``_source_file``, ``_sheet``,
  ``_row_number``);
* ``parse(stream, filename)``: a pure function of the file's bytes that yields :class:`Row`
  (goes to raw), :class:`Rejected` (goes to ``raw.quarantine`` with a reason) or
  :class:`CsvChunk` (many already-validated rows encoded as CSV, for large files); it raises
  :class:`SourceFormatError` when the file as a whole cannot be read, naming file, row and reason.

The loader (:mod:`ingest.loader`) does the rest: hashing, batch bookkeeping, COPY, quarantine,
idempotency and volume guards, all in one transaction per file.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from edu_wh.errors import UserError

BATCH_COLUMNS = ("_batch_id", "_source_file", "_sheet", "_row_number")


class SourceFormatError(UserError):
    """The file as a whole cannot be loaded. Nothing of it reaches raw."""

    def __init__(
        self, file: str, reason: str, *, row: int | None = None, sheet: str | None = None, hint: str | None = None
    ):
        where = file
        if sheet:
            where += f", sheet {sheet!r}"
        if row is not None:
            where += f", row {row}"
        super().__init__(f"{where}: {reason}", hint=hint)
        self.file, self.reason, self.row, self.sheet = file, reason, row, sheet


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    description: str
    json_columns: frozenset[str] = frozenset()

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"

    @property
    def copy_columns(self) -> tuple[str, ...]:
        """Columns the loader COPYs; the batch id and file name come from column defaults."""
        return ("_sheet", "_row_number") + self.columns

    def ddl(self) -> list[str]:
        cols = ",\n    ".join(f'"{c}" {"jsonb" if c in self.json_columns else "text"}' for c in self.columns)
        return [
            f"""create table if not exists raw.{self.name} (
    _batch_id bigint not null references meta.load_batches (batch_id)
        default nullif(current_setting('edu_wh.batch_id', true), '')::bigint,
    _source_file text not null default nullif(current_setting('edu_wh.source_file', true), ''),
    _sheet text,
    _row_number bigint,
    {cols}
)""",
            f"create index if not exists {self.name}_batch_idx on raw.{self.name} (_batch_id)",
            f"comment on table raw.{self.name} is $c${self.description}$c$",
        ]


@dataclass(frozen=True)
class Row:
    """One record for the raw table: text values in ``RawTable.columns`` order."""

    values: tuple[str | None, ...]
    row_number: int | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Rejected:
    """One record the parser refused; it goes to ``raw.quarantine`` with the reason."""

    reason: str
    record: dict
    row_number: int | None = None
    sheet: str | None = None

    def record_json(self) -> str:
        return json.dumps(self.record, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class CsvChunk:
    """Many validated rows already encoded as CSV (for large files), columns
    ``_sheet, _row_number, *RawTable.columns``; ``_batch_id`` and ``_source_file`` come from
    the column defaults, which read the loader's transaction settings."""

    data: bytes
    rows: int


@dataclass
class ParseReport:
    """Facts a parser learned about the file, stored with the batch (e.g. detected encoding)."""

    notes: list[str] = field(default_factory=list)
    period: str | None = None
    #: the file says it is synthetic (a fake publisher's response): the batch is flagged synthetic
    synthetic: bool = False


ParsedItem = Row | Rejected | CsvChunk


class Source(abc.ABC):
    #: unique name, used on the command line (``edu-wh ingest NAME PATH``) and in ``meta.load_batches``
    name: str
    #: which ingest DAG loads it
    family: str
    #: who publishes the data
    publisher: str
    raw_table: RawTable
    #: glob patterns of files this source accepts inside ``landing/<name>/``
    file_patterns: tuple[str, ...] = ("*",)
    #: largest accepted drop in rows against the previous batch of the same stream
    max_volume_drop: float = 0.5

    def raw_ddl(self) -> list[str]:
        return self.raw_table.ddl()

    @abc.abstractmethod
    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        """Yield rows of the file. Pure: depends only on the bytes and the filename."""

    def fetch(self, landing_dir, *, run_id: str | None = None) -> list:
        """Networked sources only: download new data from the publisher into ``landing_dir``
        (as delivered) and return the files written; the loader then loads them like any file.
        Listed in ``ingest.registry.NETWORKED_SOURCES``."""
        return []

    def stream_key(self, filename: str) -> str | None:
        """Files with the same key are successive versions of one stream (volume guard)."""
        return None

    def parse_bytes(self, data: bytes, filename: str) -> list[ParsedItem]:
        """Convenience for tests and small files."""
        import io

        return list(self.parse(io.BytesIO(data), filename, ParseReport()))


def rows_only(items: Iterable[ParsedItem]) -> list[Row]:
    return [item for item in items if isinstance(item, Row)]
