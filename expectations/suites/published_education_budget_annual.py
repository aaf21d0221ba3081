"""published.education_budget_annual: the education budget by territory and year, planned and executed side by side."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import between, rows_check, sources_loaded


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "budget", "minfin")
    return [
        *common_published_checks(ctx, "education_budget_annual", min_rows=1 if loaded else 0),
        between(
            "executed_kzt",
            0,
            None,
            protects="executed spending is not negative",
            resolve="find the bulletin row in executed_source_reference; a sign or unit error in the delivery",
        ),
        rows_check(
            "select kato_code, year, borders, plan_source_name, plan_is_synthetic, executed_source_name, "
            "executed_is_synthetic from {batch} "
            "where (plan_is_synthetic and plan_source_name not like 'synthetic generator%') "
            "or (executed_is_synthetic and executed_source_name not like 'synthetic generator%')",
            protects="a synthetic figure never carries a publisher's name",
            resolve="name the source with the provenance_name macro (macros/claims.sql) in fct_education_budget_annual",
        ),
        rows_check(
            "select kato_code, year, borders, is_synthetic, plan_is_synthetic, executed_is_synthetic from {batch} "
            "where is_synthetic <> (coalesce(plan_is_synthetic, false) or coalesce(executed_is_synthetic, false)) "
            "or (planned_kzt is not null and plan_is_synthetic is null) "
            "or (executed_kzt is not null and executed_is_synthetic is null)",
            protects="every figure of the row says whether it is synthetic, and the row is synthetic if any is",
            resolve="rebuild fct_education_budget_annual",
        ),
        rows_check(
            "select kato_code, year, borders, execution_percent, plan_is_synthetic, executed_is_synthetic from {batch} "
            "where execution_percent is not null and plan_is_synthetic <> executed_is_synthetic",
            protects="no execution % mixes a synthetic figure with a real one",
            resolve="rebuild fct_education_budget_annual",
        ),
    ]


SUITE = Suite(
    name="published.education_budget_annual",
    table="education_budget_annual",
    layer="published",
    build=build,
    description=__doc__,
)
