"""published.school_capacity: places against pupils, place deficit and shifts by territory and academic year."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import (
    basis_checks,
    between,
    districts_add_up,
    levels_check,
    rows_check,
    sources_loaded,
    split_conserved,
)


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "nedb")
    return [
        *common_published_checks(ctx, "school_capacity", min_rows=1 if loaded else 0),
        *basis_checks(),
        levels_check("int_school_years_aggregated"),
        between(
            "place_deficit",
            0,
            None,
            protects="the place deficit is never negative (spare places do not offset shortages)",
            resolve="rebuild fct_school_capacity; place_shortage must be max(pupils − capacity, 0)",
        ),
        rows_check(
            "select kato_code, academic_year, territory_basis, three_shift_schools, overloaded_schools, schools_count "
            "from {batch} where three_shift_schools > schools_count or overloaded_schools > schools_count",
            protects="no more three-shift or overloaded schools than schools",
            resolve="rebuild fct_school_capacity",
        ),
        rows_check(
            "select kato_code, academic_year, territory_basis, place_deficit, pupils_total, design_capacity "
            "from {batch} where place_deficit < pupils_total - design_capacity",
            protects="the place deficit is at least the territory's pupils minus its places",
            resolve="rebuild fct_school_capacity; a school without a design capacity is the usual cause",
        ),
        between(
            "shifts_max",
            1,
            3,
            protects="schools teach in one to three shifts",
            resolve="check the shifts column of the NEDB extract",
        ),
        districts_add_up("school_capacity", "place_deficit", "academic_year"),
        districts_add_up("school_capacity", "pupils_total", "academic_year"),
        split_conserved("school_capacity", "pupils_total", "academic_year", where="aggregation_level = 'region'"),
        *(
            [
                rows_check(
                    "select 'Almaty oblast 2023/24 has no three-shift count' as problem where not exists (select 1 from {batch} "
                    "where kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published' "
                    "and three_shift_schools is not null)",
                    protects="Almaty oblast's three-shift schools (a key problem named in the press) are published for 2023/24",
                    resolve="the NEDB extract of 2023/24 is missing: load it (edu-wh ingest nedb <file>)",
                )
            ]
            if loaded
            else []
        ),
    ]


SUITE = Suite(
    name="published.school_capacity", table="school_capacity", layer="published", build=build, description=__doc__
)
