"""raw.bns_cells: any BNS publication (dynamic table or bulletin) read by the generic reader, as delivered.

Checks every loaded batch; each file is its own stream. Grain: one row per sheet cell. The checks
protect structure, keys, ranges and parts adding up to totals; they hold no figure of any file: a
revised value of a past period (BNS revises) is reported as a warning with the rows, never refused.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    allowed_values_check,
    known_kato_check,
    required_columns_check,
    rows_check,
    sql_list,
    unique_key_check,
    volume_checks,
    with_reference,
)
from expectations.rules import regions_add_up_check
from ingest.bns.reader import SOURCE
from ingest.bns.values import cell_rules, hidden_statuses

#: a value that moved by more than this share against the previous delivery of the same cell is reported
REVISION_TOLERANCE = 0.001
PERIOD_KINDS = ["year", "academic_year", "quarter", "half_year", "cumulative", "month", "date"]
#: units whose values of the regions add up to the republic
ADDITIVE_UNITS = ["count", "persons", "kzt", "tonnes", "places"]


def revision_check(table: str, key: list[str], value: str, *, what: str) -> Check:
    """Warning: a value of this delivery differs from the previous loaded delivery of the same key (a BNS
    revision of a past period, or a different table under the same title) by more than the tolerance.
    ``value`` is a SQL expression over the raw columns giving a number (or null)."""
    keys = ", ".join(key)
    on = " and ".join(f"ordered.{k} is not distinct from batch_rows.{k}" for k in key)
    return rows_check(
        f"""
with history as (
    select {keys}, _batch_id, ({value}) as number
    from raw.{table}
    where _batch_id in (select batch_id from meta.load_batches where status in ('loaded', 'superseded'))
),

ordered as (
    select
        {keys}, _batch_id, number,
        lag(number) over by_key as old_value,
        lag(_batch_id) over by_key as old_batch_id
    from history
    window by_key as (partition by {keys} order by _batch_id)
)

select batch_rows._batch_id, batch_rows._source_file, batch_rows._sheet, batch_rows._row_number,
       {", ".join(f"batch_rows.{k}" for k in key)}, ordered.old_value, ordered.number as new_value,
       ordered.old_batch_id,
       'revised: ' || ordered.old_value || ' in batch ' || ordered.old_batch_id || ', now ' || ordered.number
           as problem
from batch_rows
inner join ordered on ordered._batch_id = batch_rows._batch_id and {on}
where ordered.old_value is not null and ordered.number is not null
  and abs(ordered.number - ordered.old_value) > {REVISION_TOLERANCE} * abs(ordered.old_value)
""",
        protects=f"{what}: values of past periods are what the previous delivery said, within "
        f"{REVISION_TOLERANCE:.1%} (a BNS revision is reported, not refused)",
        resolve="a revision by BNS is normal: confirm it on stat.gov.kz; the release then carries the revised "
        "value and CHANGES.md says so. If the file is not a revision, withdraw the batch",
        severity="warning",
    )


def build(ctx: GateContext) -> list[Check]:
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="cells"),
        unique_key_check(
            ["_sheet", "cell_ref"],
            grain="sheet cell",
            resolve="the same cell was delivered twice in one batch: a reader bug; withdraw the batch and load the "
            "file again",
        ),
        required_columns_check(["table_title", "row_label", "territory_label", "cell_text", "cell_ref"], what="cell"),
        rows_check(
            f"select {WHERE}, cell_ref, cell_text, 'neither a number nor a BNS marker: ' || cell_text as problem "
            "from batch_rows where (marker is null or marker = 'negligible') "
            "and (value is null or value !~ '^-?[0-9]+([.][0-9]+)?$')",
            protects="every cell holds a number or a BNS marker (-, …, х, 0,0) or a formula",
            resolve="a new marker or a typing error in the BNS file: add the marker to rules.bns_cell in dbt_project/dbt_project.yml, "
            "or ask BNS for a corrected file",
        ),
        allowed_values_check(
            "marker",
            [*cell_rules()["markers"], "formula"],
            protects="markers are the BNS legend's",
            resolve="a new marker needs a meaning: add it to rules.bns_cell in dbt_project/dbt_project.yml",
        ),
        allowed_values_check(
            "period_kind",
            PERIOD_KINDS,
            protects="every period is a year, academic year, quarter, half-year, cumulative span, month or date",
            resolve="a new period form: add it to ingest/bns/periods.py",
        ),
        rows_check(
            f"select {WHERE}, cell_ref, period_label, period_start, period_end, "
            "'period ends before it starts or lies outside 1990-2100: ' || period_label as problem from batch_rows "
            "where period_start is not null and (period_end::date < period_start::date "
            "or period_start::date < date '1990-01-01' or period_end::date > date '2100-12-31')",
            protects="normalised periods are real spans between 1990 and 2100",
            resolve="the header was misread: check the file's period labels against ingest/bns/periods.py",
        ),
        *known_kato_check(ctx, severity="warning"),
        rows_check(
            f"select {WHERE}, cell_ref, territory_label, value, 'negative ' || unit_code || ': ' || cell_text "
            "as problem from batch_rows where unit_code in ('count', 'persons', 'places', 'tonnes') "
            "and value ~ '^-'",
            protects="counts of things and people are not negative",
            resolve="find the cell in the BNS file; a misplaced minus sign is the usual cause",
        ),
        with_reference(ctx, ["territories"], parts_check),
        revision_check(
            "bns_cells",
            ["table_title", "block_path", "column_label", "kato_code", "period_label", "unit_label"],
            "case when value ~ '^-?[0-9]+([.][0-9]+)?$' then value::numeric end",
            what="BNS cells",
        ),
    ]


def parts_check() -> Check:
    units = ", ".join(f"'{u}'" for u in ADDITIVE_UNITS)
    return regions_add_up_check(
        before="with levels as (\n    select distinct kato_code, level from reference.territories\n)",
        rows=f"batch_rows as b inner join levels on b.kato_code = levels.kato_code where b.unit_code in ({units})",
        level="levels.level",
        value="b.value::numeric",
        group_by={
            "_batch_id": "b._batch_id",
            "_source_file": "b._source_file",
            "_sheet": "b._sheet",
            "table_title": "b.table_title",
            "block_path": "b.block_path",
            "column_label": "b.column_label",
            "period_label": "b.period_label",
        },
        cell="b.cell_ref",
        count_of="distinct b.kato_code",
        counted="b.value is not null",
        gap=f"b.marker in {sql_list(hidden_statuses())}",
        aggregates={"decimals": "max(length(substring(b.value from '[.]([0-9]+)$')))"},
        min_regions=14,
        tolerance="greatest(0.5 * summed * power(10, -coalesce(decimals, 0)), 0.001 * republic)",
        protects="the regions add up to the republic for every table, block, column and period (where none is "
        "missing; a tenth of a percent of rounding allowed)",
        resolve="a region's value or the republic's total was mistyped, or a region is listed twice (an old and "
        "a new name); compare with the BNS site",
        severity="warning",
    )


SUITE = Suite(
    name="raw.bns",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
