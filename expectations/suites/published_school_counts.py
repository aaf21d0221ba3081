"""published.school_counts: BNS number of schools by territory and academic year."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks


def build(ctx: GateContext) -> list[Check]:
    import great_expectations.expectations as gxe

    return [
        *common_published_checks(
            ctx, "school_counts", key=["kato_code", "academic_year", "population_type", "territory_basis"]
        ),
        Check(
            gxe.ExpectColumnValuesToBeBetween(column="schools_count", min_value=0, max_value=12000),
            protects="school counts are plausible (no region or country has more than 12,000 schools)",
            resolve="find the cell in the BNS file named in source_reference; a unit or typing error "
            "in the delivered table is the usual cause",
        ),
        Check(
            gxe.ExpectColumnValuesToBeInSet(
                column="value_status",
                value_set=["reported", "none", "missing", "confidential", "negligible", "formula", "empty"],
            ),
            protects="every missing value says why it is missing",
            resolve="a new BNS marker appeared: add it to macros/parse_bns_value.sql",
        ),
        Check(
            gxe.ExpectColumnValuesToBeInSet(column="population_type", value_set=["total", "urban", "rural"]),
            protects="urban/rural blocks are recognised",
            resolve="map the new block label in stg_bns__dynamic_cells",
        ),
        Check(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=(
                    "select 'Almaty oblast 2021/22 missing' as problem where not exists ("
                    "select 1 from {batch} where kato_code = '190000000' and academic_year = '2021/22' "
                    "and population_type = 'total' and territory_basis = 'as_published' and schools_count is not null)"
                )
            ),
            protects="Almaty oblast's 2021/22 school count (800, before the 2022 split) is present",
            resolve="the BNS schools table must be loaded; run `edu-wh ingest bns_dynamic <file>`",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="published.school_counts", table="school_counts", layer="published", build=build, description=__doc__
)
