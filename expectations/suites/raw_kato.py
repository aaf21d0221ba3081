"""raw.kato_rows: the KATO classifier (BNS) as delivered, as of the date in its file name.

Checks every loaded batch; successive classifier dates of the same extract (the full classifier,
or one derived subset) are one stream, so a new date's volume is compared with the previous one.
Grain: one row per classifier row (its KATO code, its file id).
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
from ingest.kato import LAYOUTS, SOURCE


def nine_digits(column: str) -> str:
    return f"({column} ~ '^\\d+$' and length({column}) = 9)"


#: the part of a code its children share (twin of ingest.kato.code_prefix)
PREFIX = """case
    when substr({0}, 3) = '0000000' then left({0}, 2)
    when substr({0}, 5) = '00000' then left({0}, 4)
    else left({0}, 6)
end"""


def build(ctx: GateContext) -> list[Check]:
    return [
        *volume_checks(ctx, max_drop=SOURCE.max_volume_drop, unit="codes"),
        unique_key_check(
            ["kato_code"],
            grain="KATO code",
            resolve="a code given to two rows: the parser quarantines such rows, so the raw table was changed by "
            "hand or by an older parser; withdraw the batch and load the file again",
        ),
        unique_key_check(
            ["src_id"],
            grain="classifier row id",
            resolve="two rows share an id; withdraw the batch and load the file again",
        ),
        required_columns_check(
            ["src_id", "src_parent_id", "kato_code", "name_ru", "classifier_date", "file_layout", "encoding"],
            what="classifier row",
        ),
        allowed_values_check(
            "file_layout",
            sorted(set(LAYOUTS.values())),
            protects="every classifier file is in a layout the warehouse knows",
            resolve="a new layout: extend ingest/kato.py (LAYOUTS)",
        ),
        rows_check(
            f"""
select {WHERE}, kato_code, parent_kato_code,
       'not a 9-digit code: ' || coalesce(kato_code, '(none)') || ' (parent ' || coalesce(parent_kato_code, '-') || ')'
           as problem
from batch_rows
where not {nine_digits("kato_code")}
   or (parent_kato_code is not null and not {nine_digits("parent_kato_code")})
""",
            protects="every KATO code is 9 digits (AB-CD-EF-HIJ)",
            resolve="the file lost leading zeros or was saved from Excel as numbers; re-export it as text",
        ),
        rows_check(
            f"""
select child._batch_id, child._source_file, child._sheet, child._row_number, child.kato_code, child.parent_kato_code,
       case when parent.kato_code is null then 'the parent ' || child.parent_kato_code || ' is not in the classifier'
            else 'the code ' || child.kato_code || ' does not sit under its parent ' || child.parent_kato_code
       end as problem
from batch_rows as child
left join batch_rows as parent
    on parent._batch_id = child._batch_id and parent.kato_code = child.parent_kato_code
where child.parent_kato_code is not null
  and (parent.kato_code is null
       or ({nine_digits("child.parent_kato_code")}
           and left(child.kato_code, length({PREFIX.format("child.parent_kato_code")}))
               <> {PREFIX.format("child.parent_kato_code")}))
""",
            protects="the hierarchy holds: every parent is in the same classifier and its children's codes start "
            "with the parent's segments",
            resolve="a truncated file (parents missing) or mixed classifier versions; load the complete classifier",
        ),
        rows_check(
            """
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, classifier_date,
       'classifier date ' || coalesce(classifier_date, '(none)') || ' is not a date up to today' as problem
from batch_rows
where classifier_date !~ '^\\d\\d\\d\\d-\\d\\d-\\d\\d$' or classifier_date > to_char(current_date, 'YYYY-MM-DD')
group by _batch_id, classifier_date
""",
            protects="every classifier says the date it is valid from, and it is not in the future",
            resolve="rename the file with the classifier's date, e.g. kato_2022-10-17_full_ru.csv, and load it again",
        ),
        with_reference(
            ctx,
            ["territories"],
            lambda: rows_check(
                """
with files as (
    select _batch_id, min(_source_file) as _source_file, min(classifier_date)::date as classifier_date,
           array_agg(distinct left(kato_code, 2)) as regions
    from batch_rows
    where classifier_date ~ '^\\d\\d\\d\\d-\\d\\d-\\d\\d$'
    group by _batch_id
)

select files._batch_id, files._source_file, territories.kato_code, territories.name_en, territories.level,
       files.classifier_date,
       territories.name_en || ' (' || territories.kato_code || ') is missing from the classifier of '
           || files.classifier_date as problem
from files
inner join reference.territories as territories
    on territories.level <> 'republic'
    and territories.valid_from <= files.classifier_date
    and (territories.valid_to is null or territories.valid_to >= files.classifier_date)
    and left(territories.kato_code, 2) = any(files.regions)
where not exists (
    select 1 from batch_rows
    where batch_rows._batch_id = files._batch_id and batch_rows.kato_code = territories.kato_code
)
""",
                protects="every territory of seeds/territories.csv valid on the classifier's date is in it (for the "
                "regions the file covers): Almaty city and its 8 districts, Almaty oblast and its 10 units, Zhetysu",
                resolve="if the classifier changed (a new or renamed district), update seeds/territories.csv and "
                "territory_changes.csv with validity dates; if rows are missing, load the complete file",
            ),
        ),
    ]


SUITE = Suite(
    name="raw.kato",
    table=SOURCE.raw_table.name,
    layer="raw",
    build=build,
    description=__doc__,
    source=SOURCE.name,
)
