"""Create the warehouse's schemas, roles, grants and bookkeeping tables (idempotent).

Schemas, in the order data flows through them:

========================  ==================================================  =================
schema                    holds                                               written by
========================  ==================================================  =================
``raw``                   publishers' data as delivered (text), batch ids     loader
``meta``                  batches, cursors, gate results, releases            loader, transformer
``reference``             dbt seeds: crosswalks, registries, targets          transformer (dbt)
``staging``               typed, de-duplicated views of raw                   transformer (dbt)
``intermediate``          joins and re-basing                                 transformer (dbt)
``marts``                 facts and dimensions (some incremental)             transformer (dbt)
``candidate``             the next release, built and checked here            transformer (dbt)
``published``             the current release: what ministry staff read       transformer (swap)
``archive_r<N>``          previous releases, kept for rollback                transformer (swap)
========================  ==================================================  =================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import psycopg
from psycopg import sql

ROLE_NAMES = {
    "loader": "edu_wh_loader",
    "transformer": "edu_wh_transformer",
    "analyst": "edu_wh_analyst",
    "ministry_reader": "edu_wh_ministry_reader",
}

TRANSFORMER_SCHEMAS = ("reference", "staging", "intermediate", "marts", "candidate", "published")

META_DDL = """
create table if not exists meta.load_batches (
    batch_id          bigint generated always as identity primary key,
    source            text not null,
    source_file       text not null,
    file_sha256       text not null,
    file_bytes        bigint,
    status            text not null check (status in ('loading', 'loaded', 'rejected', 'failed', 'abandoned', 'superseded',
                                                      'withdrawn')),
    rows_loaded       bigint,
    rows_quarantined  bigint,
    is_synthetic      boolean not null default false,
    publisher         text,
    period            text,
    stream_key        text,
    notes             text,
    started_at        timestamptz not null default clock_timestamp(),
    finished_at       timestamptz,
    duration_seconds  numeric generated always as (extract(epoch from finished_at - started_at)) stored,
    error             text,
    loaded_by         text not null default session_user,
    run_id            text
);
create unique index if not exists load_batches_one_loaded_per_file
    on meta.load_batches (source, file_sha256) where status = 'loaded';
create index if not exists load_batches_source_idx on meta.load_batches (source, batch_id);

comment on table meta.load_batches is
    'One row per attempt to load one delivered file (or API extract) into raw. Grain: batch_id.';

create table if not exists meta.api_cursors (
    source        text not null,
    dataset       text not null,
    cursor_value  text,
    page_offset   bigint not null default 0,
    batch_id      bigint references meta.load_batches (batch_id),
    updated_at    timestamptz not null default clock_timestamp(),
    primary key (source, dataset)
);

create table if not exists meta.gate_runs (
    gate_run_id     bigint generated always as identity primary key,
    started_at      timestamptz not null default clock_timestamp(),
    finished_at     timestamptz,
    target_schema   text not null,
    success         boolean,
    critical_failed int,
    warnings_failed int,
    expectations    int,
    report_path     text,
    report_markdown text,
    run_id          text
);

create table if not exists meta.gate_results (
    gate_run_id     bigint not null references meta.gate_runs (gate_run_id),
    suite           text not null,
    dataset         text not null,
    expectation     text not null,
    kwargs          jsonb,
    severity        text not null check (severity in ('critical', 'warning')),
    success         boolean not null,
    observed        jsonb,
    protects        text,
    how_to_resolve  text
);

create table if not exists meta.releases (
    release_id        bigint generated always as identity primary key,
    status            text not null check (status in ('current', 'archived', 'rolled_back', 'dropped')),
    schema_name       text not null,
    created_at        timestamptz not null default clock_timestamp(),
    published_at      timestamptz,
    git_commit        text,
    dbt_project_hash  text,
    content_hash      text not null,
    table_hashes      jsonb not null,
    row_counts        jsonb not null,
    input_batches     jsonb not null,
    gate_run_id       bigint references meta.gate_runs (gate_run_id),
    gate_summary      jsonb,
    published_by      text not null default session_user,
    run_id            text,
    previous_release  bigint,
    notes             text
);
create unique index if not exists releases_one_current on meta.releases ((true)) where status = 'current';

create table if not exists meta.pipeline_lock (
    lock_name    text primary key,
    holder       text,
    acquired_at  timestamptz
);

create table if not exists meta.events (
    event_id    bigint generated always as identity primary key,
    at          timestamptz not null default clock_timestamp(),
    kind        text not null,
    message     text not null,
    details     jsonb,
    run_id      text
);
"""

RAW_COMMON_DDL = """
create table if not exists raw.quarantine (
    batch_id     bigint not null references meta.load_batches (batch_id),
    source       text not null,
    source_file  text not null,
    sheet        text,
    row_number   bigint,
    reason       text not null,
    record       jsonb not null,
    quarantined_at timestamptz not null default clock_timestamp()
);
create index if not exists quarantine_batch_idx on raw.quarantine (batch_id);
comment on table raw.quarantine is
    'Rows that a loader refused, with the file, row and reason. They never reach staging.';
"""


ANALYZE_RAW_FUNCTION = """
create or replace function meta.analyze_raw_table(table_name text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $fn$
begin
    if not exists (select 1 from pg_catalog.pg_tables where schemaname = 'raw' and tablename = table_name) then
        raise exception 'not a table of schema raw: %', table_name;
    end if;
    execute format('analyze raw.%I', table_name);
end
$fn$
"""


def _exec(conn: psycopg.Connection, statement: str | sql.Composable) -> None:
    conn.execute(statement)  # type: ignore[arg-type]


def ensure_roles(conn: psycopg.Connection) -> None:
    for role in ROLE_NAMES.values():
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        if not exists:
            _exec(conn, sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    # The bootstrap user may act as every role (SET ROLE) without being a superuser.
    me = conn.execute("select current_user").fetchone()[0]
    is_super = conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]
    if not is_super:
        for role in ROLE_NAMES.values():
            _exec(conn, sql.SQL("grant {} to {}").format(sql.Identifier(role), sql.Identifier(me)))


class HasRawTable(Protocol):
    def raw_ddl(self) -> list[str]: ...


def bootstrap(conn: psycopg.Connection, sources: Iterable[HasRawTable]) -> None:
    """Create or update everything. Safe to run any number of times, also concurrently.

    ``sources`` are the registered sources (``ingest.registry.all_sources()``), handed in so the
    foundation never imports the ingest layer; each gives the DDL of its raw table."""

    r = {k: sql.Identifier(v) for k, v in ROLE_NAMES.items()}
    with conn.transaction():
        # Serialise concurrent bootstraps (two CLI commands started at once).
        conn.execute("select pg_advisory_xact_lock(hashtext('edu_wh.bootstrap'))")
        ensure_roles(conn)
        dbname = conn.execute("select current_database()").fetchone()[0]
        _exec(conn, sql.SQL("revoke all on database {} from public").format(sql.Identifier(dbname)))
        for role in ROLE_NAMES.values():
            _exec(
                conn, sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), sql.Identifier(role))
            )
        # dbt creates the candidate schema per run, and the publisher renames schemas.
        _exec(conn, sql.SQL("grant create on database {} to {}").format(sql.Identifier(dbname), r["transformer"]))
        # dbt unit tests build their fixtures in temporary tables.
        _exec(conn, sql.SQL("grant temporary on database {} to {}").format(sql.Identifier(dbname), r["transformer"]))
        _exec(conn, "revoke create on schema public from public")

        _exec(conn, "create schema if not exists meta")
        _exec(conn, "create schema if not exists raw")
        for schema in TRANSFORMER_SCHEMAS:
            _exec(
                conn,
                sql.SQL("create schema if not exists {} authorization {}").format(
                    sql.Identifier(schema), r["transformer"]
                ),
            )
        for statement in _split(META_DDL) + _split(RAW_COMMON_DDL):
            _exec(conn, statement)
        _ensure_batch_statuses(conn)
        _ensure_added_columns(conn)
        for source in sources:
            for statement in source.raw_ddl():
                _exec(conn, statement)

        # loader: writes raw and its own bookkeeping in meta
        _exec(conn, sql.SQL("grant usage on schema raw, meta to {}").format(r["loader"]))
        _exec(conn, sql.SQL("grant select, insert on all tables in schema raw to {}").format(r["loader"]))
        _exec(
            conn,
            sql.SQL("grant select, insert, update on meta.load_batches, meta.api_cursors, meta.events to {}").format(
                r["loader"]
            ),
        )
        # ANALYZE needs the table's owner (PostgreSQL 16 has no MAINTAIN privilege): a function owned
        # by the bootstrap user lets the loader refresh the statistics of a raw table, and nothing else
        _exec(conn, ANALYZE_RAW_FUNCTION)
        _exec(conn, "revoke all on function meta.analyze_raw_table(text) from public")
        _exec(conn, sql.SQL("grant execute on function meta.analyze_raw_table(text) to {}").format(r["loader"]))
        # transformer: reads raw and batches, writes dbt schemas, gate results and releases
        _exec(conn, sql.SQL("grant usage on schema raw, meta to {}").format(r["transformer"]))
        _exec(conn, sql.SQL("grant select on all tables in schema raw to {}").format(r["transformer"]))
        _exec(conn, sql.SQL("grant select on all tables in schema meta to {}").format(r["transformer"]))
        _exec(
            conn,
            sql.SQL(
                "grant insert, update on meta.gate_runs, meta.gate_results, meta.releases, meta.events, meta.pipeline_lock to {}"
            ).format(r["transformer"]),
        )
        # analyst: reads the modelled layers and the published release, plus load/release history
        _exec(conn, sql.SQL("grant usage on schema marts, published, reference, meta to {}").format(r["analyst"]))
        _exec(
            conn,
            sql.SQL(
                "grant select on meta.load_batches, meta.releases, meta.gate_runs, meta.gate_results, meta.events to {}"
            ).format(r["analyst"]),
        )
        for schema in ("marts", "published", "reference"):
            _exec(
                conn,
                sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(schema), r["analyst"]),
            )
            _exec(
                conn,
                sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                    r["transformer"], sql.Identifier(schema), r["analyst"]
                ),
            )
        # ministry reader: the published release only
        _exec(conn, sql.SQL("grant usage on schema published to {}").format(r["ministry_reader"]))
        _exec(conn, sql.SQL("grant select on all tables in schema published to {}").format(r["ministry_reader"]))
        for role in (r["analyst"], r["ministry_reader"]):
            _exec(conn, sql.SQL("revoke all on schema raw, staging, intermediate, candidate from {}").format(role))


BATCH_STATUSES = ("loading", "loaded", "rejected", "failed", "abandoned", "superseded", "withdrawn")


def _ensure_batch_statuses(conn: psycopg.Connection) -> None:
    """Databases bootstrapped before 'superseded' (a batch replaced by a reload of the same file) or
    'withdrawn' (a bad batch taken out by `edu-wh batches withdraw`) existed get the wider status
    check; altered only when needed, so no lock otherwise."""
    definition = conn.execute(
        "select pg_get_constraintdef(oid) from pg_constraint "
        "where conrelid = 'meta.load_batches'::regclass and conname = 'load_batches_status_check'"
    ).fetchone()
    if definition and any(f"'{status}'" not in definition[0] for status in BATCH_STATUSES):
        statuses = ", ".join(f"'{status}'" for status in BATCH_STATUSES)
        _exec(
            conn,
            "alter table meta.load_batches drop constraint load_batches_status_check, "
            f"add constraint load_batches_status_check check (status in ({statuses}))",
        )


#: columns added to existing tables after their first release: (table, column, type)
ADDED_COLUMNS = (
    ("meta.gate_runs", "layers", "text[]"),  # the layers a gate run checked: raw, published
    ("meta.gate_runs", "seconds", "numeric"),  # how long the whole gate took
    ("meta.gate_runs", "checked", "jsonb"),  # per suite: dataset, time, batches checked with their baselines
    ("meta.gate_runs", "candidate_hash", "text"),  # content hash of the schema the gate vouches for
    ("meta.gate_results", "layer", "text"),  # raw or published
    ("meta.gate_results", "batch_ids", "bigint[]"),  # raw: the batches a failed check points at
    ("meta.gate_results", "examples", "jsonb"),  # a few offending rows (raw: with batch, file and row)
)


def _ensure_added_columns(conn: psycopg.Connection) -> None:
    """Add the columns of :data:`ADDED_COLUMNS` that an older database lacks (no lock when present)."""
    for table, column, type_ in ADDED_COLUMNS:
        schema, name = table.split(".")
        exists = conn.execute(
            "select 1 from information_schema.columns where table_schema = %s and table_name = %s and column_name = %s",
            (schema, name, column),
        ).fetchone()
        if not exists:
            _exec(conn, f"alter table {table} add column if not exists {column} {type_}")


def _split(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
