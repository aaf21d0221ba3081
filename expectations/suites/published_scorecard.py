"""published.scorecard: the regional scorecard (headline measures by region and year)."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import basis_checks, between, scorecard_reconciles, sources_loaded


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "nedb", "budget", "comfortable_school")
    return [
        *common_published_checks(ctx, "scorecard", min_rows=1 if loaded else 0),
        *basis_checks(),
        scorecard_reconciles(ctx, "education_budget_plan_kzt", "education_budget", "sum(plan_kzt)"),
        scorecard_reconciles(
            ctx,
            "pupils_total",
            "school_capacity",
            "sum(pupils_total) filter (where aggregation_level = 'region')",
            period="calendar_year",
        ),
        scorecard_reconciles(
            ctx,
            "place_deficit",
            "school_capacity",
            "sum(place_deficit) filter (where aggregation_level = 'region')",
            period="calendar_year",
        ),
        scorecard_reconciles(
            ctx,
            "comfortable_school_places_finished",
            "comfortable_school",
            "sum(places_finished) filter (where aggregation_level = 'region')",
        ),
        between(
            "free_meals_coverage_percent",
            0,
            100,
            protects="free meal coverage is a share of the primary pupils (0-100 %)",
            resolve="check published.free_meals for the region and year",
        ),
        between(
            "education_budget_per_pupil_kzt",
            0,
            None,
            protects="the budget per pupil is not negative",
            resolve="check published.education_budget",
        ),
    ]


SUITE = Suite(name="published.scorecard", table="scorecard", layer="published", build=build, description=__doc__)
