"""NEDB extracts: the columns by header text, the encodings and delimiters accepted, the layout of a file."""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.base import SourceFormatError

BLOCK_SIZE = 2 << 20  # bytes of CSV per block (small blocks keep memory flat; one thread leaves a core to PostgreSQL)
SNIFF_BYTES = 1 << 16
MEAL_COST_PER_PUPIL_KZT = (1_000, 1_500_000)  # plausible yearly cost of free meals per pupil

#: raw column → header as the ministry's export writes it (the meal cost header ends in its unit)
HEADERS: dict[str, str] = {
    "bin": "БИН",
    "name_kk": "Наименование организации образования (на казахском языке)",
    "name_ru": "Наименование организации образования (на русском языке)",
    "kato_code": "Код КАТО",
    "ownership": "Форма собственности",
    "language": "Язык обучения",
    "design_capacity": "Проектная мощность (ученических мест)",
    "pupils_grades_1_4": "Контингент учащихся 1-4 классов",
    "pupils_grades_5_9": "Контингент учащихся 5-9 классов",
    "pupils_grades_10_11": "Контингент учащихся 10-11 классов",
    "shifts": "Количество смен",
    "teachers": "Количество педагогов",
    "pupils_free_meals": "Охвачено бесплатным горячим питанием (1-4 классы)",
    "meal_cost": "Стоимость бесплатного горячего питания за учебный год",
    "pupils_transported": "Количество подвозимых учащихся",
    "buses_in_service": "Количество школьных автобусов в эксплуатации",
    "buses_leased": "Приобретено автобусов по лизингу",
    "academic_year": "Учебный год",
}
MEAL_COST_UNIT = "тенге"
REQUIRED = ("bin", "name_ru", "kato_code", "pupils_grades_1_4", "pupils_grades_5_9", "pupils_grades_10_11",
            "shifts", "academic_year")  # fmt: skip
NUMERIC = ("design_capacity", "pupils_grades_1_4", "pupils_grades_5_9", "pupils_grades_10_11", "shifts", "teachers",
           "pupils_free_meals", "meal_cost", "pupils_transported", "buses_in_service", "buses_leased")  # fmt: skip
OWNERSHIP = {"государственная": "state", "частная": "private"}
LANGUAGE = {"казахский": "kk", "русский": "ru", "казахский, русский": "kk_ru", "смешанный": "kk_ru"}
RAW_COLUMNS = (*HEADERS, "meal_cost_unit")
FILE_YEAR = re.compile(r"(?<!\d)(20\d{2})[-_.](20\d{2}|\d{2})(?!\d)")
YEAR_TEXT = re.compile(r"^(\d{4})/(\d{2})$")


def normalize_header(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\ufeff", "").replace("ё", "е")).strip().strip('"').lower()


def header_label(column: str, unit: str = MEAL_COST_UNIT) -> str:
    return f"{HEADERS[column]}, {unit}" if column == "meal_cost" else HEADERS[column]


def academic_year_of_file(filename: str) -> str | None:
    """``nedb_schools_2023-24.csv`` → ``2023/24`` (None when the name carries no year)."""
    match = FILE_YEAR.search(Path(filename).name)
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    if int(end[-2:]) != (start + 1) % 100:
        return None
    return f"{start}/{end[-2:]}"


# --- file-level detection -------------------------------------------------------------------


@dataclass
class Layout:
    encoding: str  # "utf-8" or "cp1251"
    delimiter: str
    names: list[str]  # header cells as delivered
    columns: dict[str, int]  # raw column → position in the file
    meal_cost_unit: str
    multiplier: float
    ignored: list[str]


def _decode_head(head: bytes, filename: str) -> tuple[str, str]:
    if not head.strip():
        raise SourceFormatError(filename, "the file is empty", hint="was the export interrupted?")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SourceFormatError(filename, "this is an Excel workbook, not a CSV file", hint="save it as CSV (UTF-8)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:200]:
        raise SourceFormatError(
            filename, "undecodable encoding (UTF-16 or binary data)", row=1, hint="save the file as CSV UTF-8"
        )
    try:
        return "utf-8", codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        high = sum(1 for b in head if b >= 0x80)
        in_sequences = sum(len(m) for m in re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", head))
        if high and in_sequences >= 0.8 * high:  # UTF-8 text with some broken bytes, not Windows-1251
            line = head[: exc.start].count(b"\n") + 1
            raise SourceFormatError(
                filename,
                f"undecodable bytes: invalid UTF-8 at byte {exc.start} (the file mixes encodings?)",
                row=line,
                hint="save the whole file as CSV UTF-8",
            ) from exc
    text = head.decode("cp1251", errors="replace")
    cyrillic = sum(1 for ch in text[:2000] if "\u0400" <= ch <= "\u04ff")
    if "\ufffd" in text or cyrillic < 10:
        raise SourceFormatError(
            filename, "undecodable encoding: neither UTF-8 nor Windows-1251 text", row=1, hint="save it as CSV UTF-8"
        )
    return "cp1251", text


def detect_layout(head: bytes, filename: str) -> Layout:
    encoding, text = _decode_head(head, filename)
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    names = next(csv.reader([first_line], delimiter=delimiter))
    by_text: dict[str, int] = {}
    for i, name in enumerate(names):
        key = normalize_header(name)
        if key in by_text:
            raise SourceFormatError(filename, f"column {name!r} appears twice in the header", row=1)
        by_text[key] = i
    columns: dict[str, int] = {}
    unit_label = None
    for column, label in HEADERS.items():
        wanted = normalize_header(label)
        if column == "meal_cost":
            hits = [(k, i) for k, i in by_text.items() if k == wanted or k.startswith(wanted + ",")]
            if hits:
                key, columns[column] = hits[0]
                unit_label = names[hits[0][1]].split(",", 1)[1].strip() if "," in key else None
        elif wanted in by_text:
            columns[column] = by_text[wanted]
    missing = [c for c in HEADERS if c not in columns]
    if missing:
        import difflib

        unused = [n for i, n in enumerate(names) if i not in columns.values()]
        parts = []
        for column in missing:
            close = difflib.get_close_matches(HEADERS[column], unused, n=1, cutoff=0.6)
            parts.append(f"{header_label(column)!r}" + (f" (renamed to {close[0]!r}?)" if close else ""))
        if len(names) < 3:
            reason = f"no NEDB header row (found {len(names)} column(s): {first_line[:80]!r})"
        else:
            reason = f"missing column(s): {'; '.join(parts)}"
        raise SourceFormatError(filename, reason, row=1, hint="the NEDB extract's columns are listed in ingest/nedb.py")
    from ingest.reference import find_unit

    if not unit_label:
        raise SourceFormatError(
            filename,
            f"the column {names[columns['meal_cost']]!r} does not state its unit (e.g. '…, тенге')",
            row=1,
        )
    unit = find_unit(unit_label)
    if unit is None or unit.dimension != "money":
        raise SourceFormatError(
            filename,
            f"unknown money unit {unit_label!r} in column {names[columns['meal_cost']]!r}",
            row=1,
            hint="units are listed in dbt_project/seeds/units.csv",
        )
    ignored = [n for i, n in enumerate(names) if i not in columns.values()]
    return Layout(encoding, delimiter, names, columns, unit_label, unit.multiplier, ignored)
