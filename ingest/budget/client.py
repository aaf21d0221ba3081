"""Typed client of the open-budget portal (budget.egov.kz) and the month-by-month fetch of execution reports.

The portal has no documented API. Its report pages load jqGrid JSON from a controller that public
scripts call as::

    GET /budgetexecutioncontroller/getincomedatajson?type=<report type>&region=<Russian region name>
        &date=<MM.YYYY>&rows=<page size>&page=<n>&sidx=id&sord=asc&_search=false

with ``type`` = ``Местный бюджет в разрезе функциональной классификации`` (local budget by
functional classification). A month that is not published yet answers with no rows. The path
and parameters are kept in this module only, so a change on the portal is a change here.

**Fetch** (per region, month after month from the cursor): every page of the month's report is
checked with the pure parser as it arrives (truncated or invalid JSON, repeated rows → asked again
with backoff); the complete report is then checked as a whole (unit, and magnitude against the
previous month of the same region) and only then written to ``landing/budget/``. The cursor
(``meta.api_cursors``, dataset = region KATO code, value ``YYYY-MM``) moves after each landed
month, so a failed run resumes at the first month that did not land.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ingest.base import SourceFormatError
from ingest.budget.parser import ReportPage, check_unit, magnitude_problem, page_file_name, plan_total, read_report_page
from ingest.http import Fetched, HttpClient, RetryableResponse, RetryPolicy

log = logging.getLogger("edu_wh.ingest.budget")

PUBLISHER = "budget.egov.kz"
REPORT_PATH = "/budgetexecutioncontroller/getincomedatajson"
REPORT_TYPE = "Местный бюджет в разрезе функциональной классификации"
DEFAULT_ROWS_PER_PAGE = 1000

#: region KATO code → the name the portal expects (Russian)
REGIONS: dict[str, str] = {"190000000": "Алматинская область", "750000000": "г.Алматы"}


@dataclass
class Report:
    kato: str
    year: int
    month: int
    pages: list[Fetched]

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def records(self) -> int:
        return self.pages[0].value.records if self.pages else 0

    def file_names(self) -> list[str]:
        return [page_file_name(self.kato, self.year, self.month, p.value.page) for p in self.pages]


class BudgetClient:
    """budget.egov.kz execution reports: a timeout on every request, retries with backoff (see ingest.http)."""

    def __init__(self, base_url: str, *, timeout: float, retry: RetryPolicy | None = None):
        self.http = HttpClient(base_url, PUBLISHER, timeout, retry or RetryPolicy())

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> BudgetClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def report_page(
        self,
        region_name: str,
        year: int,
        month: int,
        page: int,
        *,
        rows_per_page: int,
        validate: Callable[[bytes], object],
    ) -> Fetched:
        params = {
            "type": REPORT_TYPE,
            "region": region_name,
            "date": f"{month:02d}.{year:04d}",
            "rows": str(rows_per_page),
            "page": str(page),
            "sidx": "id",
            "sord": "asc",
            "_search": "false",
        }
        return self.http.get(
            REPORT_PATH, params, validate=validate, what=f"{region_name} {month:02d}.{year} page {page}"
        )

    def report(self, kato: str, region_name: str, year: int, month: int, *, rows_per_page: int) -> Report:
        """Every page of one month's report, each checked; rows repeated across pages are asked again."""
        pages: list[Fetched] = []
        seen: dict[str, int] = {}
        page_number, total_pages, records = 1, 1, None
        while page_number <= total_pages:
            name = page_file_name(kato, year, month, page_number)

            def validate(content: bytes, name=name, page_number=page_number, records=records) -> ReportPage:
                try:
                    page = read_report_page(content, name)
                except SourceFormatError as exc:
                    raise RetryableResponse(exc.reason) from exc
                repeated = [rid for rid in page.row_ids if rid in seen]
                if repeated:
                    raise RetryableResponse(
                        f"page {page_number} repeats {len(repeated)} row(s) of page {seen[repeated[0]]} "
                        f"(e.g. id {repeated[0]}): the publisher's paging is unstable"
                    )
                if page.records and page.page != page_number:
                    raise RetryableResponse(f"asked for page {page_number}, got page {page.page}")
                if records is not None and page.records != records:
                    raise RetryableResponse(
                        f"the report had {records} rows, now {page.records}: it changed while paging"
                    )
                return page

            fetched = self.report_page(
                region_name, year, month, page_number, rows_per_page=rows_per_page, validate=validate
            )
            page: ReportPage = fetched.value
            if not page.records:
                return Report(kato, year, month, [])
            records = page.records
            total_pages = max(page.total_pages, math.ceil(page.records / rows_per_page))
            seen.update(dict.fromkeys(page.row_ids, page_number))
            pages.append(fetched)
            page_number += 1
        return Report(kato, year, month, pages)


def months(after: tuple[int, int] | None, first: tuple[int, int], until: tuple[int, int]):
    """Months after ``after`` (or from ``first``) up to ``until``, inclusive."""
    year, month = first
    if after is not None:
        year, month = after[0] + (after[1] == 12), after[1] % 12 + 1
    while (year, month) <= until:
        yield year, month
        year, month = year + (month == 12), month % 12 + 1


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def parse_period(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    year, month = value.split("-")
    return int(year), int(month)


def this_month() -> tuple[int, int]:
    now = datetime.now(UTC)
    return now.year, now.month


def report_plan_total(pages: list[tuple[ReportPage, str]]) -> Decimal:
    return sum((plan_total(page, name) for page, name in pages), Decimal(0))


def check_report(report: Report, previous_total: Decimal | None) -> None:
    """Refuse a whole report: a unit other than thousand tenge, or amounts 100×+ off the previous month."""
    named = list(zip((p.value for p in report.pages), report.file_names()))
    for page, name in named:
        check_unit(page, name)
    py, pm = previous_month(report.year, report.month)
    problem = magnitude_problem(report_plan_total(named), previous_total, f"{pm:02d}.{py}")
    if problem:
        raise SourceFormatError(
            report.file_names()[0], problem, hint="ask the publisher for the report in thousand tenge"
        )


def landed_plan_total(landing_dir: Path, kato: str, year: int, month: int) -> Decimal | None:
    """The plan total of a month already in landing, or None if it is not there."""
    prefix = page_file_name(kato, year, month, 0).rsplit("__page-", 1)[0] + "__page-"
    files = sorted(landing_dir.glob(prefix + "*.json"))
    if not files:
        return None
    pages = [(read_report_page(f.read_bytes(), f.name), f.name) for f in files]
    return report_plan_total(pages)


def loaded_plan_total(kato: str, year: int, month: int) -> Decimal | None:
    """The plan total of a month already loaded into raw (newest batch of each page), or None."""
    from edu_wh.warehouse import connect

    prefix = page_file_name(kato, year, month, 0).rsplit("__page-", 1)[0] + "__page-"
    with connect("loader", autocommit=True, application_name="edu-wh fetch budget") as conn:
        row = conn.execute(
            "with latest as (select source_file, max(batch_id) as batch_id from meta.load_batches "
            "where source = 'budget' and status = 'loaded' and left(source_file, length(%s)) = %s "
            "group by source_file) "
            "select count(*), sum(replace(regexp_replace(r.plan_amount, '[\\s\\u00a0]', '', 'g'), ',', '.')::numeric) "
            "from raw.budget_execution_rows r join latest on r._batch_id = latest.batch_id",
            (prefix, prefix),
        ).fetchone()
    return Decimal(row[1]) if row and row[0] else None
