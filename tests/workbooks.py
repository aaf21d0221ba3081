"""Small .xlsx files built in memory for the parser and corpus tests."""

from __future__ import annotations

import io


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with one sheet per entry (sheet name → rows of cell values), as bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
