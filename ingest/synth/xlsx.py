"""Byte-identical .xlsx output: openpyxl stamps the save time into the workbook and the zip.

:func:`workbook_bytes` saves a workbook, then rewrites the archive with a fixed timestamp on every
entry and fixed ``created``/``modified`` document properties, so the same content always gives
the same bytes (and the same SHA-256, which the loader's idempotency relies on).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

FIXED_TIME = datetime(2000, 1, 1)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def workbook_bytes(workbook, *, stamp: datetime = FIXED_TIME) -> bytes:
    workbook.properties.creator = workbook.properties.creator or "edu-wh synth"
    workbook.properties.created = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + iso + m.group(3), data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()
