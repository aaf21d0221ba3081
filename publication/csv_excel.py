"""The CSV variant a Russian- or Kazakh-locale Excel opens by double-click: ``csv_excel/<table>.csv``.

The standard files in ``csv/`` follow RFC 4180 (comma, decimal point) for programs. Excel set to a
Russian or Kazakh locale expects a semicolon between fields and a decimal comma: opened by
double-click, a standard file puts every row into column A, and ``13.09`` may become a date. This
variant is the same table written in that convention:

* UTF-8 with a byte-order mark, CRLF line ends, ``;`` between fields, RFC 4180 quoting;
* numbers with a decimal comma and no thousands separator (``1234567,5``; ``-1500,25``);
* codes kept as text: a text value Excel would turn into a number or a date (KATO ``190000000``,
  BIN ``000140001234``, programme ``002``, ``13.09``) is written as the text formula ``="002"``,
  which Excel shows as ``002`` and never converts; only digits and the separators ``. , / : -``
  and spaces are ever written so, so nothing from the data can become a formula;
* dates as ``2023-12-31`` (ISO 8601, year first: never read as day/month or month/day), times as
  ``2023-12-31 10:00:00`` UTC; booleans ``true``/``false``; an empty field is no value;
* any other text that begins like a formula gets a leading apostrophe, as in the standard CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import re
from pathlib import Path

from publication.exports import neutralise, text_of
from publication.snapshot import TableData

DELIMITER = ";"
#: text Excel would convert: numbers (leading zeros lost, 12+ digits in E-notation) and date-like values
_CONVERTIBLE = re.compile(r"^[0-9][0-9 .,/:\-]*$")


def excel_text(value: str) -> str:
    """A text value as the Excel variant writes it: ``="002"`` when Excel would convert it."""
    if _CONVERTIBLE.match(value):
        return f'="{value}"'
    return neutralise(value)


def _number(value) -> str:
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
    elif isinstance(value, float):
        text = repr(value) if abs(value) >= 1e-4 or value == 0 else format(decimal.Decimal(repr(value)), "f")
    else:
        text = str(value)
    return text.replace(".", ",")


def excel_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return _number(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return excel_text(value if isinstance(value, str) else text_of(value))


def write_csv_excel(table: TableData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([excel_value(v) for v in row])
    return path
