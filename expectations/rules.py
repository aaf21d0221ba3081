"""Checks of the rules that recur across suites, each written once.

* :func:`whole_numbers_check`: counts are whole numbers (``reference.whole_number``, the dbt macro
  ``whole_number`` that staging casts with, so the gate and the models agree on what a count is);
* :func:`regions_add_up_check`: the regions (and cities of republican significance) add up to the
  republic, within the rounding of the published digits.

Each builds a :func:`expectations.helpers.rows_check` over the suite's rows; the offending rows say
where they are and a ``problem`` in words. Parts adding up to their total are, in the
published layer, :func:`expectations.suites._published_checks.districts_add_up`, and in dbt the
generic test ``sums_match`` (dbt_project/macros/tests/).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from expectations.framework import Check
from expectations.helpers import WHERE, rows_check, rule_sql

#: the levels whose rows add up to the republic's (reference.territories.level)
REGION_LEVELS = "('region', 'city')"


def whole_number_sql(expression: str) -> str:
    """``reference.whole_number(<expression>)``: the text as a bigint, NULL unless it is a whole number."""
    return rule_sql("whole_number", expression)


def whole_numbers_check(
    columns: Mapping[str, str] | Iterable[str],
    *,
    locate: str,
    protects: str,
    resolve: str,
    positive: bool = False,
    severity: str = "critical",
) -> Check:
    """Every non-empty value of ``columns`` (name → SQL expression over ``batch_rows``, or plain column
    names) is a whole number (``positive``: above zero); ``locate`` are the columns that name the row
    besides :data:`WHERE`. The problem lists each offending ``name=value``."""
    named = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    kind = "positive" if positive else "non-negative"

    def wrong(expression: str) -> str:
        bad = f"{whole_number_sql(expression)} is null"
        if positive:
            bad = f"coalesce({whole_number_sql(expression)} = 0, true)"
        return f"({expression} is not null and {bad})"

    listed = ", ".join(f"case when {wrong(e)} then '{name}=' || {e} end" for name, e in named.items())
    return rows_check(
        f"select {WHERE}, {locate}, 'not a {kind} whole number: ' || concat_ws(', ', {listed}) as problem "
        f"from batch_rows where {' or '.join(wrong(e) for e in named.values())}",
        protects=protects,
        resolve=resolve,
        severity=severity,
    )


def regions_add_up_check(
    *,
    rows: str,
    level: str,
    value: str,
    group_by: Mapping[str, str],
    cell: str,
    counted: str,
    gap: str,
    tolerance: str,
    protects: str,
    resolve: str,
    before: str = "",
    count_of: str = "*",
    aggregates: Mapping[str, str] | None = None,
    min_regions: int = 1,
    gaps_bound_the_sum: bool = False,
    label: str = "",
    severity: str = "critical",
) -> Check:
    """The regions add up to the republic in every group (a table, block, column and period).

    ``rows``: the FROM clause, where ``level`` is each row's territory level (``republic``, ``region``,
    ``city``, …) and ``value`` its number; ``group_by``: output name → expression (the first three are
    ``_batch_id``, ``_source_file``, ``_sheet``); ``cell``: where the republic's value sits;
    ``counted``: a region row that counts as reported (``count_of`` them are ``summed``); ``gap``: a
    row whose value is withheld; ``tolerance``: the allowed difference, an expression over the group
    (``summed`` and ``aggregates`` such as ``decimals``). A group with a gap is skipped, or, with
    ``gaps_bound_the_sum``, its regions may not exceed the republic. ``before``: CTEs the rows need
    (``with`` included, ending without a comma); ``label``: SQL text put before the problem."""
    extra = "".join(f"        {expression} as {name},\n" for name, expression in (aggregates or {}).items())
    keys = ", ".join(f"{expression} as {name}" for name, expression in group_by.items())
    differs = f"abs(republic - regions) > {tolerance}"
    condition = (
        f"case when has_gaps then regions > republic + {tolerance} else {differs} end"
        if gaps_bound_the_sum
        else f"not has_gaps and {differs}"
    )
    prefix = f"{before}\n, " if before else "with "
    return rows_check(
        f"""{prefix}groups as (
    select
        {keys},
{extra}        max({value}) filter (where {level} = 'republic') as republic,
        sum({value}) filter (where {level} in {REGION_LEVELS}) as regions,
        count({count_of}) filter (where {level} in {REGION_LEVELS} and {counted}) as summed,
        bool_or({gap}) as has_gaps,
        min({cell}) filter (where {level} = 'republic') as republic_cell
    from {rows}
    group by {", ".join(str(i + 1) for i in range(len(group_by)))}
)

select {", ".join(list(group_by)[:3])}, republic_cell, {", ".join(list(group_by)[3:])}, republic, regions,
       {label + " || " if label else ""}'the ' || summed || ' regions add up to ' || regions || ', the republic is '
           || republic as problem
from groups
where republic is not null and summed >= {min_regions} and {condition}
""",
        protects=protects,
        resolve=resolve,
        severity=severity,
    )
