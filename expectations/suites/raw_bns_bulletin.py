"""raw.bns_bulletin_cells: BNS statistical bulletins (numbered tables, by region or by line item) as delivered.

Checks every loaded batch; editions of the same bulletin are one stream, so a new edition's volume
is compared with the previous edition's. Grain: one row per sheet cell; one value per table × row
label × column label.
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
    sql_list,
    unique_key_check,
    volume_checks,
    with_reference,
)
from expectations.rules import regions_add_up_check
from expectations.suites.raw_bns import revision_check
from ingest.bns.values import hidden_statuses
from ingest.bns_bulletin import SOURCE

CELLS = f"""
with cells as (
    select
        {WHERE}, cell_ref, report_year, release_date, table_code, table_kind, unit_label, language,
        btrim(row_label) as row_label, {normalize_name_sql("row_label")} as territory, column_label,
        cell_text, {bns_status_sql("cell_text")} as status, {bns_value_sql("cell_text")} as value,
        coalesce(length(substring(btrim(cell_text) from '[.,](\\d+)$')), 0) as decimals,
        coalesce(unit_label, '') ~* '(тенге|теңге)' as is_money
    from batch_rows
)
"""


def build(ctx: GateContext) -> list[Check]:
    region_rows = "(select * from batch_rows where table_kind = 'region') as region_rows"
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="cells"),
        unique_key_check(
            ["_sheet", "cell_ref"],
            grain="sheet cell",
            resolve="the same cell was delivered twice in one batch: a parser bug; withdraw the batch and load the "
            "file again",
        ),
        with_reference(
            ctx,
            ["territory_names"],
            lambda: rows_check(
                CELLS
                + f"""
, keyed as (
    select cells.*, coalesce(names.kato_code, cells.territory) as row_key
    from cells
    left join reference.territory_names as names
        on cells.table_kind = 'region' and names.language = cells.language
        and {normalize_name_sql("names.name")} = cells.territory
)

select min(_batch_id) as _batch_id, min(_source_file) as _source_file, min(_sheet) as _sheet,
       min(_row_number) as _row_number, table_code, string_agg(row_label, ' / ' order by _row_number) as row_labels,
       column_label, string_agg(cell_ref || '=' || coalesce(cell_text, '(empty)'), '; ' order by _row_number) as cells,
       'table ' || table_code || ': ' || case when row_key ~ '^\\d+$' then 'territory ' else 'row ' end || row_key
           || ' × column ' || column_label || ' delivered ' || count(*) || ' times' as problem
from keyed
group by _batch_id, table_code, row_key, column_label
having count(*) > 1
""",
                protects="one value per table × row (territory) × column within a bulletin",
                resolve="a region is listed twice under two spellings (e.g. 'Алматы' and 'Алматы облысы'), or two "
                "columns got the same label: check the table in the file and the labelling in ingest/bns_bulletin.py",
            ),
        ),
        required_columns_check(
            [
                "report_year",
                "release_date",
                "table_code",
                "table_title",
                "table_kind",
                "unit_label",
                "row_label",
                "column_label",
                "cell_ref",
                "language",
            ],
            what="cell",
        ),
        allowed_values_check(
            "table_kind",
            ["region", "item"],
            protects="every table is recognised as a table by region or by line item",
            resolve="a new kind of table: extend ingest/bns_bulletin.py and stg_bns__bulletin_values",
        ),
        allowed_values_check(
            "language",
            ["kk", "ru"],
            protects="every table is read as Kazakh or Russian (territory names depend on it)",
            resolve="the language detection in ingest/bns_bulletin.py needs the new case",
        ),
        rows_check(
            CELLS + "select " + WHERE + ", cell_ref, cell_text, 'not a number, a BNS marker or a formula: ' || "
            "cell_text as problem from cells where status = 'reported' and value is null",
            protects="every cell holds a number or a BNS marker (-, …, х, 0,0)",
            resolve="a new marker or a typing error in the bulletin: add the marker to rules.bns_cell in dbt_project/dbt_project.yml, "
            "or ask BNS for a corrected file",
        ),
        rows_check(
            CELLS
            + """
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, report_year, release_date,
       'report year ' || coalesce(report_year, '?') || ', released ' || coalesce(release_date, '?') as problem
from cells
where report_year !~ '^(19|20)\\d\\d$' or release_date !~ '^\\d\\d\\d\\d-\\d\\d-\\d\\d$'
   or left(release_date, 4) < report_year
group by _batch_id, report_year, release_date
""",
            protects="the bulletin's report year is a year and its release date comes after it",
            resolve="the cover was misread: check the cover sheet ('Релиз шығарылымы: dd.mm.yyyy', '2022 жыл')",
        ),
        known_units_check(ctx),
        known_territory_names_check(ctx, "row_label", "language", rows=region_rows, what="row of a region table"),
        with_reference(
            ctx,
            ["territory_names", "territories", "units"],
            lambda: regions_add_up_check(
                before=CELLS
                + f"""
, levels as (
    select distinct names.language, {normalize_name_sql("names.name")} as territory, territories.level
    from reference.territory_names as names
    inner join reference.territories as territories on names.kato_code = territories.kato_code
),

additive as (
    select cells.*
    from cells
    where cells.table_kind = 'region'
      and not exists (
          select 1 from reference.units
          where units.dimension = 'ratio' and {normalize_name_sql("units.label")} = {normalize_name_sql("cells.unit_label")}
      )
)""",
                rows="additive inner join levels on levels.language = additive.language "
                "and levels.territory = additive.territory",
                level="levels.level",
                value="additive.value",
                group_by={
                    "_batch_id": "additive._batch_id",
                    "_source_file": "additive._source_file",
                    "_sheet": "additive._sheet",
                    "table_code": "additive.table_code",
                    "column_label": "additive.column_label",
                },
                cell="additive.cell_ref",
                counted="additive.status in ('reported', 'negligible')",
                gap=f"additive.status in {sql_list(hidden_statuses())}",
                aggregates={"is_money": "bool_or(additive.is_money)", "decimals": "max(additive.decimals)"},
                tolerance="0.5 * summed * power(10, -decimals)",
                gaps_bound_the_sum=True,
                label="'table ' || table_code || ', ' || column_label || ': '",
                protects="in every table by region the regions add up to the republic, within rounding (half a unit "
                "of the last digit per region; with a confidential or missing region, they may not exceed it)",
                resolve="a region's value or the republic's total was mistyped, or a row was read as the wrong "
                "region: compare the table with the bulletin on stat.gov.kz and ask BNS for a corrected file",
            ),
        ),
        revision_check(
            "bns_bulletin_cells",
            ["report_year", "table_code", "row_label", "column_label"],
            bns_value_sql("cell_text"),
            what="BNS bulletins",
        ),
    ]


SUITE = Suite(
    name="raw.bns_bulletin",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
