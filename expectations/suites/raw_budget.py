"""raw.budget_execution_rows: open-budget execution reports (region × month × programme) as delivered.

Checks every loaded batch: each is one page of one region's monthly report (cumulative since
1 January, thousand tenge), and staging reads them all. A month's volume is compared with the
region's previous month (the baseline stream is the region and page, whatever the month). Grain:
one row per report row id within a page; one row per region × month × programme across pages.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    known_territory_names_check,
    normalize_name_sql,
    required_columns_check,
    rows_check,
    unique_key_check,
    volume_checks,
    with_reference,
)
from ingest.budget import SOURCE
from ingest.budget.parser import EXPECTED_MULTIPLIER

DECEMBER_TOLERANCE = 1.05  # executed by 31 December may exceed the refined annual plan by 5% at most
ROUNDING = 0.1  # thousand tenge: amounts carry one decimal
AMOUNT = "'^\\d+(\\.\\d+)?$'"
PROGRAMME = "functional_group, subgroup, administrator, program"


def amount(column: str) -> str:
    cleaned = f"replace(regexp_replace({column}, '[\\s\\u00a0]', '', 'g'), ',', '.')"
    return f"case when {cleaned} ~ {AMOUNT} then {cleaned}::numeric end"


def build(ctx: GateContext) -> list[Check]:
    newest = ctx.batch_list_sql(newest_only=True)
    rows = f"""
with report_rows as (
    select {WHERE}, row_id, region_name, {normalize_name_sql("region_name")} as region, year, month,
           {PROGRAMME}, program_name, plan_amount, executed_amount,
           {amount("plan_amount")} as plan, {amount("executed_amount")} as executed
    from batch_rows
    where _batch_id in {newest} and year ~ '^\\d\\d\\d\\d$' and month ~ '^\\d\\d?$'
)
"""
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="programme rows"),
        unique_key_check(
            ["row_id"],
            grain="report row id",
            resolve="a page repeats a row; the parser refuses such pages, so the raw table was changed by hand or by "
            "an older parser: withdraw the batch and fetch the report again",
        ),
        required_columns_check(
            ["report_period", "unit_label", "row_id", "year", "month", "region_name", "functional_group", "program"]
            + ["plan_amount", "executed_amount"],
            what="report row",
        ),
        rows_check(
            rows
            + f"""
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, region_name, year, month,
       {PROGRAMME}, string_agg(_source_file || ' row ' || row_id, '; ') as rows,
       'programme ' || {" || '-' || ".join(PROGRAMME.split(", "))} || ' of ' || region_name || ', ' || month || '.'
           || year || ' is delivered ' || count(*) || ' times' as problem
from report_rows
group by region, region_name, year, month, {PROGRAMME}
having count(*) > 1
""",
            protects="one row per region × month × budget programme across the pages of a report (staging would keep "
            "one of the copies and lose the other)",
            resolve="the portal's paging repeated a programme on two pages: fetch the month again "
            "(`edu-wh batches withdraw` the pages, then re-run the fetch), or ask the publisher",
        ),
        with_reference(
            ctx,
            ["units"],
            lambda: rows_check(
                f"""
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, unit_label, count(*) as rows,
       'amounts in ' || coalesce(unit_label, '(no unit)') || ', not thousand tenge' as problem
from batch_rows
where not exists (
    select 1 from reference.units
    where units.dimension = 'money' and units.multiplier = {EXPECTED_MULTIPLIER}
      and {normalize_name_sql("units.label")} = {normalize_name_sql("batch_rows.unit_label")}
)
group by _batch_id, unit_label
""",
                protects="every report's amounts are in thousand tenge (a report in tenge would be 1000× too large)",
                resolve="the parser refuses such reports; if one got here, withdraw it and fetch the month again",
            ),
        ),
        known_territory_names_check(ctx, "region_name", "'ru'", what="region of a report row"),
        rows_check(
            f"""
select {WHERE}, row_id, region_name, year, month, report_period, functional_group, plan_amount, executed_amount,
       concat_ws('; ',
           case when {amount("plan_amount")} is null then 'plan ' || plan_amount || ' is not a non-negative amount' end,
           case when {amount("executed_amount")} is null
                then 'executed ' || executed_amount || ' is not a non-negative amount' end,
           case when year !~ '^(19|20)\\d\\d$' or month !~ '^(0?[1-9]|1[0-2])$' then 'period ' || year || '-' || month end,
           case when report_period is distinct from lpad(month, 2, '0') || '.' || year
                then 'the report says ' || report_period || ', the row ' || month || '.' || year end,
           case when functional_group !~ '^\\d\\d$' then 'functional group ' || functional_group end
       ) as problem
from batch_rows
where {amount("plan_amount")} is null or {amount("executed_amount")} is null
   or year !~ '^(19|20)\\d\\d$' or month !~ '^(0?[1-9]|1[0-2])$'
   or report_period is distinct from lpad(month, 2, '0') || '.' || year
   or functional_group !~ '^\\d\\d$'
""",
            protects="amounts are non-negative numbers, periods are real months and agree with the report's date, "
            "functional groups are 2-digit codes",
            resolve="the report's structure changed or a value was mistyped; look at the row in the landed file",
        ),
        rows_check(
            rows
            + f"""
select {WHERE}, row_id, region_name, year, {PROGRAMME}, program_name, plan, executed,
       'executed ' || executed || ' by December exceeds the annual plan ' || plan || ' by more than '
           || round(({DECEMBER_TOLERANCE} - 1) * 100) || ' percent' as problem
from report_rows
where month::int = 12 and executed > plan * {DECEMBER_TOLERANCE}
""",
            protects=f"by December no programme has spent more than its annual plan × {DECEMBER_TOLERANCE} "
            "(execution above the plan means a unit or column error)",
            resolve="compare the programme's plan and execution with the report on budget.egov.kz; swapped "
            "columns or a plan in another unit is the usual cause",
        ),
        rows_check(
            rows
            + f"""
, ordered as (
    select report_rows.*,
           lag(executed) over programme_months as previous_executed,
           lag(month::int) over programme_months as previous_month,
           lag(_source_file) over programme_months as previous_file
    from report_rows
    window programme_months as (partition by region, year, {PROGRAMME} order by month::int, _batch_id)
)

select {WHERE}, row_id, region_name, year, month, {PROGRAMME}, previous_executed, executed, previous_file,
       'executed since 1 January fell from ' || previous_executed || ' (month ' || previous_month || ') to '
           || executed || ' (month ' || month || ')' as problem
from ordered
where previous_month < month::int and executed < previous_executed - {ROUNDING}
""",
            protects="execution since 1 January never decreases from one month to the next (the reports are "
            "cumulative)",
            resolve="one month's report is not cumulative or belongs to another year: compare the two months on "
            "budget.egov.kz, withdraw the wrong batch and fetch it again",
        ),
    ]


SUITE = Suite(
    name="raw.budget",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
    baseline_stream="regexp_replace(b.source_file, '__[0-9]+-[0-9]+__', '__')",
)
