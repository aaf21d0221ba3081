"""published.pupil_transport: pupils transported, buses and the transport budget by territory and year."""

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

OBLAST_2023 = "kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'"


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "nedb", "budget")
    return [
        *common_published_checks(ctx, "pupil_transport", min_rows=1 if loaded else 0),
        *basis_checks(),
        levels_check("int_school_years_aggregated"),
        rows_check(
            "select kato_code, year, buses_leased, buses_in_service from {batch} where buses_leased > buses_in_service",
            protects="no more buses were leased than are in service",
            resolve="check the bus columns of the NEDB extract for the territory's schools",
        ),
        between(
            "cost_per_pupil_kzt",
            0,
            None,
            protects="transport costs per pupil are not negative",
            resolve="check the transport programme's execution in the budget report",
        ),
        rows_check(
            "select kato_code, year, territory_basis from {batch} "
            "where aggregation_level = 'district' and transport_cost_kzt is not null",
            protects="the transport cost (a regional budget programme) is on region rows only",
            resolve="the budget join in fct_pupil_transport matched a district",
        ),
        districts_add_up("pupil_transport", "pupils_transported", "year"),
        districts_add_up("pupil_transport", "buses_leased", "year"),
        *seed_figure(
            "pupil_transport",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(transport_cost_kzt)",
            expected=2_172_000_000,
            what="Almaty oblast's 2023 pupil transport cost",
            tolerance=0.5e6,
        ),
        *seed_figure(
            "pupil_transport",
            required=loaded,
            where=OBLAST_2023,
            expression="sum(buses_leased)",
            expected=36,
            what="the buses Almaty oblast bought by leasing in 2023",
        ),
    ]


SUITE = Suite(
    name="published.pupil_transport", table="pupil_transport", layer="published", build=build, description=__doc__
)
