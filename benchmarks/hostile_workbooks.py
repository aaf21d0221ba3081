"""Hostile workbooks: refused with a clear message within 10 s and 300 MB RSS (``make bench``, section ``hostile``).

    python -m benchmarks.hostile_workbooks [--out DIR]

Each workbook is built here, byte by byte (no spreadsheet library writes it, so it can lie the way a
broken or malicious file does), then read by the generic BNS reader (``ingest.bns.reader``) in a fresh
process under an address-space limit (``RLIMIT_AS``), timed from the parent, with the child's peak RSS:

* ``declared_range``: one cell, but a declared used range of the whole sheet (A1:XFD1048576). The
  declared range is not trusted, so the one real cell is read (and the file refused only because it
  is no territorial table);
* ``real_range``: a value in the last cell of the sheet (XFD1048576), the 5 KB file that once took
  3.8 GB;
* ``zip_bomb``: a 60 MB sheet part of empty styled cells compressed ~1000:1;
* ``many_sheets``: 3,000 sheets;
* ``shared_strings``: a 5 MB shared-strings part;
* ``many_cells``: 49,500 numbers, just under the cell limit: read (no territory) within the same bounds;
* ``styled_empty``: a 3.6 MB sheet part (under the part limit) of 180,000 empty styled cells.

The test ``tests/ingest/test_bns_hostile.py`` runs the same cases (smaller where it can) under the same
limits; this module records the figures for ``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import io
import json
import os
import random
import string
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_SECONDS = 10.0
MAX_RSS_MB = 300.0
ADDRESS_SPACE_MB = 1536  # the child dies (MemoryError) long before it could hurt the machine

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>'
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(sheets: list[str], shared_strings: str | None = None) -> bytes:
    """An .xlsx of the given sheet XML bodies (``<sheetData>…</sheetData>`` and what goes around it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(len(sheets))
        )
        if shared_strings is not None:
            overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(overrides=overrides))
        z.writestr("_rels/.rels", RELS)
        entries = "".join(f'<sheet name="S{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets)))
        z.writestr("xl/workbook.xml", f"<workbook {NS} {RNS}><sheets>{entries}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(sheets))
        )
        if shared_strings is not None:
            rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, body in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", f"<worksheet {NS}>{body}</worksheet>")
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def declared_range() -> bytes:
    return xlsx([f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{cell("A1", "x")}</row></sheetData>'])


def real_range() -> bytes:
    return xlsx(
        [
            '<dimension ref="A1:XFD1048576"/><sheetData>'
            f'<row r="1">{cell("A1", "x")}</row><row r="1048576">{cell("XFD1048576", "1")}</row></sheetData>'
        ]
    )


def zip_bomb(megabytes: int = 60) -> bytes:
    row = "".join(f'<c r="{c}1" s="1"/>' for c in ("A", "B", "C", "D", "E", "F", "G", "H")) + " " * 900
    rows = (f'<row r="1">{row}</row>' for _ in range(megabytes * 1000))
    return xlsx([f"<sheetData>{''.join(rows)}</sheetData>"])


def many_sheets(count: int = 3000) -> bytes:
    return xlsx([f'<sheetData><row r="1">{cell("A1", "x")}</row></sheetData>'] * count)


def shared_strings(megabytes: int = 5) -> bytes:
    rng = random.Random(12)
    alphabet = string.ascii_letters + string.digits
    items = ["<si><t>" + "".join(rng.choices(alphabet, k=990)) + "</t></si>" for _ in range(megabytes * 1000)]
    sst = f'<sst {NS} count="{len(items)}" uniqueCount="{len(items)}">{"".join(items)}</sst>'
    return xlsx(['<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'], shared_strings=sst)


def many_cells(rows: int = 2_250, columns: int = 22) -> bytes:
    """Just under the cell limits: every row a label and numbers (a real used range, honestly filled)."""
    letters = [chr(65 + i) for i in range(columns)]
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r * 7 + i}</v></c>' for i, c in enumerate(letters)) + "</row>"
        for r in range(1, rows + 1)
    )
    return xlsx([f"<sheetData>{body}</sheetData>"])


def styled_empty(cells: int = 180_000) -> bytes:
    per_row = 50
    rows = (
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + i % 26)}{r}" s="1"/>' for i in range(per_row)) + "</row>"
        for r in range(1, cells // per_row + 1)
    )
    return xlsx([f"<sheetData>{''.join(rows)}</sheetData>"])


CASES = {
    "declared_range": declared_range,
    "real_range": real_range,
    "zip_bomb": zip_bomb,
    "many_sheets": many_sheets,
    "shared_strings": shared_strings,
    "many_cells": many_cells,
    "styled_empty": styled_empty,
}

CHILD = """
import json, resource, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from ingest.base import ParseReport, SourceFormatError
from ingest.bns.reader import SOURCE
try:
    with open(sys.argv[1], "rb") as fh:
        rows = sum(1 for _ in SOURCE.parse(fh, "hostile.xlsx", ParseReport()))
    outcome, message = "loaded", f"{rows} rows"
except SourceFormatError as exc:
    outcome, message = "refused", str(exc)
except MemoryError:
    outcome, message = "memory_error", "MemoryError"
# VmHWM is this process's own peak (ru_maxrss would include the parent's peak from before exec)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
rss_mb = int(hwm.split()[1]) / 1024
print(json.dumps({"outcome": outcome, "message": message, "rss_mb": rss_mb}))
"""


def measure(path: Path, address_space_mb: int = ADDRESS_SPACE_MB) -> dict:
    """Read ``path`` with the generic BNS reader in a fresh, memory-limited process."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(address_space_mb)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        return {"outcome": "crashed", "message": proc.stderr.strip()[-500:], "rss_mb": None, "seconds": seconds}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "seconds": seconds}


def run(workdir: Path) -> dict:
    """Build every case, measure it; the section dict for benchmarks.run (checks against the limits)."""
    workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, build in CASES.items():
        path = workdir / f"{name}.xlsx"
        path.write_bytes(build())
        results[name] = {"file_kb": round(path.stat().st_size / 1024, 1), **measure(path)}
    checks = []
    for name, r in results.items():
        refused = r["outcome"] == "refused"
        for label, value, target, unit in (
            (f"{name}: seconds to refuse", r["seconds"], MAX_SECONDS, "s"),
            (f"{name}: peak RSS", r["rss_mb"], MAX_RSS_MB, "MB"),
        ):
            ok = refused and value is not None and value <= target
            status = "PASS" if ok else "MISS"
            checks.append(
                {"label": label, "value": round(value, 2) if value else value, "op": "<=", "target": target,
                 "unit": unit, "status": status}
            )  # fmt: skip
    return {"cases": results, "checks": checks}


def markdown(section: dict) -> list[str]:
    lines = [
        "Workbooks built byte by byte by `benchmarks/hostile_workbooks.py`, each read by the generic BNS reader "
        f"in a fresh process limited to {ADDRESS_SPACE_MB} MB of address space; seconds from the parent (process "
        "start and imports included), peak RSS the child's own (`VmHWM`).",
        "",
        "| workbook | file | outcome | seconds | peak RSS | message |",
        "|---|---:|---|---:|---:|---|",
    ]
    for name, r in section["cases"].items():
        message = (r["message"] or "").replace("|", "\\|")[:140]
        rss = f"{r['rss_mb']:.0f} MB" if r["rss_mb"] else "-"
        lines.append(f"| {name} | {r['file_kb']} KB | {r['outcome']} | {r['seconds']:.1f} | {rss} | {message} |")
    return lines


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        section = run(args.out or Path(tmp))
    print("\n".join(markdown(section)))
    sys.exit(0 if all(c["status"] == "PASS" for c in section["checks"]) else 1)
