"""Pure reading of open-budget execution reports (budget.egov.kz): bytes in, rows out.

The portal has no stable API; its pages load jqGrid JSON. One response is one page of one report
(local budget by functional classification, one region, one month, cumulative since 1 January)::

    {"page": 1, "total": 1, "records": 24,
     "rows": [{"id": "1", "cell": ["Алматинская область", "04", "02", "261", "003",
                                   "Общеобразовательное обучение", "120345678.9", "60123456.7"]}, ...],
     "userdata": {"region": "Алматинская область", "date": "07.2023", "unit": "тыс. тенге", "type": "…"}}

``cell`` is: region (Russian name), functional group, subgroup, budget administrator, programme,
programme name, annual plan (refined), executed since 1 January. Amounts are in thousand tenge.

A landed file is one response as delivered, named ``budget_execution__<region KATO>__<YYYY-MM>__page-<NNN>.json``.

Whole-report problems raise :class:`SourceFormatError`: empty, truncated or invalid JSON, no
``rows`` key, a row id twice, a period that disagrees with the file name, and a unit that is not
thousand tenge (amounts 1000× too large would otherwise reach the marts). Row problems are
quarantined: wrong number of cells, an unknown region name, an amount that is not a number, a
negative amount.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ingest.base import ParseReport, Rejected, Row, SourceFormatError
from ingest.reference import find_unit, resolve_territory

CELL_COLUMNS = (
    "region_name",
    "functional_group",
    "subgroup",
    "administrator",
    "program",
    "program_name",
    "plan_amount",
    "executed_amount",
)
RAW_COLUMNS = (
    "report_region",
    "report_period",
    "unit_label",
    "row_id",
    "year",
    "month",
    *CELL_COLUMNS,
)
EXPECTED_MULTIPLIER = 1000  # thousand tenge
MAGNITUDE_RATIO = 100  # a unit error is 1000×; a genuine change of the annual plan is far below 100×

FILE_NAME = re.compile(
    r"^budget_execution__(?P<kato>\d{9})__(?P<year>\d{4})-(?P<month>\d{2})__page-(?P<page>\d{3,})\.json$"
)
PERIOD = re.compile(r"^\s*(?P<month>\d{1,2})\.(?P<year>\d{4})\s*$")
AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class FileName:
    kato: str
    year: int
    month: int
    page: int

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class ReportPage:
    file: FileName
    page: int
    total_pages: int
    records: int
    unit: str | None
    region: str | None
    date: str | None
    rows: list[dict] = field(default_factory=list)
    #: the response says it is synthetic (the fake publisher marks what it serves)
    synthetic: bool = False

    @property
    def row_ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.rows if isinstance(r, dict)]


def page_file_name(kato: str, year: int, month: int, page: int) -> str:
    return f"budget_execution__{kato}__{year:04d}-{month:02d}__page-{page:03d}.json"


def parse_file_name(filename: str) -> FileName:
    match = FILE_NAME.match(filename.rsplit("/", 1)[-1])
    if not match:
        raise SourceFormatError(
            filename,
            "the file name does not say which region and month the report is for",
            hint="expected budget_execution__<region KATO>__<YYYY-MM>__page-<NNN>.json, "
            "e.g. budget_execution__190000000__2023-12__page-001.json (as `edu-wh` fetch writes them)",
        )
    return FileName(match["kato"], int(match["year"]), int(match["month"]), int(match["page"]))


def amount(text) -> Decimal | None:
    """A delivered amount as a number (spaces and a decimal comma tolerated); None if it is not one."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\u00a0]", "", str(text)).replace(",", ".")
    if not AMOUNT.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _int(value, what: str, filename: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SourceFormatError(filename, f"`{what}` is {value!r}, not a whole number") from exc


def read_report_page(data: bytes, filename: str) -> ReportPage:
    """Check the response's structure (not yet its unit); raise SourceFormatError if it is unusable."""
    name = parse_file_name(filename)
    if not data.strip():
        raise SourceFormatError(filename, "the response is empty", hint="was the download cut off?")
    try:
        payload = json.loads(data.decode("utf-8"), parse_float=str, parse_int=str)
    except UnicodeDecodeError as exc:
        raise SourceFormatError(filename, f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        text = data.decode("utf-8", errors="replace").rstrip()
        what = "truncated JSON (the response ends early)" if exc.pos >= len(text) - 1 else "invalid JSON"
        raise SourceFormatError(
            filename,
            f"{what}: {exc.msg} at line {exc.lineno} column {exc.colno}",
            hint="re-fetch the report; an HTML error page or a cut connection looks like this",
        ) from exc
    if not isinstance(payload, dict):
        raise SourceFormatError(filename, f"expected a jqGrid JSON object, got {type(payload).__name__}")
    if "rows" not in payload:
        keys = ", ".join(sorted(map(str, payload))[:8]) or "none"
        raise SourceFormatError(
            filename,
            f"the response has no `rows` key (keys: {keys})",
            hint='a report page is {"page", "total", "records", "rows": [...]}; is this an error message?',
        )
    rows = payload["rows"]
    if not isinstance(rows, list):
        raise SourceFormatError(filename, f"`rows` is a {type(rows).__name__}, not a list")
    userdata = payload.get("userdata") or {}
    if not isinstance(userdata, dict):
        userdata = {}
    page = ReportPage(
        name,
        _int(payload.get("page", name.page), "page", filename),
        _int(payload.get("total", 1), "total", filename),
        _int(payload.get("records", len(rows)), "records", filename),
        userdata.get("unit"),
        userdata.get("region"),
        userdata.get("date"),
        rows,
        payload.get("synthetic") is True,
    )
    if page.date is not None:
        match = PERIOD.match(str(page.date))
        if not match:
            raise SourceFormatError(filename, f"the report's date {page.date!r} is not MM.YYYY")
        if (int(match["year"]), int(match["month"])) != (name.year, name.month):
            raise SourceFormatError(
                filename,
                f"the report is for {page.date}, but the file name says {name.period}",
                hint="the publisher answered with another month's report; fetch it again",
            )
    seen: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        if isinstance(row, dict) and row.get("id") is not None:
            rid = str(row["id"])
            if rid in seen:
                raise SourceFormatError(
                    filename,
                    f"row id {rid} occurs twice (rows {seen[rid]} and {position}): the page repeats rows",
                    row=position,
                )
            seen[rid] = position
    return page


def check_unit(page: ReportPage, filename: str) -> None:
    """Refuse a report whose amounts are not in thousand tenge."""
    if not page.rows:
        return
    if not page.unit:
        raise SourceFormatError(
            filename,
            "the report does not state its unit (userdata.unit); amounts cannot be trusted to be thousand tenge",
        )
    unit = find_unit(str(page.unit))
    if unit is None:
        raise SourceFormatError(
            filename,
            f"unknown unit {page.unit!r}",
            hint="add the label to dbt_project/seeds/units.csv if it is a genuine money unit",
        )
    if unit.dimension != "money" or unit.multiplier != EXPECTED_MULTIPLIER:
        raise SourceFormatError(
            filename,
            f"amounts are in {page.unit!r}, not thousand tenge (тыс. тенге) as open-budget execution reports are; "
            f"refused so that no amount is off by a factor of "
            f"{max(unit.multiplier, EXPECTED_MULTIPLIER) / max(1, min(unit.multiplier, EXPECTED_MULTIPLIER)):,.0f}",
            hint="ask the publisher for the report in thousand tenge",
        )


def magnitude_problem(plan_total: Decimal, previous_total: Decimal | None, previous_period: str) -> str | None:
    """Why a report's amounts look like another unit than the previous month's of the same region, or None."""
    if previous_total is None or previous_total <= 0 or plan_total <= 0:
        return None
    ratio = plan_total / previous_total
    if ratio >= MAGNITUDE_RATIO or ratio <= Decimal(1) / MAGNITUDE_RATIO:
        return (
            f"the annual plan totals {plan_total:,.1f} against {previous_total:,.1f} in {previous_period} "
            f"({ratio:,.3g}×): the amounts look like tenge or millions, not thousand tenge"
        )
    return None


def report_rows(page: ReportPage, filename: str) -> Iterator[Row | Rejected]:
    """Rows of ``raw.budget_execution_rows`` (values as delivered) and refused rows with reasons."""
    year = f"{page.file.year:04d}"
    month = f"{page.file.month:02d}"
    for position, row in enumerate(page.rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("cell"), list):
            yield Rejected("row without a `cell` list", {"row": row}, position)
            continue
        cell = row["cell"]
        record = {"id": row.get("id"), "cell": cell}
        if len(cell) != len(CELL_COLUMNS):
            yield Rejected(f"row has {len(cell)} cells, expected {len(CELL_COLUMNS)}", record, position)
            continue
        values = dict(zip(CELL_COLUMNS, (None if v is None else str(v) for v in cell)))
        region = values["region_name"]
        region_kato = resolve_territory(region, "ru") if region else None
        if region_kato is None:
            yield Rejected(
                f"unknown region name: {region!r} is not in seeds/territory_names.csv (ru)", record, position
            )
            continue
        if region_kato != page.file.kato:
            # staging keys amounts by the row's region: such a row would replace the other region's amount
            yield Rejected(
                f"row region {region!r} is territory {region_kato}, but the report is for {page.file.kato}"
                + (f" ({page.region})" if page.region else ""),
                record,
                position,
            )
            continue
        plan, executed = amount(values["plan_amount"]), amount(values["executed_amount"])
        if plan is None or executed is None:
            which = "plan" if plan is None else "executed"
            yield Rejected(f"{which} amount is not a number: {values[which + '_amount']!r}", record, position)
            continue
        if executed < 0:
            yield Rejected(f"negative executed amount: {values['executed_amount']}", record, position)
            continue
        if plan < 0:
            yield Rejected(f"negative plan amount: {values['plan_amount']}", record, position)
            continue
        yield Row(
            (page.region, page.date, page.unit, str(row.get("id")), year, month, *(values[c] for c in CELL_COLUMNS)),
            row_number=position,
        )


def plan_total(page: ReportPage, filename: str) -> Decimal:
    return sum(
        (
            amount(item.values[RAW_COLUMNS.index("plan_amount")])
            for item in report_rows(page, filename)
            if isinstance(item, Row)
        ),
        Decimal(0),
    )


def parse_report(
    data: bytes, filename: str, notes: list[str] | None = None, report: ParseReport | None = None
) -> Iterator[Row | Rejected]:
    page = read_report_page(data, filename)
    check_unit(page, filename)
    if report is not None and page.synthetic:
        report.synthetic = True
    if notes is not None:
        notes.append(
            f"region {page.region or page.file.kato}, {page.date or page.file.period}: page {page.page} of "
            f"{page.total_pages}, {len(page.rows)} of {page.records} rows, unit {page.unit!r}"
        )
    yield from report_rows(page, filename)
