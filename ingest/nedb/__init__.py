"""NEDB (НОБД): the school-level extract of the national education database, as analysts get it.

The ministry's database is closed; extracts reach analysts as one CSV per academic year, one row
per school: BIN, names in Kazakh and Russian, KATO code, ownership, language of instruction,
design capacity, pupils by grade band (1-4, 5-9, 10-11), shifts, teachers, pupils with free hot
meals and what the meals cost (the unit is part of the header: ``…, тенге``), pupils brought from
remote settlements, buses in service and buses acquired by leasing, academic year.

Format the parser accepts (a pure function of the bytes and the file name):

* encoding UTF-8 (with or without BOM) or Windows-1251, detected; anything else is refused;
* delimiter ``;`` (Excel's export in Russian locale), ``,`` or tab, detected from the header;
* columns found **by header text** (order free, extra columns ignored with a note); a missing or
  renamed column refuses the file and names it;
* meal cost in any money unit of ``seeds/units.csv``: **thousand tenge is accepted** and kept as
  delivered, with the unit in ``meal_cost_unit`` (staging converts to tenge). A cost per
  free-meal pupil outside 1,000-1,500,000 tenge a year is a unit error: a row is quarantined, a
  block of rows whose median is off (a header saying "тыс. тенге" over amounts in tenge, or the
  reverse) refuses the file.

Rows are validated vectorised (pyarrow) block by block and leave as :class:`CsvChunk` s, so
memory stays flat however long the file; invalid rows are quarantined with their row number
(the header is row 1; rows are lines unless a quoted field holds a line break). Duplicate
(BIN, academic year) keys keep the first row: a compact Bloom filter flags possible repeats,
and a second pass over the key columns confirms them exactly and names the first row.

The package: ``layout.py`` (columns, encodings, delimiters), ``blocks.py`` (the CSV read in blocks
of whole lines), ``parser.py`` (the vectorised validation of each block), ``dedup.py`` (duplicate
keys over any file length), ``source.py`` (the raw table, the prefetching parse) and ``render.py``
(the generator's extracts).
"""

from ingest.nedb.layout import (
    HEADERS,
    LANGUAGE,
    NUMERIC,
    OWNERSHIP,
    REQUIRED,
    academic_year_of_file,
    header_label,
    normalize_header,
)
from ingest.nedb.render import file_name, header_row, render, write_bulk_file
from ingest.nedb.source import SOURCE, NedbSchoolYears

__all__ = [
    "HEADERS",
    "LANGUAGE",
    "NUMERIC",
    "OWNERSHIP",
    "REQUIRED",
    "SOURCE",
    "NedbSchoolYears",
    "academic_year_of_file",
    "file_name",
    "header_label",
    "header_row",
    "normalize_header",
    "render",
    "write_bulk_file",
]
