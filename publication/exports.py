"""Table files of a release: CSV (UTF-8 with BOM), one XLSX workbook, Parquet.

* **CSV**: comma-separated, RFC 4180 quoting, UTF-8 with a byte-order mark so Excel reads Kazakh
  and Russian text correctly; header = column names; empty field = no value; dates ISO 8601;
  booleans ``true``/``false``.
* **XLSX**: one sheet per table with three label rows (Kazakh, Russian, English, each with its
  unit) above the header row of column names, frozen, with an autofilter, number formats
  (``#,##0`` for counts and tenge, ``0.0%`` for ratios) and widths that fit; plus ``README`` and
  ``dictionary`` sheets (written by :mod:`publication.release_files`). Rows with synthetic data are
  shaded.
* **Parquet** (pyarrow): typed columns; each field's metadata holds its description, labels and
  unit, the schema metadata the table's description, grain and release.

Spreadsheet formula injection: a text value beginning with ``=``, ``+``, ``-``, ``@``, tab or
carriage return would be run as a formula by a spreadsheet. In CSV such a value gets a leading
apostrophe; in XLSX it is stored as a literal string with Excel's quote-prefix flag (shown as
typed, never evaluated, not even after editing). Numbers are never touched: a negative number is
a number cell in XLSX and an unquoted ``-5`` in CSV. Text that is itself a plain number (``-5``) is
left as is too: no spreadsheet runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from publication.contract import LANGUAGES, ColumnSpec, TableSpec
from publication.snapshot import TableData

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_CHARS = 32_767
LABEL_ROWS = 3  # kk, ru, en
HEADER_ROW = LABEL_ROWS + 1
FIRST_DATA_ROW = HEADER_ROW + 1


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(text)


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it but never evaluates it (CSV)."""
    return "'" + text if is_formula_like(text) else text


def text_of(value) -> str:
    """Text for a value of a type spreadsheets have no cell for (JSON, arrays, ...)."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return neutralise(value)
    return neutralise(text_of(value))


def write_csv(table: TableData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([csv_value(v) for v in row])
    return path


# --- Parquet ---------------------------------------------------------------------------------------


def _arrow_type(col: ColumnSpec, values: Sequence):
    import pyarrow as pa

    kind, t = col.kind, col.data_type.lower()
    if kind == "integer":
        return pa.int16() if t == "smallint" else pa.int32() if t == "integer" else pa.int64()
    if kind == "decimal":
        if t.startswith(("numeric(", "decimal(")):
            precision, _, scale = t.split("(", 1)[1].rstrip(")").partition(",")
            return pa.decimal128(int(precision), int(scale or 0))
        if t.startswith(("numeric", "decimal")):
            scales = [-v.as_tuple().exponent for v in values if isinstance(v, decimal.Decimal) and v.is_finite()]
            digits = [len(v.as_tuple().digits) for v in values if isinstance(v, decimal.Decimal) and v.is_finite()]
            scale = max([0, *scales])
            precision = max([1, *(d + scale for d in digits)])
            return pa.decimal128(min(38, max(precision, scale + 1)), scale) if precision <= 38 else pa.float64()
        return pa.float32() if t in ("real", "float4") else pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "date":
        return pa.date32()
    if kind == "timestamp":
        return pa.timestamp("us", tz="UTC") if "with time zone" in t else pa.timestamp("us")
    return pa.string()


def parquet_schema(table: TableData, release: dict):
    import pyarrow as pa

    fields = []
    for i, col in enumerate(table.spec.columns):
        values = [r[i] for r in table.rows]
        meta = {
            "description": col.description,
            "label_kk": col.label_kk,
            "label_ru": col.label_ru,
            "label_en": col.label_en,
            "unit": col.unit or "",
            "sql_type": col.data_type,
        }
        fields.append(pa.field(col.name, _arrow_type(col, values), metadata={k: v for k, v in meta.items() if v}))
    spec = table.spec
    schema_meta = {
        "table": spec.name,
        "description": spec.description,
        "grain": json.dumps(list(spec.grain)),
        "label_kk": spec.label_kk,
        "label_ru": spec.label_ru,
        "label_en": spec.label_en,
        "release_id": str(release["release_id"]),
        "published_at": str(release.get("published_at") or ""),
        "content_hash": str(release.get("content_hash") or ""),
    }
    return pa.schema(fields, metadata={k: v for k, v in schema_meta.items() if v})


def to_arrow(table: TableData, release: dict):
    import pyarrow as pa

    schema = parquet_schema(table, release)
    columns = []
    for i, field in enumerate(schema):
        values = [r[i] for r in table.rows]
        if pa.types.is_floating(field.type):
            values = [None if v is None else float(v) for v in values]
        elif pa.types.is_string(field.type):
            values = [v if v is None or isinstance(v, str) else text_of(v) for v in values]
        columns.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def write_parquet(table: TableData, release: dict, path: Path) -> Path:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_arrow(table, release), path, compression="zstd")
    return path


# --- XLSX ------------------------------------------------------------------------------------------


def _illegal_chars():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def sheet_title(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    taken.add(title.lower())
    return title


def _width(texts: Iterable[str]) -> float:
    longest = max((max((len(line) for line in str(t).splitlines()), default=0) for t in texts), default=0)
    return float(min(60, max(8, longest + 2)))


class Styles:
    """The few cell styles every sheet uses (openpyxl shares them across cells)."""

    def __init__(self):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.label_font = Font(bold=True, color="1F3864")
        self.label_fills = [PatternFill("solid", fgColor=c) for c in ("DDEBF7", "E2EFDA", "FFF2CC")]
        self.header_font = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor="1F3864")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.bottom = Border(bottom=Side(style="thin", color="808080"))
        self.title_font = Font(bold=True, size=14)
        self.bold = Font(bold=True)
        self.link_font = Font(color="0563C1", underline="single")
        self.synthetic_fill = PatternFill("solid", fgColor="FCE4D6", bgColor="FCE4D6")


def _text_cell(ws, text: str):
    """A literal text cell: never a formula, even if it looks like one."""
    from openpyxl.cell import WriteOnlyCell

    text = _illegal_chars().sub("\ufffd", text)[:XLSX_MAX_CELL_CHARS]
    cell = WriteOnlyCell(ws, value=text)
    if is_formula_like(text):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _data_cell(ws, value, number_format: str | None):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(ws, value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones; UTC
    if not isinstance(value, bool | int | float | decimal.Decimal | dt.date):
        return _text_cell(ws, text_of(value))
    if (isinstance(value, decimal.Decimal) and not value.is_finite()) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return _text_cell(ws, str(value))  # Excel has no NaN or infinity
    cell = WriteOnlyCell(ws, value=value)
    if number_format and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def _label_and_header_rows(ws, labels: Sequence[Sequence[str]], header: Sequence[str], styles: Styles) -> None:
    """The kk / ru / en label rows and the column-name row over a sheet's data, styled alike on every sheet."""
    for lang_index, texts in enumerate(labels):
        row = []
        for text in texts:
            cell = _text_cell(ws, text)
            cell.font, cell.fill, cell.alignment = styles.label_font, styles.label_fills[lang_index], styles.wrap
            row.append(cell)
        ws.append(row)
    cells = []
    for name in header:
        cell = _text_cell(ws, name)
        cell.font, cell.fill, cell.border = styles.header_font, styles.header_fill, styles.bottom
        cells.append(cell)
    ws.append(cells)


def add_table_sheet(wb, table: TableData, title: str, styles: Styles) -> dict:
    """One sheet: kk / ru / en label rows, the header row, the data. Returns what was written."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.utils import get_column_letter

    spec: TableSpec = table.spec
    cols = spec.columns
    ws = wb.create_sheet(title)
    n_rows = len(table.rows)
    truncated = n_rows > XLSX_MAX_ROWS - HEADER_ROW
    rows = table.rows[: XLSX_MAX_ROWS - HEADER_ROW] if truncated else table.rows
    last_col = get_column_letter(max(1, len(cols)))
    last_row = HEADER_ROW + len(rows)

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{max(last_row, HEADER_ROW)}"
    for i, col in enumerate(cols):
        sample = [col.name, *(col.label(lang) for lang in LANGUAGES)]
        sample += [_display_len(r[i], col) for r in rows[:2000]]
        ws.column_dimensions[get_column_letter(i + 1)].width = _width(sample)
    if "is_synthetic" in table.columns and table.synthetic_rows:
        letter = get_column_letter(table.columns.index("is_synthetic") + 1)
        ws.conditional_formatting.add(
            f"A{FIRST_DATA_ROW}:{last_col}{last_row}",
            FormulaRule(formula=[f"${letter}{FIRST_DATA_ROW}=TRUE"], fill=styles.synthetic_fill),
        )

    _label_and_header_rows(
        ws, [[col.label(lang) for col in cols] for lang in LANGUAGES], [c.name for c in cols], styles
    )
    formats = [c.number_format for c in cols]
    for r in rows:
        ws.append([_data_cell(ws, v, formats[i]) for i, v in enumerate(r)])
    return {"sheet": title, "rows": len(rows), "truncated": truncated}


def _display_len(value, col: ColumnSpec) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        fmt = col.number_format or ""
        if "%" in fmt:
            return f"{float(value):.1%}"
        return f"{value:,.0f}" if "#,##0" in fmt else str(value)
    return str(value)


def add_text_sheet(wb, title: str, blocks: list[tuple[str, list]], styles: Styles, widths: Sequence[float] = ()):
    """A sheet of headed blocks: (heading, rows); a row is a list of cell values (text or numbers)."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    for heading, rows in blocks:
        if heading:
            cell = _text_cell(ws, heading)
            cell.font = styles.title_font
            ws.append([cell])
        for row in rows:
            ws.append([_data_cell(ws, v, "#,##0" if isinstance(v, int) else None) for v in row])
        ws.append([])
    return ws


def add_grid_sheet(
    wb,
    title: str,
    header: list[str],
    rows: list[list],
    styles: Styles,
    widths: Sequence[float],
    labels: Sequence[Sequence[str]] = (),
):
    """A sheet with label rows (kk, ru, en), one header row, frozen, with an autofilter (the data dictionary)."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    top = len(labels) + 1  # the header's row
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(header))}{len(rows) + top}"
    _label_and_header_rows(ws, labels, header, styles)
    for row in rows:
        out = []
        for v in row:
            cell = _data_cell(ws, v, None)
            if cell is not None and isinstance(v, str):
                cell.alignment = styles.wrap
            out.append(cell)
        ws.append(out)
    return ws


def new_workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)
