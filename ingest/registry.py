"""All sources the warehouse knows. Adding a source = its module and one entry here.

Each entry says what Airflow needs to wire the source without importing it (DAG files are parsed
often and must stay light): the module that defines ``SOURCE``, the ingest DAG it belongs to
(``ingest_<family>``: sources of one publisher share a DAG), and for sources fetched from a
publisher's API, that they fetch and when. The ingest DAGs are generated from this table
(``orchestration.dags.ingest_families``), so a registered source is always loaded by a DAG.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ingest.base import Source

#: a landing folder is scanned this often for new files
LANDING_SCAN_SCHEDULE = "*/30 * * * *"


@dataclass(frozen=True)
class SourceEntry:
    module: str  # defines ``SOURCE``
    family: str  # the ingest DAG: ingest_<family>
    what: str  # what the publisher delivers, for the DAG's documentation
    networked: bool = False  # fetched from the publisher's API before loading (``Source.fetch``)
    schedule: str = LANDING_SCAN_SCHEDULE  # the publisher's cadence (cron, UTC)


SOURCES: dict[str, SourceEntry] = {
    "bns_dynamic": SourceEntry("ingest.bns_dynamic", "bns", "BNS dynamic tables (an indicator by region and period)"),
    "bns_bulletin": SourceEntry("ingest.bns_bulletin", "bns", "BNS bulletins (several tables, district rows)"),
    "bns": SourceEntry(
        "ingest.bns.reader",
        "bns",
        "any BNS publication (dynamic table or bulletin, ru/kk/en) read by the generic reader",
    ),
    "press": SourceEntry("ingest.press", "press", "press articles of the akimats and news sites (ru/kk)"),
    "kato": SourceEntry("ingest.kato", "reference", "the KATO classifier of territories"),
    "nedb": SourceEntry("ingest.nedb", "nedb", "NEDB school-level extracts, one CSV per academic year"),
    "comfortable_school": SourceEntry(
        "ingest.comfortable_school", "comfortable_school", "Comfortable School status reports (workbooks)"
    ),
    # daily, incremental on `modified`
    "egov": SourceEntry(
        "ingest.egov", "egov", "data.egov.kz registers of schools (API v4)", networked=True, schedule="0 3 * * *"
    ),
    # monthly execution reports, on the 2nd
    "budget": SourceEntry(
        "ingest.budget",
        "budget",
        "open-budget execution reports (budget.egov.kz)",
        networked=True,
        schedule="0 4 2 * *",
    ),
}

#: source name → module that defines ``SOURCE``
SOURCE_MODULES: dict[str, str] = {name: entry.module for name, entry in SOURCES.items()}

#: sources fetched from a publisher's API before loading (their Source implements ``fetch``)
NETWORKED_SOURCES: list[str] = [name for name, entry in SOURCES.items() if entry.networked]


def families() -> dict[str, list[str]]:
    """Ingest DAG family → its sources, in registry order."""
    out: dict[str, list[str]] = {}
    for name, entry in SOURCES.items():
        out.setdefault(entry.family, []).append(name)
    return out


def family_schedule(family: str) -> str:
    """A family's DAG schedule: its sources' cadence (sources of one DAG must agree)."""
    schedules = {SOURCES[name].schedule for name in families()[family]}
    if len(schedules) > 1:
        raise ValueError(f"sources of family {family} have different schedules: {sorted(schedules)}")
    return schedules.pop()


def get_source(name: str) -> Source:
    from edu_wh.errors import UserError

    if name not in SOURCE_MODULES:
        raise UserError(f"unknown source {name!r}", hint="known sources: " + ", ".join(sorted(SOURCE_MODULES)))
    return importlib.import_module(SOURCE_MODULES[name]).SOURCE


def all_sources() -> list[Source]:
    return [get_source(name) for name in SOURCE_MODULES]
