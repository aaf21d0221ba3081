"""raw.bns_dynamic_cells: BNS dynamic tables (regions × years, stacked total/urban/rural blocks) as delivered.

Checks every loaded batch (each file is its own stream; a corrected file delivered under the same
name is compared with the one before it). Grain: one row per sheet cell; one value per table ×
block × territory × period. No figure of the sample file is a check: a value that differs from the
previous delivery (a BNS revision of a past year) is a warning with the rows, never a refusal.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    allowed_values_check,
    bns_status_sql,
    bns_value_sql,
    known_territory_names_check,
    known_units_check,
    normalize_name_sql,
    required_columns_check,
    rows_check,
    rule_sql,
    sql_list,
    sql_text,
    unique_key_check,
    volume_checks,
    with_reference,
)
from expectations.rules import regions_add_up_check
from expectations.suites.raw_bns import revision_check
from ingest.bns.values import hidden_statuses
from ingest.bns_dynamic import SOURCE

#: BNS footnote: "До 2008 года данные по типу местности представлены без вечерних общеобразовательных школ"
URBAN_RURAL_COMPLETE_FROM = 2008
SCHOOLS_TABLE_TITLES = ["число общеобразовательных школ"]  # normalized beginning of the title
MAX_SCHOOLS = 12_000  # no region or country has more schools


def population_sql(block: str) -> str:
    """The population type of a block heading (macros/bns_population_type.sql, the one list of headings)."""
    return rule_sql("bns_population_type", block)


def is_schools_table_sql(title: str) -> str:
    return (
        "(" + " or ".join(f"strpos({normalize_name_sql(title)}, {sql_text(t)}) = 1" for t in SCHOOLS_TABLE_TITLES) + ")"
    )


def is_money_sql(unit: str) -> str:
    return f"coalesce({unit}, '') ~* '(тенге|теңге)'"


CELLS = f"""
with cells as (
    select
        {WHERE}, cell_ref, table_title, unit_label, language, btrim(row_label) as row_label,
        {normalize_name_sql("row_label")} as territory, btrim(period_label) as period_label,
        substring(btrim(period_label) from '^(\\d\\d\\d\\d)')::int as start_year,
        block_label, {population_sql("block_label")} as population,
        cell_text, {bns_status_sql("cell_text")} as status, {bns_value_sql("cell_text")} as value,
        coalesce(length(substring(btrim(cell_text) from '[.,](\\d+)$')), 0) as decimals
    from batch_rows
)
"""


def build(ctx: GateContext) -> list[Check]:
    checks = [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="cells"),
        unique_key_check(
            ["_sheet", "cell_ref"],
            grain="sheet cell",
            resolve="the same cell was delivered twice in one batch: the loader or parser has a bug; withdraw the "
            "batch and load the file again",
        ),
        required_columns_check(
            ["table_title", "unit_label", "row_label", "period_label", "cell_ref", "language"], what="cell"
        ),
        allowed_values_check(
            "language",
            ["kk", "ru"],
            protects="every table is read as Kazakh or Russian (territory names depend on it)",
            resolve="the language detection in ingest/reference.py needs the new case",
        ),
        rows_check(
            CELLS + "select " + WHERE + ", cell_ref, cell_text, 'not a number, a BNS marker or a formula: ' || "
            "cell_text as problem from cells where status = 'reported' and value is null",
            protects="every cell holds a number or a BNS marker (-, …, х, 0,0)",
            resolve="a new marker or a typing error in the BNS file: add the marker to rules.bns_cell in dbt_project/dbt_project.yml, "
            "or ask BNS for a corrected file",
        ),
        rows_check(
            CELLS + "select min(_batch_id) as _batch_id, min(_source_file) as _source_file, block_label, "
            "count(*) as cells, 'unknown block heading ' || block_label as problem "
            "from cells where population is null group by block_label",
            protects="every stacked block (all / urban / rural population) is recognised",
            resolve="map the new block heading in dbt_project/macros/bns_population_type.sql",
        ),
        rows_check(
            CELLS + "select " + WHERE + ", cell_ref, period_label, 'not a year or academic year: ' || period_label "
            "as problem from cells where start_year is null or start_year not between 1990 and 2100",
            protects="every column is a year (2023) or an academic year (2023/24)",
            resolve="the header row was misread; check the file's header against ingest/bns_dynamic.py",
        ),
        known_units_check(ctx),
        known_territory_names_check(ctx, "row_label", "language", what="row label (region)"),
        with_reference(
            ctx,
            ["territory_names"],
            lambda: rows_check(
                CELLS
                + f"""
, resolved as (
    select cells.*, names.kato_code
    from cells
    inner join reference.territory_names as names
        on names.language = cells.language and {normalize_name_sql("names.name")} = cells.territory
)

select min(_batch_id) as _batch_id, min(_source_file) as _source_file, min(_sheet) as _sheet,
       min(_row_number) as _row_number, kato_code, population, period_label,
       string_agg(row_label || ' ' || cell_ref || '=' || coalesce(cell_text, '(empty)'), '; ' order by _row_number)
           as cells,
       'the territory ' || kato_code || ' appears ' || count(*) || ' times for ' || period_label || ' (' || population
           || ')' as problem
from resolved
group by _batch_id, _sheet, table_title, population, kato_code, period_label
having count(*) > 1
""",
                protects="one value per table × block × territory × year within a delivery",
                resolve="the table lists a region twice (e.g. 'г.Алматы' and 'город Алматы'); staging would keep "
                "one of them at random: ask BNS for a corrected file, or withdraw the batch",
            ),
        ),
        rows_check(
            CELLS + "select " + WHERE + ", cell_ref, row_label, period_label, value, "
            "'negative value ' || cell_text as problem from cells where value < 0",
            protects="counts and amounts are not negative",
            resolve="find the cell in the BNS file; a typing error or a misplaced minus sign is the usual cause",
        ),
        rows_check(
            CELLS + f"select {WHERE}, cell_ref, row_label, period_label, value, "
            f"cell_text || ' schools is implausible' as problem from cells "
            f"where {is_schools_table_sql('table_title')} and value > {MAX_SCHOOLS}",
            protects=f"school counts are plausible (no region or country has more than {MAX_SCHOOLS:,} schools)",
            resolve="find the cell in the BNS file; a unit or typing error (33300 for 333) is the usual cause",
        ),
        rows_check(
            CELLS
            + f"""
, blocks as (
    select
        _batch_id, _source_file, _sheet, table_title, territory, period_label,
        min(row_label) as row_label, min(start_year) as start_year, bool_or({is_money_sql("unit_label")}) as is_money,
        max(value) filter (where population = 'total') as total,
        max(value) filter (where population = 'urban') as urban,
        max(value) filter (where population = 'rural') as rural,
        max(decimals) as decimals,
        string_agg(cell_ref, ', ' order by cell_ref) as cells,
        count(*) filter (where status in ('reported', 'negligible')) as reported,
        count(distinct population) filter (where status in ('reported', 'negligible')) as populations
    from cells
    where population is not null
    group by _batch_id, _source_file, _sheet, table_title, territory, period_label
)

select _batch_id, _source_file, _sheet, cells, row_label, period_label, total, urban, rural,
       'urban ' || urban || ' + rural ' || rural || ' = ' || (urban + rural) || ', but total is ' || total as problem
from blocks
where reported = 3 and populations = 3
  and case
      when start_year < {URBAN_RURAL_COMPLETE_FROM} then total < urban + rural
      else abs(total - (urban + rural)) > case when is_money then power(10, -decimals) else 0 end
  end
""",
            protects="urban + rural = total for every region and year where all three are reported (before 2008 "
            "the total may be larger: BNS counted evening schools in the total only)",
            resolve="find the three cells in the BNS file; a mistyped value or a block pasted from another year is "
            "the usual cause: ask BNS for a corrected file, or withdraw the batch",
        ),
        with_reference(
            ctx,
            ["territory_names", "territories"],
            lambda: regions_add_up_check(
                before=CELLS
                + f"""
, levels as (
    select distinct names.language, {normalize_name_sql("names.name")} as territory, territories.kato_code,
           territories.level
    from reference.territory_names as names
    inner join reference.territories as territories on names.kato_code = territories.kato_code
)""",
                rows="cells inner join levels on levels.language = cells.language and levels.territory = cells.territory",
                level="levels.level",
                value="cells.value",
                group_by={
                    "_batch_id": "cells._batch_id",
                    "_source_file": "cells._source_file",
                    "_sheet": "cells._sheet",
                    "table_title": "cells.table_title",
                    "population": "cells.population",
                    "period_label": "cells.period_label",
                },
                cell="cells.cell_ref",
                counted="cells.status in ('reported', 'negligible')",
                gap=f"cells.status in {sql_list(hidden_statuses())}",
                aggregates={
                    "is_money": f"bool_or({is_money_sql('cells.unit_label')})",
                    "decimals": "max(cells.decimals)",
                },
                tolerance="case when is_money then 0.5 * summed * power(10, -decimals) else 0 end",
                protects="the regions add up to the republic for every block and year (where none is missing)",
                resolve="a region's value or the republic's total was mistyped; compare with the BNS site",
                severity="warning",
            ),
        ),
        revision_check(
            "bns_dynamic_cells",
            ["_sheet", "table_title", "block_label", "row_label", "period_label"],
            bns_value_sql("cell_text"),
            what="BNS dynamic tables",
        ),
    ]
    return checks


SUITE = Suite(
    name="raw.bns_dynamic",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
