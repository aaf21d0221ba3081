"""published.comfortable_school_projects: the status history of every Comfortable School project."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import between, rows_check, sources_loaded, values_in


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "comfortable_school")
    return [
        *common_published_checks(ctx, "comfortable_school_projects", min_rows=1 if loaded else 0),
        values_in(
            "status",
            ["planned", "under_construction", "finished", "delayed"],
            protects="every status is one of planned, under construction, finished, delayed",
            resolve="a new status wording in the reports: map it in macros/comfortable_school.sql",
        ),
        between(
            "places",
            50,
            5_000,
            protects="a school has a plausible number of places (50-5,000)",
            resolve="check the places column of the report in source_reference",
            severity="warning",
        ),
        rows_check(
            "select project_id, count(*) as latest from {batch} where is_latest_status "
            "group by project_id having count(*) <> 1",
            protects="every project has exactly one current status",
            resolve="rebuild fct_comfortable_school_status_history",
        ),
        rows_check(
            "select project_id, status_date, previous_status, status from {batch} "
            "where previous_status = 'finished' and status <> 'finished'",
            protects="a finished school does not go back to construction",
            resolve="two reports disagree about the project: check the reports in source_reference",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="published.comfortable_school_projects",
    table="comfortable_school_projects",
    layer="published",
    build=build,
    description=__doc__,
)
