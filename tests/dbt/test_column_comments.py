"""Every column of every marts table and of the next release (``candidate``, what the swap moves into
``published``) carries its definition as a PostgreSQL comment (dbt ``persist_docs``), so an analyst
reading the warehouse in a BI tool or psql sees what each column means."""

from __future__ import annotations

import json

UNCOMMENTED = """
select n.nspname || '.' || c.relname || coalesce('.' || a.attname, '')
from pg_class as c
join pg_namespace as n on n.oid = c.relnamespace
left join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')
  and (
    (a.attname is null and coalesce(btrim(obj_description(c.oid, 'pg_class')), '') = '')
    or (a.attname is not null and coalesce(btrim(col_description(c.oid, a.attnum)), '') = '')
  )
order by 1
"""


def uncommented(conn, schemas: list[str]) -> list[str]:
    """Tables without a comment and columns without one, in ``schemas``."""
    return [row[0] for row in conn.execute(UNCOMMENTED, (schemas,)).fetchall()]


def test_every_marts_and_candidate_column_has_a_comment(marts, dbt_manifest):
    tables = marts.execute(
        "select table_schema, count(*) from information_schema.tables "
        "where table_schema in ('marts', 'candidate') group by 1 order by 1"
    ).fetchall()
    assert dict(tables).keys() == {"candidate", "marts"} and min(n for _, n in tables) >= 10
    assert uncommented(marts, ["marts", "candidate"]) == []
    # the comment is the column's definition in the dbt project
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    node = manifest["nodes"]["model.edu_wh.fct_school_capacity"]
    comment = marts.execute(
        "select col_description('marts.fct_school_capacity'::regclass, "
        "(select attnum from pg_attribute where attrelid = 'marts.fct_school_capacity'::regclass "
        "and attname = 'place_deficit'))"
    ).fetchone()[0]
    assert comment.strip() == node["columns"]["place_deficit"]["description"].strip()
