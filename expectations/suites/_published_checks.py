"""Checks the published suites share (this module defines no suite).

Each returns :class:`~expectations.framework.Check` objects over a published table (``{batch}``
in a query is the table under check; other tables of the release are named with ``ctx.schema``).
No check compares a published figure with a press figure: claims are published with their
verdicts (published.claims), never used as conditions of a release.

SQL here goes through ``str.format`` (GX substitutes ``{batch}``): no braces of its own. GX puts
``{batch}`` in as an aliased subquery, except in a query with a JOIN, where the query aliases it.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext

BASES = ["as_published", "current_borders"]
REBASE_METHODS = ["none", "unchanged", "code_mapping", "split_ratio", "not_rebased", "borders_changed"]
LEVELS = ["district", "region"]


def sources_loaded(ctx: GateContext, *sources: str) -> bool:
    """Whether any of ``sources`` has a loaded batch. A table built from sources that never delivered
    is empty by design (a warehouse that loads only some publishers): its suite then does not require
    rows or seed figures, while the shrink check against the current release still applies."""
    return bool(
        ctx.scalar(
            "select exists (select 1 from meta.load_batches where status = 'loaded' and source = any(%s))",
            (list(sources),),
        )
    )


def rows_check(query: str, *, protects: str, resolve: str, severity: str = "critical") -> Check:
    """Passes when ``query`` (over ``{batch}``) returns no rows; the rows it returns are the examples."""
    import great_expectations.expectations as gxe

    return Check(gxe.UnexpectedRowsExpectation(unexpected_rows_query=query), protects, resolve, severity)


def values_in(column: str, values: list, *, protects: str, resolve: str, severity: str = "critical") -> Check:
    import great_expectations.expectations as gxe

    return Check(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values), protects, resolve, severity)


def between(column: str, low=None, high=None, *, protects: str, resolve: str, severity: str = "critical") -> Check:
    import great_expectations.expectations as gxe

    return Check(
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high), protects, resolve, severity
    )


def levels_check(model: str) -> Check:
    """aggregation_level is 'district' or 'region' (the fact ``model`` that builds the levels)."""
    return values_in(
        "aggregation_level",
        LEVELS,
        protects="every row is a district or a region total",
        resolve=f"a new aggregation level appeared in {model}",
    )


def basis_checks() -> list[Check]:
    """territory_basis is known and rebase_method names only known methods (comma-separated parts)."""
    known = ", ".join(f"'{m}'" for m in REBASE_METHODS)
    return [
        values_in(
            "territory_basis",
            BASES,
            protects="every row says on which borders it is: as published or re-based to current borders",
            resolve="a new basis appeared in the marts; document it in the published models first",
        ),
        rows_check(
            f"select rebase_method, count(*) as rows from {{batch}} "
            f"where exists (select 1 from unnest(string_to_array(rebase_method, ', ')) as part (method) "
            f"where part.method not in ({known})) group by rebase_method",
            protects="every re-based figure names a documented re-basing method",
            resolve="a new method appeared in int_territory_rebasing_shares; document it (README, model docs)",
        ),
        rows_check(
            "select kato_code, territory_basis, rebase_method from {batch} "
            "where (territory_basis = 'as_published') <> (rebase_method = 'none')",
            protects="as-published rows are never re-based, and re-based rows say how",
            resolve="check the union of the as_published and current_borders rows in the fact model",
        ),
    ]


def districts_add_up(table: str, measure: str, period: str) -> Check:
    """District rows add up to their region's row (same period and basis), where both exist."""
    return rows_check(
        f"""
select district.region_kato_code, district.{period}, district.territory_basis,
       sum(district.{measure}) as districts_total, max(region.{measure}) as region_value
from {{batch}} as district
join {{batch}} as region
  on region.kato_code = district.region_kato_code and region.{period} = district.{period}
 and region.territory_basis = district.territory_basis and region.aggregation_level = 'region'
where district.aggregation_level = 'district'
group by district.region_kato_code, district.{period}, district.territory_basis
having sum(district.{measure}) is distinct from max(region.{measure})
""",
        protects=f"{table}: the districts' {measure} add up to their region's",
        resolve="a school or project counted in a region but in none of its districts (or twice): check the "
        "territory codes delivered and int_territory_versions_rebased",
    )


def split_conserved(table: str, measure: str, period: str, *, where: str = "true", tolerance: float = 1) -> Check:
    """Re-basing keeps the total: a territory's as-published figure equals the sum of its current-borders
    successors in the same period (Almaty oblast 2021/22 = Almaty oblast + Zhetysu in current borders)."""
    return rows_check(
        f"""
with published as (
    select {period}, sum({measure}) as total from {{batch}} as batch_rows
    where territory_basis = 'as_published' and kato_code in ('190000000', '330000000') and {where}
    group by {period}
),
rebased as (
    select {period}, sum({measure}) as total from {{batch}} as batch_rows
    where territory_basis = 'current_borders' and kato_code in ('190000000', '330000000') and {where}
    group by {period}
)
select published.{period}, published.total as as_published, rebased.total as current_borders
from published join rebased using ({period})
where abs(published.total - rebased.total) > {tolerance}
""",
        protects=f"{table}: re-basing to current borders neither loses nor adds {measure} "
        "(Almaty oblast as published = Almaty oblast + Zhetysu in current borders)",
        resolve="the split shares must add up to 1 (int_territory_splits_measured) and every pre-2022 "
        "district code must map to exactly one current district (int_territory_versions_rebased)",
    )


def scorecard_reconciles(ctx: GateContext, column: str, table: str, expression: str, period: str = "year") -> Check:
    """A scorecard column equals the total of its fact table (same territory, year and basis)."""
    other = f'"{ctx.schema}".{table}'
    return rows_check(
        f"""
select scorecard.kato_code, scorecard.year, scorecard.territory_basis, scorecard.{column},
       facts.total as fact_total
from {{batch}} as scorecard
join (
    select kato_code, {period} as year, territory_basis, {expression} as total
    from {other} group by kato_code, {period}, territory_basis
) as facts using (kato_code, year, territory_basis)
where scorecard.{column} is distinct from facts.total and abs(scorecard.{column} - facts.total) > 1
""",
        protects=f"the scorecard's {column} is the total of {table}",
        resolve=f"the scorecard and {table} were built from different data: rebuild both (dbt build)",
    )
