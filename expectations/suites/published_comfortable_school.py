"""published.comfortable_school: Comfortable School progress by territory and year, against the targets."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import (
    basis_checks,
    between,
    districts_add_up,
    levels_check,
    rows_check,
    seed_figure,
    sources_loaded,
)


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "comfortable_school")
    oblast = "kato_code = '190000000' and territory_basis = 'as_published' and year = 2025"
    city = "kato_code = '750000000' and territory_basis = 'as_published' and year = 2025"
    return [
        *common_published_checks(ctx, "comfortable_school", min_rows=1 if loaded else 0),
        *basis_checks(),
        levels_check("fct_comfortable_school_progress"),
        rows_check(
            "select kato_code, year, territory_basis from {batch} "
            "where projects_finished > projects_registered or places_finished > places_registered "
            "or projects_planned + projects_under_construction + projects_delayed + projects_finished "
            "<> projects_registered",
            protects="every registered project has exactly one status, and no more are finished than registered",
            resolve="a project's status history has a status the progress model does not count; check "
            "published.comfortable_school_projects",
        ),
        between(
            "places_finished_percent_of_target",
            0,
            100,
            protects="finished places do not exceed the stated target",
            resolve="the target in the press is lower than what was built: check published.claims for newer targets",
            severity="warning",
        ),
        districts_add_up("comfortable_school", "places_finished", "year"),
        districts_add_up("comfortable_school", "projects_registered", "year"),
        *seed_figure(
            "comfortable_school",
            required=loaded,
            where=oblast,
            expression="sum(projects_registered)",
            expected=53,
            what="Almaty oblast's Comfortable School schools (53 by 2025)",
        ),
        *seed_figure(
            "comfortable_school",
            required=loaded,
            where=oblast,
            expression="sum(places_registered)",
            expected=68_200,
            what="Almaty oblast's Comfortable School places (68,200 by 2025)",
        ),
        *seed_figure(
            "comfortable_school",
            required=loaded,
            where=city,
            expression="sum(projects_registered)",
            expected=22,
            what="Almaty city's Comfortable School schools (22)",
        ),
        *seed_figure(
            "comfortable_school",
            required=loaded,
            where=city,
            expression="sum(places_registered)",
            expected=37_000,
            what="Almaty city's Comfortable School places (37,000)",
        ),
    ]


SUITE = Suite(
    name="published.comfortable_school",
    table="comfortable_school",
    layer="published",
    build=build,
    description=__doc__,
)
