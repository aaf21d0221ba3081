"""raw.comfortable_school_reports: Comfortable School (Жайлы мектеп) status reports as delivered.

Checks every loaded batch (staging rebuilds each project's status history from all reports);
successive reports of one publisher are one stream, so a new report listing fewer projects than
the one before is caught. Growth is normal (projects are added) and not reported. Grain: one row
per project × status date within a report.
"""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import (
    WHERE,
    known_kato_check,
    required_columns_check,
    rows_check,
    rule_sql,
    sql_array,
    unique_key_check,
    volume_checks,
)
from expectations.rules import whole_number_sql, whole_numbers_check
from ingest.comfortable_school import FUNDING, SOURCE, STATUSES

MAX_PLACES = 5_000  # a larger school is reported, not blocked
#: the places as staging reads them: spaces (thousands separators) removed
PLACES = "regexp_replace(places, '[\\s\\u00a0]', '', 'g')"


def normalized(column: str) -> str:
    """Twin of ingest.comfortable_school.normalize: spaces collapsed, ё → е, lower case."""
    return f"lower(btrim(regexp_replace(replace(replace({column}, 'ё', 'е'), 'Ё', 'Е'), '\\s+', ' ', 'g')))"


def date_sql(column: str) -> str:
    """The ``comfortable_school_date`` macro (Excel date, dd.mm.yyyy (г.), or an Excel serial day), as the
    function dbt creates."""
    return rule_sql("comfortable_school_date", column)


def build(ctx: GateContext) -> list[Check]:
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, max_growth=None, unit="project rows"),
        unique_key_check(
            ["project_id", "status_date"],
            grain="project × status date",
            resolve="the report lists a project's status twice for one date; the parser quarantines such rows, "
            "so the raw table was changed by hand or by an older parser: withdraw the batch and load it again",
        ),
        required_columns_check(
            [
                "project_id",
                "name_ru",
                "kato_code",
                "places",
                "funding_source",
                "status",
                "status_date",
                "report_date",
                "report_source",
            ],
            what="project row",
        ),
        rows_check(
            f"""
select {WHERE}, project_id, status, funding_source,
       concat_ws('; ',
           case when not {normalized("status")} = any({sql_array(STATUSES)}) then 'unknown status ' || status end,
           case when not {normalized("funding_source")} = any({sql_array(FUNDING)})
                then 'unknown funding source ' || funding_source end) as problem
from batch_rows
where (status is not null and not {normalized("status")} = any({sql_array(STATUSES)}))
   or (funding_source is not null and not {normalized("funding_source")} = any({sql_array(FUNDING)}))
""",
            protects="every status (planned, under construction, finished, delayed) and funding source is recognised",
            resolve="a new wording in the reports: add it to ingest/comfortable_school.py (STATUSES, FUNDING) and "
            "macros/comfortable_school.sql",
        ),
        *known_kato_check(ctx, "kato_code"),
        whole_numbers_check(
            {"places": PLACES},
            locate="project_id",
            positive=True,
            protects="every project builds a positive whole number of places",
            resolve="a negative, empty or text value in the report: ask the operator or akimat for a corrected report",
        ),
        rows_check(
            f"""
select {WHERE}, project_id, places, places || ' places for one school' as problem
from batch_rows
where {whole_number_sql(PLACES)} > {MAX_PLACES}
""",
            protects=f"project sizes are plausible (at most {MAX_PLACES:,} places per school)",
            resolve="check the project's row: a total of several projects or a typing error is the usual cause",
            severity="warning",
        ),
        rows_check(
            f"""
with dated as (
    select {WHERE}, project_id, status_date, report_date, target_year,
           {date_sql("status_date")} as status_day, {date_sql("report_date")} as report_day
    from batch_rows
)

select {WHERE}, project_id, status_date, report_date, target_year,
       concat_ws('; ',
           case when status_day is null then 'status date ' || status_date || ' is not a date' end,
           case when report_day is null then 'report date ' || report_date || ' is not a date' end,
           case when status_day > report_day then 'status date ' || status_day || ' after the report date ' || report_day end,
           case when target_year !~ '^20\\d\\d$' then 'planned year ' || target_year || ' is not a year' end
       ) as problem
from dated
where status_day is null or report_day is null or status_day > report_day
   or (target_year is not null and target_year !~ '^20\\d\\d$')
""",
            protects="status and report dates are dates, no status is dated after its report, planned years are years",
            resolve="a date typed as text or a future status in the report: ask for a corrected report",
        ),
        rows_check(
            """
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, project_id,
       string_agg(distinct kato_code, ', ') as kato_codes,
       'project ' || project_id || ' is placed in ' || count(distinct kato_code) || ' territories: '
           || string_agg(distinct kato_code, ', ') as problem
from batch_rows
group by project_id
having count(distinct kato_code) > 1
""",
            protects="a project keeps its territory from report to report (a project id means one school)",
            resolve="two reports use the same project id for different schools, or one territory was mistyped: "
            "check the reports and ask the operator which is right",
            severity="warning",
        ),
    ]


SUITE = Suite(
    name="raw.comfortable_school",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
