"""Ministry of Finance: execution of local budgets, year to date, from the monthly Statistical Bulletin.

A delivery is a CSV with the columns ``date,region,item_code,item_name,value,transformation``:
one row per bulletin edition, region and budget item. ``date`` is the first day of the edition's
month (``2023-12-01`` = January-December 2023), ``region`` the bulletin's region code (``ALA``
Almaty city, ``ALM`` Almaty oblast, ``ZHT`` Zhetysu oblast, ``national`` all local budgets),
``item_code`` the item (``EXP.04`` = functional group 04 "Education", ``EXP`` = all spending),
``value`` million tenge **cumulative from January**, ``transformation`` must be ``level``.

Each further edition arrives as another file of the same shape; a file may repeat earlier months
and revise them. The parser keeps every row as delivered; staging lets the newest edition win and
lists the revisions (``stg_minfin__delivered_figures``, ``int_minfin_figures_revised``).

Row checks (a failure quarantines the row with its reason): the date is the first day of a month;
the region is a bulletin code (three capital letters or ``national``); the item is a bulletin item
code; the value is a number; the transformation is ``level``; a (date, region, item) appears once
in the file. A file without the columns is refused as a whole, naming the missing ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError

COLUMNS = ("date", "region", "item_code", "item_name", "value", "transformation")
MONTH = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])-01$")
REGION = re.compile(r"^([A-Z]{3}|national)$")
ITEM = re.compile(r"^[A-Z][A-Z_]*(\.[A-Z0-9_]+)*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


class MinfinBudgetExecution(Source):
    name = "minfin"
    family = "minfin"
    publisher = "Ministry of Finance of the Republic of Kazakhstan, Statistical Bulletin (execution of local budgets)"
    file_patterns = ("*.csv",)
    raw_table = RawTable(
        name="minfin_budget_execution_rows",
        columns=COLUMNS,
        description="Ministry of Finance Statistical Bulletin, execution of local budgets as delivered: one row per "
        "edition month, region and budget item, million tenge cumulative from January, text as in the file. "
        "Grain: _batch_id, _row_number.",
    )

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        data = stream.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceFormatError(filename, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        reader = csv.reader(io.StringIO(text))
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise SourceFormatError(
                filename,
                "missing column(s): " + ", ".join(missing),
                row=1,
                hint="a Ministry of Finance delivery has the columns " + ",".join(COLUMNS),
            )
        positions = {c: header.index(c) for c in COLUMNS}
        seen: dict[tuple[str, str, str], int] = {}
        newest: str | None = None
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            values = {c: (record[p].strip() if p < len(record) else "") for c, p in positions.items()}
            problems = _check(values)
            key = (values["date"], values["region"], values["item_code"])
            if not problems and key in seen:
                problems.append(f"{', '.join(key)} already at row {seen[key]} of this file")
            if problems:
                yield Rejected("; ".join(problems), values, number)
                continue
            seen[key] = number
            newest = max(filter(None, (newest, values["date"])))
            yield Row(tuple(values[c] or None for c in COLUMNS), number)
        if not seen:
            raise SourceFormatError(filename, "no readable row", hint="is this a Ministry of Finance delivery?")
        report.period = newest
        report.notes.append(f"newest edition in the file: {newest[:7]}")


def _check(values: dict[str, str]) -> list[str]:
    problems = []
    if not MONTH.match(values["date"]):
        problems.append(f"date {values['date']!r} is not the first day of a month (YYYY-MM-01)")
    if not REGION.match(values["region"]):
        problems.append(f"region {values['region']!r} is not a bulletin region code (e.g. ALA, ALM, national)")
    if not ITEM.match(values["item_code"]):
        problems.append(f"item code {values['item_code']!r} is not a bulletin item (e.g. EXP.04)")
    if not NUMBER.match(values["value"]):
        problems.append(f"value {values['value']!r} is not a number")
    if values["transformation"] != "level":
        problems.append(
            f"transformation {values['transformation']!r} is not 'level' (million tenge, cumulative from January)"
        )
    return problems


SOURCE = MinfinBudgetExecution()
