"""published.education_budget: the education budget (functional group 04) by region, year and programme."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import (
    basis_checks,
    between,
    rows_check,
    seed_figure,
    sources_loaded,
    split_conserved,
)

OBLAST_2023 = "kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'"


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "budget")
    return [
        *common_published_checks(
            ctx,
            "education_budget",
            min_rows=1 if loaded else 0,
        ),
        *basis_checks(),
        between(
            "plan_kzt",
            0,
            None,
            protects="budget plans are not negative",
            resolve="find the report row in source_reference; a sign or unit error in the delivery",
        ),
        between(
            "execution_percent",
            0,
            100,
            protects="no programme spent more than its plan (execution 0-100 %)",
            resolve="the report's plan and execution columns may be swapped, or the plan was not refined: "
            "check the report named in source_reference",
            severity="warning",
        ),
        rows_check(
            "select kato_code, year, program_key, plan_kzt, previous_plan_kzt, plan_change_kzt from {batch} "
            "where plan_change_kzt is not null and abs(plan_kzt - previous_plan_kzt - plan_change_kzt) > 0.01",
            protects="the change on the previous year is this year's plan minus last year's",
            resolve="rebuild fct_education_budget; the previous year's row changed without this one",
        ),
        rows_check(
            "select kato_code, year, program_key, executed_kzt, plan_kzt, execution_percent from {batch} "
            "where plan_kzt > 0 and abs(100.0 * executed_kzt / plan_kzt - execution_percent) > 0.01",
            protects="execution % is executed / plan × 100",
            resolve="rebuild fct_education_budget",
        ),
        split_conserved("education_budget", "plan_kzt", "year"),
        *seed_figure(
            "education_budget",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(plan_kzt)",
            expected=394_000_000_000,
            what="Almaty oblast's 2023 education budget",
            tolerance=0.5e9,
        ),
        *seed_figure(
            "education_budget",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(plan_change_kzt)",
            expected=78_000_000_000,
            what="the growth of Almaty oblast's education budget in 2023 on 2022",
            tolerance=0.5e9,
        ),
        *seed_figure(
            "education_budget",
            required=loaded,
            where=OBLAST_2023 + " and topic = 'pupil_transport'",
            expression="sum(executed_kzt)",
            expected=2_172_000_000,
            what="Almaty oblast's 2023 spending on pupil transport",
            tolerance=0.5e6,
        ),
    ]


SUITE = Suite(
    name="published.education_budget", table="education_budget", layer="published", build=build, description=__doc__
)
