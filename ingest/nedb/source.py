"""The NEDB source: the raw table, and the parser run a few blocks ahead in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Source
from ingest.nedb.blocks import Seekable
from ingest.nedb.layout import RAW_COLUMNS, academic_year_of_file
from ingest.nedb.parser import BlockParser


@dataclass
class ParseFailure:
    """An exception of the parser thread, handed to the reading side to raise there."""

    exc: BaseException


# --- the source ---------------------------------------------------------------------------------


class NedbSchoolYears(Source):
    name = "nedb"
    family = "nedb"
    publisher = "Ministry of Enlightenment of the Republic of Kazakhstan (NEDB / НОБД extract)"
    file_patterns = ("*.csv",)
    raw_table = RawTable(
        name="nedb_school_years",
        columns=RAW_COLUMNS,
        description="NEDB (НОБД) school-level extracts as delivered: one row per school and academic year, "
        "text as in the CSV; meal_cost in the unit its header states (meal_cost_unit). "
        "Grain: _batch_id, bin, academic_year.",
    )

    def stream_key(self, filename: str) -> str | None:
        year = academic_year_of_file(filename)
        return f"nedb {year}" if year else None

    def raw_ddl(self) -> list[str]:
        """The standard raw table, minus the foreign key on ``_batch_id``.

        A per-row FK check doubles PostgreSQL's COPY time (measured: 1 M rows 9.5 s with it, 4.9 s
        without; ``benchmarks/nedb_loader.py``). The loader inserts the batch row before the COPY,
        in its own committed statement, and batches are never deleted, so the key cannot dangle."""
        statements = self.raw_table.ddl()
        statements[0] = statements[0].replace(" references meta.load_batches (batch_id)", "")
        return statements

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        with Seekable(stream) as seekable:
            yield from _prefetched(BlockParser(seekable, filename, report).run())


def _prefetched(items: Iterator[ParsedItem], depth: int = 4) -> Iterator[ParsedItem]:
    """Run the parser in a thread, ``depth`` items ahead, so parsing the next block overlaps the
    loader's COPY of the previous one (pyarrow, numpy and libpq release the GIL)."""
    import queue
    import threading

    done = object()
    pipe: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    items.close()
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            put(ParseFailure(exc))

    worker = threading.Thread(target=produce, name="nedb-parse", daemon=True)
    worker.start()
    try:
        while True:
            item = pipe.get()
            if item is done:
                return
            if isinstance(item, ParseFailure):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


SOURCE = NedbSchoolYears()
