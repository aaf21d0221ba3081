"""raw.egov_records: data.egov.kz register records (schools, kindergartens) as the API delivered them.

Checks every loaded batch: each is one page of an incremental extraction, and staging keeps each
record's newest version from all of them. A page fetched again is compared with its earlier
delivery. Grain: one row per dataset × record id within a page.
"""

from __future__ import annotations

from datetime import date

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    allowed_values_check,
    known_territory_names_check,
    required_columns_check,
    rows_check,
    unique_key_check,
    volume_checks,
)
from expectations.rules import whole_number_sql, whole_numbers_check
from ingest.egov import SOURCE
from ingest.egov.datasets import DATASETS

#: Kazakhstan's bounding box (degrees): a school outside it has swapped or mistyped coordinates
LATITUDE = (40.5, 55.5)
LONGITUDE = (46.5, 87.5)
PLAUSIBLE_MAX = {"student_co": 10_000, "sdu_load_i": 10_000, "children_c": 2_000, "places_cou": 2_000}
COUNT_FIELDS = ("student_co", "sdu_load_i", "children_c", "places_cou")


def field(name: str) -> str:
    return f"btrim(record ->> '{name}')"


def build(ctx: GateContext) -> list[Check]:
    too_large = " or ".join(f"{whole_number_sql(field(f))} > {limit}" for f, limit in PLAUSIBLE_MAX.items())
    number = "'^-?\\d+(\\.\\d+)?$'"
    large_counts = ", ".join(
        f"case when {whole_number_sql(field(f))} > {limit} then '{f}=' || {field(f)} end"
        for f, limit in PLAUSIBLE_MAX.items()
    )
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="records"),
        unique_key_check(
            ["dataset", "record_id"],
            grain="dataset × record id",
            resolve="a page repeats a record; the parser refuses such pages, so the raw table was changed by hand "
            "or by an older parser: withdraw the batch and fetch the page again",
        ),
        required_columns_check(["dataset", "dataset_version", "record_id", "modified", "record"], what="record"),
        allowed_values_check(
            "dataset",
            [d.dataset for d in DATASETS],
            protects="every record comes from a register the warehouse reads (ingest/egov/datasets.py)",
            resolve="a page of another dataset was landed in landing/egov; remove it, or add the dataset to DATASETS",
        ),
        rows_check(
            f"""
select {WHERE}, dataset, record_id, modified, 'modified ' || modified || ' is not a timestamp' as problem
from batch_rows
where modified !~ '^\\d\\d\\d\\d-\\d\\d-\\d\\d([T ]\\d\\d:\\d\\d(:\\d\\d)?)?'
""",
            protects="every record says when the publisher last changed it (the incremental cursor depends on it)",
            resolve="the publisher changed its date format: adapt ingest/egov/client.py's cursor and the staging cast",
        ),
        known_territory_names_check(
            ctx,
            "btrim(record ->> 'region_nam')",
            "'ru'",
            rows="(select * from batch_rows where record ? 'region_nam') as with_region",
            what="region (region_nam)",
        ),
        known_territory_names_check(
            ctx,
            "btrim(record ->> 'district_n')",
            "'ru'",
            rows="(select * from batch_rows where record ? 'district_n') as with_district",
            what="district (district_n)",
            severity="warning",
        ),
        whole_numbers_check(
            {f: field(f) for f in COUNT_FIELDS},
            locate="dataset, record_id",
            protects="pupils, places and children are non-negative whole numbers",
            resolve="the register holds a negative or text value for this record: report it to the publisher "
            "(data.egov.kz) and check the staging cast",
        ),
        rows_check(
            f"""
select {WHERE}, dataset, record_id, record ->> 'name_ru' as name_ru,
       concat_ws(', ', {large_counts})
           || ' for one organisation' as problem
from batch_rows
where {too_large}
""",
            protects=f"organisation sizes are plausible (at most {PLAUSIBLE_MAX['student_co']:,} pupils or places per "
            f"school, {PLAUSIBLE_MAX['children_c']:,} per kindergarten)",
            resolve="check the record on data.egov.kz; a value typed with an extra digit is the usual cause",
            severity="warning",
        ),
        rows_check(
            f"""
select {WHERE}, dataset, record_id, record ->> 'lat' as lat, record ->> 'long' as long,
       record ->> 'establish_' as established,
       concat_ws('; ',
           case when not (case when {field("lat")} ~ {number} and {field("long")} ~ {number}
                               then {field("lat")}::numeric between {LATITUDE[0]} and {LATITUDE[1]}
                                    and {field("long")}::numeric between {LONGITUDE[0]} and {LONGITUDE[1]}
                               else false end)
                then 'coordinates ' || coalesce({field("lat")}, '?') || ', ' || coalesce({field("long")}, '?')
                     || ' are outside Kazakhstan' end,
           case when not (case when {field("establish_")} ~ '^\\d\\d\\d\\d$'
                               then {field("establish_")}::int between 1850 and {date.today().year} else false end)
                then 'established ' || {field("establish_")} end) as problem
from batch_rows
where ((record ? 'lat' or record ? 'long')
       and not (case when {field("lat")} ~ {number} and {field("long")} ~ {number}
                     then {field("lat")}::numeric between {LATITUDE[0]} and {LATITUDE[1]}
                          and {field("long")}::numeric between {LONGITUDE[0]} and {LONGITUDE[1]}
                     else false end))
   or (record ? 'establish_' and not (case when {field("establish_")} ~ '^\\d\\d\\d\\d$'
                                          then {field("establish_")}::int between 1850 and {date.today().year}
                                          else false end))
""",
            protects="coordinates lie in Kazakhstan and founding years are between 1850 and this year",
            resolve="swapped latitude/longitude or a mistyped year in the register: report it to the publisher",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="raw.egov",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
