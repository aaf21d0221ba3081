"""raw.minfin_budget_execution_rows: the Ministry of Finance bulletin (execution of local budgets) as delivered.

Checks every loaded delivery. Each delivery is a file of editions (one row per edition month, region
and item, million tenge cumulative from January); a later delivery may repeat and revise earlier
months, so deliveries are not one stream and their sizes are not compared. Grain: one row per
edition month × region × item within a delivery.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    allowed_values_check,
    required_columns_check,
    rows_check,
    unique_key_check,
    volume_checks,
    with_reference,
)
from ingest.minfin import SOURCE

#: a revision of a month by more than this share of its earlier figure is reported
REVISION_SHARE = 0.01
NUMBER = "'^-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?$'"


def build(ctx: GateContext) -> list[Check]:
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, max_growth=None, unit="figures"),
        unique_key_check(
            ["date", "region", "item_code"],
            grain="edition month × region × item",
            resolve="the delivery gives one month twice; the parser quarantines such rows, so the raw table was "
            "changed by hand or by an older parser: withdraw the batch and load it again",
        ),
        required_columns_check(["date", "region", "item_code", "value", "transformation"], what="bulletin figure"),
        allowed_values_check(
            "transformation",
            ["level"],
            protects="every figure is a level (million tenge, cumulative from January), not a growth rate",
            resolve="the delivery mixes transformations; ask for the level series (ingest/minfin.py refuses others)",
        ),
        rows_check(
            f"""
select {WHERE}, date, region, item_code, value,
       concat_ws('; ',
           case when date !~ '^\\d\\d\\d\\d-\\d\\d-01$' then 'date ' || date || ' is not the first day of a month' end,
           case when value !~ {NUMBER} then 'value ' || value || ' is not a number' end) as problem
from batch_rows
where date !~ '^\\d\\d\\d\\d-\\d\\d-01$' or value !~ {NUMBER}
""",
            protects="every figure has an edition month and a numeric value",
            resolve="a malformed row reached raw past the parser: withdraw the batch and load the file again",
        ),
        with_reference(
            ctx,
            ["minfin_regions"],
            lambda: rows_check(
                """
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, region, min(date) as first_edition,
       'region ' || region || ' (editions from ' || min(date) || ') has no KATO code and borders in '
           || 'seeds/minfin_regions.csv: its figures stay out of the marts' as problem
from batch_rows
where not exists (
    select 1 from reference.minfin_regions as regions
    where regions.region_code = batch_rows.region
      and batch_rows.date::date between regions.first_edition and coalesce(regions.last_edition, 'infinity'::date)
)
group by region
""",
                protects="every region of the bulletin is mapped to a territory and its borders",
                resolve="add the region (its KATO code, borders and first edition) to "
                "dbt_project/seeds/minfin_regions.csv",
                severity="warning",
            ),
        ),
        with_reference(
            ctx,
            ["minfin_regions"],
            lambda: rows_check(
                f"""
with figures as (
    select {WHERE}, date, region, item_code, value::numeric as value,
           lag(value::numeric) over months as previous_value,
           lag(date) over months as previous_date,
           (select regions.borders from reference.minfin_regions as regions
            where regions.region_code = batch_rows.region
              and batch_rows.date::date between regions.first_edition
                  and coalesce(regions.last_edition, 'infinity'::date)) as borders
    from batch_rows
    where value ~ {NUMBER} and date ~ '^\\d\\d\\d\\d-\\d\\d-01$'
    window months as (partition by _batch_id, region, item_code, left(date, 4) order by date)
),

compared as (
    select figures.*, lag(borders) over months as previous_borders
    from figures
    window months as (partition by _batch_id, region, item_code, left(date, 4) order by date)
)

select {WHERE}, date, region, item_code, value, previous_date, previous_value,
       'cumulative figure falls from ' || previous_value || ' (' || previous_date || ') to ' || value as problem
from compared
where value < previous_value and borders is not distinct from previous_borders
""",
                protects="a cumulative figure does not fall within a year on the same borders",
                resolve="a transcription error or a revision in the bulletin: compare with the bulletin and ask the "
                "publisher; if the borders changed, add the new borders to dbt_project/seeds/minfin_regions.csv",
                severity="warning",
            ),
        ),
        rows_check(
            f"""
with ordered as (
    select {WHERE}, date, region, item_code, value::numeric as value,
           lag(value::numeric) over deliveries as previous_value,
           lag(_source_file) over deliveries as previous_file
    from batch_rows
    where value ~ {NUMBER}
    window deliveries as (partition by date, region, item_code order by _batch_id)
)

select {WHERE}, date, region, item_code, previous_file, previous_value, value,
       'revised from ' || previous_value || ' (' || previous_file || ') to ' || value as problem
from ordered
where previous_value is not null
  and abs(value - previous_value) > {REVISION_SHARE} * abs(previous_value)
""",
            protects=f"revisions of earlier months by more than {REVISION_SHARE:.0%} are reported",
            resolve="the newest delivery wins in the marts; check the revision against the bulletin "
            "(intermediate.int_minfin_figures_revised lists every revision)",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="raw.minfin",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
