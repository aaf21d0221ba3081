"""published.school_counts: BNS number of schools by territory and academic year, as published and
re-based to current borders."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import basis_checks, rows_check, sources_loaded, split_conserved


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "bns_dynamic")
    import great_expectations.expectations as gxe

    return [
        *common_published_checks(
            ctx,
            "school_counts",
            min_rows=1 if loaded else 0,
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
                value_set=[
                    "reported",
                    "none",
                    "missing",
                    "confidential",
                    "negligible",
                    "formula",
                    "empty",
                    "incomplete",
                ],
            ),
            protects="every missing value says why it is missing",
            resolve="a new BNS marker appeared: add it to rules.bns_cell in dbt_project/dbt_project.yml",
        ),
        Check(
            gxe.ExpectColumnValuesToBeInSet(column="population_type", value_set=["total", "urban", "rural"]),
            protects="urban/rural blocks are recognised",
            resolve="map the new block label in stg_bns__dynamic_cells",
        ),
        *basis_checks(),
        split_conserved(
            "school_counts", "schools_count", "academic_year", where="population_type = 'total'", tolerance=1
        ),
        rows_check(
            "select kato_code, academic_year, population_type from {batch} "
            "where population_type = 'total' and schools_count is not null and territory_basis = 'as_published' "
            "and kato_code = '000000000' and schools_count < 1000",
            protects="the republic's school count is a country's (thousands of schools), not a region's",
            resolve="the republic's row was resolved to another territory: check seeds/territory_names.csv",
        ),
        *(
            [
                rows_check(
                    "select 'Almaty oblast 2021/22 in current borders missing' as problem where not exists ("
                    "select 1 from {batch} where kato_code = '190000000' and academic_year = '2021/22' "
                    "and population_type = 'total' and territory_basis = 'current_borders' and schools_count is not null)",
                    protects="Almaty oblast's 2021/22 school count has a comparable current-borders figure",
                    resolve="the split ratio needs the 2022/23 counts of Almaty oblast and Zhetysu in the same BNS table "
                    "(int_territory_splits_measured)",
                )
            ]
            if loaded
            else []
        ),
    ]


SUITE = Suite(
    name="published.school_counts", table="school_counts", layer="published", build=build, description=__doc__
)
