"""The ``budget`` source: monthly education budget execution of Almaty oblast and Almaty city (open budgets)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edu_wh.errors import UserError
from ingest.base import ParsedItem, ParseReport, RawTable, Source, SourceFormatError
from ingest.budget.parser import RAW_COLUMNS, parse_file_name, parse_report
from ingest.http import PublisherError, RetryPolicy

log = logging.getLogger("edu_wh.ingest.budget")


class BudgetSource(Source):
    name = "budget"
    family = "budget"
    publisher = "Open budgets (budget.egov.kz)"
    file_patterns = ("budget_execution__*.json",)
    raw_table = RawTable(
        name="budget_execution_rows",
        columns=RAW_COLUMNS,
        description="Open-budget execution reports by functional classification as delivered (jqGrid JSON): "
        "one row per report row (region, functional group, subgroup, administrator, programme), "
        "amounts as text in the report's unit (thousand tenge), executed cumulative since 1 January. "
        "Grain: _batch_id, row_id.",
    )

    def __init__(
        self,
        regions: dict[str, str] | None = None,
        *,
        first_period: tuple[int, int] = (2019, 1),
        until: tuple[int, int] | None = None,
        rows_per_page: int | None = None,
        retry: RetryPolicy | None = None,
    ):
        from ingest.budget.client import DEFAULT_ROWS_PER_PAGE, REGIONS

        self.regions = dict(regions or REGIONS)
        self.first_period = first_period
        self.until = until
        self.rows_per_page = rows_per_page or DEFAULT_ROWS_PER_PAGE
        self.retry = retry or RetryPolicy()

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        report.period = parse_file_name(filename).period
        yield from parse_report(stream.read(), filename, report.notes, report)

    def fetch(self, landing_dir, *, run_id: str | None = None, base_url: str | None = None, cursors=None) -> list[Path]:
        """Land each region's monthly reports published since the last fetch.

        Per region: months after the cursor (from ``first_period`` the first time) up to the current
        month; months before the first published report are skipped, the first unpublished month
        after it ends the region. A refused report (wrong unit, amounts 100× off the previous
        month) goes to ``quarantine/budget/`` with its reason and ends that region; the call then
        raises after the other regions are done.
        """
        from edu_wh.config import settings
        from ingest.budget.client import (
            BudgetClient,
            check_report,
            landed_plan_total,
            loaded_plan_total,
            months,
            parse_period,
            previous_month,
            this_month,
        )
        from ingest.cursors import ApiCursors

        cfg = settings()
        landing_dir = Path(landing_dir)
        landing_dir.mkdir(parents=True, exist_ok=True)
        until = self.until or this_month()
        files: list[Path] = []
        failures: list[str] = []
        with (
            cursors if cursors is not None else ApiCursors(self.name) as store,
            BudgetClient(base_url or cfg.budget_base_url, timeout=cfg.http_timeout, retry=self.retry) as client,
        ):
            for kato, region_name in self.regions.items():
                cursor = parse_period(store.get(kato).cursor)
                has_data = cursor is not None
                landed = 0
                for year, month in months(cursor, self.first_period, until):
                    try:
                        report = client.report(kato, region_name, year, month, rows_per_page=self.rows_per_page)
                    except PublisherError as exc:
                        failures.append(f"{region_name} {month:02d}.{year}: {exc.message}")
                        if exc.status is None:  # timeouts, connection errors: the other regions would wait as long
                            raise UserError(
                                "budget.egov.kz is unreachable, the remaining regions were not tried: "
                                + "; ".join(failures),
                                hint=f"check EDU_WH_BUDGET_BASE_URL ({cfg.budget_base_url}) and the network; "
                                "months that landed are kept",
                            ) from exc
                        break
                    if not report.pages:
                        if has_data:
                            break  # not published yet
                        continue  # before the first published month
                    py, pm = previous_month(year, month)
                    previous = landed_plan_total(landing_dir, kato, py, pm)
                    if previous is None and has_data:
                        previous = loaded_plan_total(kato, py, pm)
                    try:
                        check_report(report, previous)
                    except SourceFormatError as exc:
                        where = _quarantine(report, str(exc))
                        log.error("REFUSED %s (kept in %s)", exc, where)
                        failures.append(f"{region_name} {month:02d}.{year} refused: {exc.reason} (kept in {where})")
                        break
                    for fetched, name in zip(report.pages, report.file_names()):
                        files.append(_write_atomic(landing_dir / name, fetched.content))
                    if any(fetched.value.synthetic for fetched in report.pages):
                        # the publisher marked the report synthetic (a fake): so is its batch when loaded
                        log.warning("%s %02d.%d: the response is marked synthetic", region_name, month, year)
                    store.save(kato, report.period, 0)
                    has_data = True
                    landed += 1
                log.info("%s: %d monthly reports landed", region_name, landed)
        if failures:
            raise UserError(
                f"budget.egov.kz: {len(failures)} problem(s): " + "; ".join(failures),
                hint="months that landed are kept; the next fetch starts at the first month that did not",
            )
        return files


def _quarantine(report, reason: str) -> Path:
    from edu_wh.config import settings

    folder = settings().home / "quarantine" / "budget"
    folder.mkdir(parents=True, exist_ok=True)
    for fetched, name in zip(report.pages, report.file_names()):
        _write_atomic(folder / name, fetched.content)
        (folder / (name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")
    return folder


def _write_atomic(path: Path, data: bytes) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


SOURCE = BudgetSource()
