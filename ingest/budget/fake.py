"""A fake open-budget portal (budget.egov.kz): a real HTTP server on 127.0.0.1 serving jqGrid JSON.

Endpoint (as public scripts call the portal; see ``ingest.budget.client``)::

    GET /budgetexecutioncontroller/getincomedatajson?type=…&region=<Russian name>&date=MM.YYYY
        &rows=<page size>&page=<n>&sidx=id&sord=asc&_search=false

→ ``{"page", "total", "records", "rows": [{"id", "cell": [...]}], "userdata": {"region", "date", "unit", "type"}}``.
A region or month without a report answers with no rows (as the portal does for a month not yet
published); an unknown ``type`` → 400.

Fixtures (what ``ingest.budget.synth.render`` writes): one file per region and month,
``<dir>/_publisher_api/budget/<region KATO>/<YYYY-MM>.json`` =
``{"region", "date", "type", "unit", "rows"}``. :attr:`FakeBudget.published_until` (``"YYYY-MM"``)
hides later months, so a test can publish a new month between two fetches;
:meth:`FakeBudget.set_report` replaces or adds a report (e.g. one in tenge).
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

from ingest.budget.client import REPORT_PATH, REPORT_TYPE
from ingest.fake_http import FakePublisher, Response
from ingest.reference import normalize_name


def fixture_dir(path: Path) -> Path:
    path = Path(path)
    for candidate in (path / "_publisher_api" / "budget", path / "budget", path):
        if candidate.is_dir() and any(candidate.glob("*/*.json")):
            return candidate
    return path


class FakeBudget(FakePublisher):
    name = "fake budget.egov.kz"

    def __init__(self, fixtures: Path | None = None):
        super().__init__()
        self.published_until: str | None = None
        self._data_lock = threading.Lock()
        self._reports: dict[tuple[str, str], dict] = {}
        if fixtures is not None:
            for path in sorted(fixture_dir(fixtures).glob("*/*.json")):
                report = json.loads(path.read_text(encoding="utf-8"))
                self._reports[(normalize_name(report["region"]), report["date"])] = report

    def set_report(
        self, region: str, year: int, month: int, rows: list[dict], *, unit: str | None = "тыс. тенге"
    ) -> None:
        date = f"{month:02d}.{year:04d}"
        report = {"region": region, "date": date, "type": REPORT_TYPE, "unit": unit, "rows": rows}
        with self._data_lock:
            self._reports[(normalize_name(region), date)] = report

    def report(self, region: str, year: int, month: int) -> dict | None:
        with self._data_lock:
            return self._reports.get((normalize_name(region), f"{month:02d}.{year:04d}"))

    def periods(self) -> list[str]:
        return sorted({f"{d[3:]}-{d[:2]}" for _, d in self._reports})

    def is_data_path(self, path: str) -> bool:
        return path == REPORT_PATH

    def page_key(self, path: str, params: dict[str, str]) -> str:
        return f"{path}|{normalize_name(params.get('region', ''))}|{params.get('date')}"

    def handle(self, path: str, params: dict[str, str]) -> Response:
        if path != REPORT_PATH:
            return Response(404, b"<html><body>404 Not Found</body></html>", "text/html; charset=utf-8")
        if params.get("type") != REPORT_TYPE:
            return Response.json({"error": f"unknown report type {params.get('type')!r}"}, 400)
        try:
            rows_per_page = max(1, int(params.get("rows", "20")))
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            return Response.json({"error": "rows and page must be numbers"}, 400)
        region, date = params.get("region", ""), params.get("date", "")
        with self._data_lock:
            report = self._reports.get((normalize_name(region), date))
        if report is not None and self.published_until is not None and f"{date[3:]}-{date[:2]}" > self.published_until:
            report = None
        if report is None:
            return Response.json(
                {
                    "page": 1,
                    "total": 0,
                    "records": 0,
                    "rows": [],
                    "userdata": {"region": region, "date": date},
                    "synthetic": True,
                }
            )
        rows = sorted(report["rows"], key=lambda r: _id_key(r.get("id")), reverse=params.get("sord") == "desc")
        start = (page - 1) * rows_per_page
        userdata = {"region": report["region"], "date": report["date"], "type": report["type"]}
        if report.get("unit") is not None:
            userdata["unit"] = report["unit"]
        return Response.json(
            {
                "page": page,
                "total": math.ceil(len(rows) / rows_per_page),
                "records": len(rows),
                "rows": rows[start : start + rows_per_page],
                "userdata": userdata,
                # the fake says what it serves: generated figures (ingest/budget/parser.py reads it)
                "synthetic": True,
            }
        )


def _id_key(value):
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)
