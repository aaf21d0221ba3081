"""Backfill: reload chosen landing files, optionally only those of some periods (the ``backfill`` DAG).

**Which files a period window selects.** A window is ``period_from`` … ``period_to`` (either may be
empty: open-ended; both empty: every file). Each bound is a year ``2023``, a month ``2023-09`` or an
academic year ``2022/23``; the window runs from the first day of ``period_from`` to the last day of
``period_to``. A file is selected when the period it declares *overlaps* the window. The period a
file declares is, in this order:

1. the ``period`` its parser reported when the same bytes were loaded before
   (``meta.load_batches.period``, from ``ParseReport.period``);
2. otherwise the years in its file name: ``…_2000-2023_…`` is 2000-01-01 … 2023-12-31,
   ``…_2022-23…`` / ``…2022_23…`` the academic year 2022-09-01 … 2023-08-31, a single ``…2023…``
   that calendar year;
3. otherwise it is unknown, and the file is **not** selected when a window is given (it is listed
   as skipped, with the reason, in the task's result).

Periods themselves are read the same way: ``2023``, ``2023-09``, ``2022/23`` or ``2022-23``
(academic year, September to August), ``2000-2023`` (a span of years), with any dash.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from edu_wh.errors import UserError

log = logging.getLogger("orchestration.backfill")

_DASHES = str.maketrans({"–": "-", "—": "-", "‒": "-", "−": "-"})
_YEAR = r"(?:19|20)\d{2}"


def period_range(text: str | None) -> tuple[date, date] | None:
    """The first and last day a period label covers, or None if it is not a period we can read."""
    if not text:
        return None
    value = text.strip().translate(_DASHES).replace(" ", "")
    if m := re.fullmatch(rf"({_YEAR})", value):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if m := re.fullmatch(rf"({_YEAR})-(0[1-9]|1[0-2])", value):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if m := re.fullmatch(rf"({_YEAR})[/_-](\d{{2}})", value):
        start = int(m[1])
        if (start + 1) % 100 != int(m[2]):
            return None
        return date(start, 9, 1), date(start + 1, 8, 31)
    if m := re.fullmatch(rf"({_YEAR})[/_-]({_YEAR})", value):
        first, last = int(m[1]), int(m[2])
        if last == first + 1 and "/" in value:
            return date(first, 9, 1), date(last, 8, 31)  # 2022/2023: an academic year
        if last < first:
            return None
        return date(first, 1, 1), date(last, 12, 31)
    return None


def period_from_filename(name: str) -> tuple[date, date] | None:
    """The period a file name states, by rule 2 of the module docstring."""
    stem = Path(name).stem.translate(_DASHES)
    if m := re.search(rf"(?<!\d)({_YEAR})[-_]({_YEAR})(?!\d)", stem):
        return period_range(f"{m[1]}-{m[2]}")
    if m := re.search(rf"(?<!\d)({_YEAR})[-_](\d{{2}})(?!\d)", stem):
        found = period_range(f"{m[1]}/{m[2]}")
        if found:
            return found
    years = [int(y) for y in re.findall(rf"(?<!\d)({_YEAR})(?!\d)", stem)]
    if years:
        return date(min(years), 1, 1), date(max(years), 12, 31)
    return None


def window(period_from: str | None, period_to: str | None) -> tuple[date, date] | None:
    """The window two bounds describe; None when both are empty (no restriction)."""
    if not period_from and not period_to:
        return None
    bounds = []
    for name, value in (("period_from", period_from), ("period_to", period_to)):
        if value:
            parsed = period_range(value)
            if parsed is None:
                raise UserError(
                    f"{name}={value!r} is not a period",
                    hint="write a year (2023), a month (2023-09) or an academic year (2022/23)",
                )
            bounds.append(parsed)
        else:
            bounds.append(None)
    start = bounds[0][0] if bounds[0] else date.min
    end = bounds[1][1] if bounds[1] else date.max
    if start > end:
        raise UserError(f"period_from {period_from} is after period_to {period_to}")
    return start, end


@dataclass
class Selection:
    source: str
    selected: list[Path] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def select_files(source_name: str, period_from: str | None = None, period_to: str | None = None) -> Selection:
    """The landing files of one source whose declared period overlaps the window."""
    from orchestration.tasks import landing_files

    selection = Selection(source_name)
    files = landing_files(source_name)
    limits = window(period_from, period_to)
    if limits is None:
        selection.selected = files
        return selection
    recorded = _recorded_periods(source_name, files)
    for path in files:
        declared = period_range(recorded.get(path)) or period_from_filename(path.name)
        if declared is None:
            selection.skipped.append({"file": path.name, "reason": "declares no period we can read"})
        elif declared[1] < limits[0] or declared[0] > limits[1]:
            selection.skipped.append(
                {"file": path.name, "reason": f"period {declared[0]}…{declared[1]} is outside the window"}
            )
        else:
            selection.selected.append(path)
    return selection


def _recorded_periods(source_name: str, files: list[Path]) -> dict[Path, str]:
    """Rule 1: the period the parser reported the last time the same bytes were loaded."""
    from edu_wh.warehouse import connect
    from ingest.loader import file_sha256

    if not files:
        return {}
    hashes = {file_sha256(p): p for p in files}
    with connect("loader", autocommit=True, application_name="edu-wh backfill") as conn:
        rows = conn.execute(
            "select distinct on (file_sha256) file_sha256, period from meta.load_batches "
            "where source = %s and file_sha256 = any(%s) and status in ('loaded', 'superseded') "
            "and period is not null order by file_sha256, batch_id desc",
            (source_name, list(hashes)),
        ).fetchall()
    return {hashes[sha]: period for sha, period in rows}


def backfill_source(
    source_name: str,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
    reload: bool = False,
    run_id: str | None = None,
) -> dict:
    """Load (or with ``reload``, load again) the selected landing files of one source."""
    from orchestration.tasks import load_landing

    selection = select_files(source_name, period_from, period_to)
    for skipped in selection.skipped:
        log.info("%s: %s skipped: %s", source_name, skipped["file"], skipped["reason"])
    summary = load_landing(source_name, run_id=run_id, paths=selection.selected, reload=reload).as_dict()
    summary["skipped"] = selection.skipped
    summary["reload"] = reload
    return summary
