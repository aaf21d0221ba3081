"""KATO, the classifier of administrative-territorial objects (BNS), as a CSV file.

Two layouts are accepted, told apart by their header:

* the classifier as published, ``id;parent_id;code;name`` (``;``-separated, UTF-8 with a BOM,
  e.g. ``kato_2022-10-17_full_ru.csv``, 16,264 rows for all of Kazakhstan);
* the project's derived extract, ``src_id,src_parent_id,kato_code,name_ru`` (``,``-separated,
  e.g. ``kato_2022-10-17_almaty_almaty-oblast_zhetysu_ru.csv``).

``id`` / ``parent_id`` are the file's own row numbers, not official identifiers: the parent of a
row is found through them, so every ``parent_id`` must be ``0`` (top level) or another row's
``id``. The classifier's date comes from the file name (``kato_2022-10-17_…`` or
``KATO_17.10.2022_…``); a file without one is refused, because a classifier is only meaningful
as of a date.

The encoding is detected: UTF-8 (with or without BOM) or Windows-1251 (old exports); the one
found is noted with the batch. Windows-1251 cannot hold Kazakh letters, so names that came
through it with ``?`` in place of a letter are quarantined.

Row checks (each failure quarantines the row with its reason): the code is 9 digits; the id is
unique; the parent id exists in the file; the code sits under its parent's code (AB-CD-EF-HIJ:
the child starts with the parent's non-zero segments); a code appears once (a repeated identical
row keeps its first copy; a code given to two different rows quarantines every copy, since
neither can be trusted).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError

LAYOUTS: dict[tuple[str, ...], str] = {
    ("id", "parent_id", "code", "name"): "published",
    ("src_id", "src_parent_id", "kato_code", "name_ru"): "derived",
}
KATO_CODE = re.compile(r"^\d{9}$")
ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")
DOTTED_DATE = re.compile(r"(?<!\d)(\d{2})\.(\d{2})\.((?:19|20)\d{2})(?!\d)")


def classifier_date(filename: str) -> str | None:
    """``kato_2022-10-17_full_ru.csv`` or ``KATO_17.10.2022_ru.csv`` → ``2022-10-17``."""
    if m := ISO_DATE.search(filename):
        return f"{m[1]}-{m[2]}-{m[3]}"
    if m := DOTTED_DATE.search(filename):
        return f"{m[3]}-{m[2]}-{m[1]}"
    return None


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text and the encoding it was found in: UTF-8 (BOM or not) or Windows-1251."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise SourceFormatError(
            filename,
            "the file is UTF-16 or binary, not a text CSV",
            hint="save the classifier as CSV in UTF-8",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise SourceFormatError(
                filename, f"starts with a UTF-8 byte-order mark but is not valid UTF-8 at byte {exc.start + 3}"
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_byte = exc.start
    text = data.decode("cp1251", errors="replace")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    if "\ufffd" in text or cyrillic < 0.2 * sum(1 for ch in text if ch.isalpha()):
        raise SourceFormatError(
            filename,
            f"neither UTF-8 (invalid byte at {bad_byte}) nor Cyrillic text in Windows-1251",
            hint="save the classifier as CSV in UTF-8",
        )
    return text, "cp1251"


def code_level(code: str) -> int:
    """1 region / city of republican significance, 2 district or city administration, 3 rural okrug,
    town or city district, 4 settlement: the position of the last non-zero segment of AB-CD-EF-HIJ."""
    if code[2:] == "0000000":
        return 1
    if code[4:] == "00000":
        return 2
    if code[6:] == "000":
        return 3
    return 4


def code_prefix(code: str) -> str:
    """The part of a code its children share: AB for a region, AB-CD for a district, AB-CD-EF below
    (the villages of a rural okrug are numbered under the okrug's centre, e.g. 101033100 → 101033102)."""
    return code[: {1: 2, 2: 4, 3: 6, 4: 6}[code_level(code)]]


class KatoClassifier(Source):
    name = "kato"
    family = "reference"
    publisher = "Bureau of National Statistics (stat.gov.kz), KATO classifier"
    file_patterns = ("*.csv",)
    raw_table = RawTable(
        name="kato_rows",
        columns=(
            "src_id",
            "src_parent_id",
            "kato_code",
            "parent_kato_code",
            "name_ru",
            "classifier_date",
            "file_layout",
            "encoding",
        ),
        description="KATO classifier rows as delivered (id/parent id are the file's own row numbers); "
        "parent_kato_code is the code of the row the parent id points to, classifier_date comes from the file "
        "name. Grain: _batch_id, kato_code.",
    )

    def stream_key(self, filename: str) -> str | None:
        """Successive classifier dates of the same extract (full, or one derived subset) are one stream."""
        stem = ISO_DATE.sub("", DOTTED_DATE.sub("", filename.lower()))
        return re.sub(r"_+", "_", stem)

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        data = stream.read()
        if not data.strip():
            raise SourceFormatError(filename, "the file is empty")
        date = classifier_date(filename)
        if date is None:
            raise SourceFormatError(
                filename,
                "no classifier date in the file name",
                hint="name the file like kato_2022-10-17_full_ru.csv (the date the classifier is valid from)",
            )
        text, encoding = decode(data, filename)
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = tuple(h.strip().lower() for h in next(reader, []))
        layout = LAYOUTS.get(header)
        if layout is None:
            expected = " or ".join((";" if layout == "published" else ",").join(c) for c, layout in LAYOUTS.items())
            raise SourceFormatError(
                filename,
                f"unexpected columns {list(header)}; expected {expected}",
                row=1,
                hint="a renamed or missing column: export the classifier with its original header",
            )
        report.period = date
        report.notes.append(f"KATO as of {date}, {layout} layout, encoding {encoding}, delimiter {delimiter!r}")

        records: list[tuple[int, list[str]]] = []
        for line_no, fields in enumerate(reader, start=2):
            if not fields or not any(f.strip() for f in fields):
                continue
            records.append((line_no, fields))
        yield from self._check(records, header, date, layout, encoding, report)

    def _check(self, records, header, date, layout, encoding, report) -> Iterator[ParsedItem]:
        width = len(header)
        good: list[tuple[int, list[str]]] = []
        for line_no, fields in records:
            record = dict(zip(header, fields, strict=False))
            if len(fields) != width:
                yield Rejected(f"expected {width} fields, found {len(fields)} (truncated line?)", record, line_no)
                continue
            src_id, parent_id, code, name = (f.strip() for f in fields)
            if not KATO_CODE.match(code):
                yield Rejected(f"not a 9-digit KATO code: {code!r}", record, line_no)
                continue
            if not name:
                yield Rejected(f"KATO code {code} has no name", record, line_no)
                continue
            if encoding == "cp1251" and "?" in name:
                yield Rejected(
                    f"name {name!r} has '?' where Windows-1251 lost a Kazakh letter; export in UTF-8",
                    record,
                    line_no,
                )
                continue
            good.append((line_no, [src_id, parent_id, code, name]))

        first_copy: dict[tuple[str, ...], int] = {}
        distinct: list[tuple[int, list[str]]] = []
        for line_no, fields in good:
            key = tuple(fields)
            if key in first_copy:
                yield Rejected(
                    f"duplicate row: repeats line {first_copy[key]}", dict(zip(header, fields, strict=True)), line_no
                )
                continue
            first_copy[key] = line_no
            distinct.append((line_no, fields))
        id_counts = Counter(fields[0] for _, fields in distinct)
        codes_by_id: dict[str, set[str]] = defaultdict(set)
        by_code: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
        for item in distinct:
            codes_by_id[item[1][0]].add(item[1][2])
            by_code[item[1][2]].append(item)
        orphans = 0
        for line_no, fields in distinct:
            record = dict(zip(header, fields, strict=True))
            src_id, parent_id, code, name = fields
            if id_counts[src_id] > 1:
                yield Rejected(f"duplicate row id {src_id!r}: its children's parent is ambiguous", record, line_no)
                continue
            copies = by_code[code]
            if len(copies) > 1:
                described = "; ".join(f"line {c[0]}: {c[1][3]!r}" for c in copies)
                yield Rejected(f"duplicate KATO code {code} ({described})", record, line_no)
                continue
            parent_code = None
            if parent_id not in ("0", ""):
                parent_codes = codes_by_id.get(parent_id, set())
                if len(parent_codes) != 1:
                    orphans += 1
                    problem = "is not a row of the file" if not parent_codes else "belongs to several rows"
                    yield Rejected(f"parent id {parent_id!r} of KATO code {code} {problem}", record, line_no)
                    continue
                parent_code = next(iter(parent_codes))
                if code == parent_code or not code.startswith(code_prefix(parent_code)):
                    yield Rejected(f"KATO code {code} is not under its parent's code {parent_code}", record, line_no)
                    continue
            yield Row((src_id, parent_id, code, parent_code, name, date, layout, encoding), line_no)
        if orphans:
            report.notes.append(f"{orphans} rows whose parent id does not resolve were quarantined")


SOURCE = KatoClassifier()
