"""raw.nedb_school_years: NEDB (НОБД) school-level extracts, one row per school and academic year, as delivered.

Checks every loaded batch; the extracts of one academic year are one stream, so a re-delivered
year is compared with the earlier delivery. Grain: one row per BIN × academic year.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    known_kato_check,
    known_units_check,
    required_columns_check,
    rows_check,
    sql_array,
    sql_text,
    unique_key_check,
    volume_checks,
)
from expectations.rules import whole_number_sql, whole_numbers_check
from ingest.nedb import LANGUAGE, NUMERIC, OWNERSHIP, REQUIRED, SOURCE

#: plausible largest values for one school (a larger one is reported, not blocked)
PLAUSIBLE_MAX = {"pupils": 10_000, "teachers": 1_000, "design_capacity": 10_000, "buses_in_service": 100}
PUPILS = "pupils_grades_1_4::bigint + pupils_grades_5_9::bigint + pupils_grades_10_11::bigint"
YEAR_START = "make_date(left(academic_year, 4)::int, 9, 1)"  # the first school day of the year the row reports


def is_count(column: str) -> str:
    """The raw text is a whole number (the dbt macro whole_number, as reference.whole_number)."""
    return f"({whole_number_sql(column)} is not null)"


def build(ctx: GateContext) -> list[Check]:
    counts = " and ".join(is_count(c) for c in ("pupils_grades_1_4", "pupils_grades_5_9", "pupils_grades_10_11"))
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="schools"),
        unique_key_check(
            ["bin", "academic_year"],
            grain="school (BIN) × academic year",
            resolve="the extract repeats a school; the parser keeps the first row, so the raw table was changed "
            "by hand or by an older parser: withdraw the batch and load the file again",
        ),
        required_columns_check(list(REQUIRED), what="school row"),
        rows_check(
            f"""
select {WHERE}, bin, academic_year, ownership, language,
       concat_ws('; ',
           case when not lower(btrim(ownership)) = any({sql_array(OWNERSHIP)})
                then 'unknown ownership ' || ownership end,
           case when not lower(btrim(language)) = any({sql_array(LANGUAGE)})
                then 'unknown language of instruction ' || language end,
           case when shifts not in ('1', '2', '3') then 'shifts ' || shifts || ' (expected 1-3)' end,
           case when academic_year !~ '^\\d\\d\\d\\d/\\d\\d$' then 'academic year ' || academic_year end
       ) as problem
from batch_rows
where (ownership is not null and not lower(btrim(ownership)) = any({sql_array(OWNERSHIP)}))
   or (language is not null and not lower(btrim(language)) = any({sql_array(LANGUAGE)}))
   or shifts not in ('1', '2', '3')
   or academic_year !~ '^\\d\\d\\d\\d/\\d\\d$'
""",
            protects="ownership, language of instruction, shifts and academic year are values the warehouse knows",
            resolve="a new wording in the ministry's export: map it in ingest/nedb/layout.py (OWNERSHIP, LANGUAGE) and in "
            "the staging model",
        ),
        rows_check(
            f"""
select {WHERE}, bin, kato_code,
       concat_ws('; ', case when not (bin ~ '^\\d+$' and length(bin) = 12) then 'BIN ' || bin || ' is not 12 digits' end,
                 case when not (kato_code ~ '^\\d+$' and length(kato_code) = 9)
                      then 'KATO code ' || kato_code || ' is not 9 digits' end) as problem
from batch_rows
where not (bin ~ '^\\d+$' and length(bin) = 12) or not (kato_code ~ '^\\d+$' and length(kato_code) = 9)
""",
            protects="every school has a 12-digit BIN and a 9-digit KATO code",
            resolve="the file was saved from Excel with numbers instead of text (leading zeros lost); re-export it",
        ),
        *known_kato_check(ctx, "kato_code", as_of=f"case when academic_year ~ '^\\d\\d\\d\\d/' then {YEAR_START} end"),
        known_units_check(ctx, "meal_cost_unit", dimension="money"),
        whole_numbers_check(
            NUMERIC,
            locate="bin, academic_year",
            protects="pupils, teachers, places, shifts, buses and meal costs are non-negative whole numbers",
            resolve="a negative or text value in the ministry's export: find the school's row in the file and ask "
            "for a corrected extract",
        ),
        rows_check(
            f"""
select {WHERE}, bin, academic_year, pupils_grades_1_4, pupils_free_meals,
       'free-meal pupils ' || pupils_free_meals || ' exceed the ' || pupils_grades_1_4 || ' pupils of grades 1-4'
           as problem
from batch_rows
where case when {is_count("pupils_free_meals")} and {is_count("pupils_grades_1_4")}
           then pupils_free_meals::bigint > pupils_grades_1_4::bigint end
""",
            protects="no school feeds more primary pupils for free than it has (free meals are for grades 1-4)",
            resolve="the columns were swapped or mistyped in the export; ask the ministry for a corrected extract",
        ),
        rows_check(
            f"""
select {WHERE}, bin, academic_year,
       concat_ws('; ',
           case when {counts} and {PUPILS} > {PLAUSIBLE_MAX["pupils"]} then {PUPILS} || ' pupils' end,
           case when {is_count("teachers")} and teachers::bigint > {PLAUSIBLE_MAX["teachers"]}
                then teachers || ' teachers' end,
           case when {is_count("design_capacity")} and design_capacity::bigint > {PLAUSIBLE_MAX["design_capacity"]}
                then design_capacity || ' places' end,
           case when {is_count("buses_in_service")} and buses_in_service::bigint > {PLAUSIBLE_MAX["buses_in_service"]}
                then buses_in_service || ' buses' end
       ) || ' for one school' as problem
from batch_rows
where case when {counts} then {PUPILS} > {PLAUSIBLE_MAX["pupils"]} end
   or case when {is_count("teachers")} then teachers::bigint > {PLAUSIBLE_MAX["teachers"]} end
   or case when {is_count("design_capacity")} then design_capacity::bigint > {PLAUSIBLE_MAX["design_capacity"]} end
   or case when {is_count("buses_in_service")} then buses_in_service::bigint > {PLAUSIBLE_MAX["buses_in_service"]} end
""",
            protects=f"school sizes are plausible (at most {PLAUSIBLE_MAX['pupils']:,} pupils, "
            f"{PLAUSIBLE_MAX['teachers']:,} teachers, {PLAUSIBLE_MAX['design_capacity']:,} places, "
            f"{PLAUSIBLE_MAX['buses_in_service']} buses per school)",
            resolve="check the school's row in the export: a value typed twice (1 2001 for 1 200) or a district "
            "total in a school's row is the usual cause",
            severity="warning",
        ),
        rows_check(
            f"""
with streams (batch_id, year) as (values {", ".join(f"({b.batch_id}, {sql_text(b.stream.removeprefix('nedb '))})" for b in ctx.batches) or "(null::bigint, null::text)"})

select min(batch_rows._batch_id) as _batch_id, min(batch_rows._source_file) as _source_file,
       batch_rows.academic_year, streams.year as file_year, count(*) as rows,
       count(*) || ' rows of ' || batch_rows.academic_year || ' in the extract of ' || streams.year as problem
from batch_rows
inner join streams on batch_rows._batch_id = streams.batch_id
where streams.year ~ '^\\d\\d\\d\\d/\\d\\d$' and batch_rows.academic_year <> streams.year
group by batch_rows._batch_id, batch_rows.academic_year, streams.year
""",
            protects="an extract holds the academic year its file name says (staging keeps one delivery per year)",
            resolve="the ministry sent another year's rows inside the file; ask for separate extracts per year",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="raw.nedb",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
