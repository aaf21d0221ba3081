"""Content hashes of a schema's tables: what the gate vouches for and what publishing compares.

Foundation, so that the gate (which records the hash it checked) and the publisher (which refuses
a candidate whose hash moved since) read one definition without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
from psycopg import sql


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (a landed file, a synthetic drop's file, a release file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def schema_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE' "
            "order by table_name",
            (schema,),
        ).fetchall()
    ]


def table_hash(conn: psycopg.Connection, schema: str, table: str) -> tuple[str, int]:
    """Order-independent hash of a table's content, and its row count."""
    query = sql.SQL(
        "select coalesce(md5(string_agg(h, '' order by h)), md5('')), count(*) "
        "from (select md5(t::text) as h from {}.{} as t) as hashed"
    ).format(sql.Identifier(schema), sql.Identifier(table))
    digest, rows = conn.execute(query).fetchone()
    return digest, rows


def content_hashes(conn: psycopg.Connection, schema: str) -> tuple[dict[str, str], dict[str, int], str]:
    hashes, counts = {}, {}
    for table in schema_tables(conn, schema):
        hashes[table], counts[table] = table_hash(conn, schema, table)
    return hashes, counts, overall_hash(hashes)


def overall_hash(hashes: dict[str, str]) -> str:
    """One hash of a set of tables from their content hashes (a release's ``content_hash``)."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
