"""published.free_meals: free hot meals of primary pupils by territory and academic year (NEDB)."""

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
    split_conserved,
)

OBLAST_2023 = "kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published'"


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "nedb")
    return [
        *common_published_checks(ctx, "free_meals", min_rows=1 if loaded else 0),
        *basis_checks(),
        levels_check("int_school_years_aggregated"),
        between(
            "coverage_percent",
            0,
            100,
            protects="no more pupils are served than there are primary pupils (coverage 0-100 %)",
            resolve="the NEDB extract counts meals for pupils outside grades 1-4; check the schools of the "
            "territory in published.schools",
        ),
        rows_check(
            "select kato_code, academic_year, territory_basis, pupils_served, meal_cost_kzt, cost_per_pupil_kzt "
            "from {batch} where pupils_served > 0 and abs(meal_cost_kzt / pupils_served - cost_per_pupil_kzt) > 0.01",
            protects="cost per pupil is the meal cost divided by the pupils served",
            resolve="rebuild fct_free_meals",
        ),
        between(
            "cost_per_pupil_kzt",
            1_000,
            1_000_000,
            protects="a year of free meals costs a plausible amount per pupil (1,000 - 1,000,000 tenge)",
            resolve="a meal cost delivered in thousand tenge under a 'тенге' header (or the reverse): check the "
            "NEDB extract's unit (meal_cost_unit)",
            severity="warning",
        ),
        districts_add_up("free_meals", "pupils_served", "academic_year"),
        districts_add_up("free_meals", "meal_cost_kzt", "academic_year"),
        split_conserved("free_meals", "pupils_served", "academic_year", where="aggregation_level = 'region'"),
        *seed_figure(
            "free_meals",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(pupils_served)",
            expected=113_240,
            what="Almaty oblast's primary pupils with free hot meals in 2023/24",
        ),
        *seed_figure(
            "free_meals",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(meal_cost_kzt)",
            expected=4_529_000_000,
            what="the cost of Almaty oblast's free hot meals in 2023/24",
            tolerance=0.5e6,
        ),
    ]


SUITE = Suite(name="published.free_meals", table="free_meals", layer="published", build=build, description=__doc__)
