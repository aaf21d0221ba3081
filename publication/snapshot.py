"""Read one release of the published tables, all from the same release, whatever publishes meanwhile.

Why this needs care (the stack notes, "Schema swap and MVCC", summarised here): the swap renames schemas, and name
lookup uses the latest catalogue, not a transaction's snapshot. A ``REPEATABLE READ`` transaction
that spans a swap can read one table from the old release and the next from the new one, or read
zero rows. So the reader:

1. takes ``pg_advisory_lock_shared(hashtext('edu_wh.publish'))`` for the session *before* its
   transaction starts. The swap holds that lock exclusively until it commits, so once the shared
   lock is granted no swap is half done, and none can start until the reader lets go. (Taking the
   transaction-level lock as the first statement alone is not enough: the first statement of a
   repeatable-read transaction fixes its snapshot *before* the lock is granted, so a swap that
   commits while the reader waits would be invisible to the snapshot but visible to name lookup.)
2. opens a ``REPEATABLE READ, READ ONLY`` transaction whose first statement takes
   ``pg_advisory_xact_lock_shared`` as well (the documented protocol for every multi-table reader);
3. checks that the current release is the one asked for, reads every table of the schema, and
   checks each table's row count and content hash against what ``meta.releases`` recorded when the
   release was published;
4. commits and releases the session lock. Files are written afterwards, without holding anything,
   so a publish waits at most for the reading itself.

The current release is read as ``analyst``. The previous release's archive (for the change
summary) is read as ``transformer``, because archives are not granted to readers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from edu_wh.errors import UserError
from edu_wh.warehouse import connect
from publication.contract import TableSpec, align, published_models, type_kind, undocumented_table
from publication.swap import PUBLISH_LOCK, PUBLISHED

log = logging.getLogger("edu_wh.release_files")

RELEASE_COLUMNS = (
    "release_id",
    "status",
    "schema_name",
    "published_at",
    "git_commit",
    "dbt_project_hash",
    "content_hash",
    "table_hashes",
    "row_counts",
    "input_batches",
    "gate_run_id",
    "gate_summary",
    "run_id",
    "previous_release",
    "notes",
)


@dataclass
class TableData:
    name: str
    spec: TableSpec
    rows: list[tuple]
    hash: str = ""  # md5 of the content, as publication.swap.table_hash computes it

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.spec.columns]

    def column_values(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def records(self) -> list[dict]:
        cols = self.columns
        return [dict(zip(cols, r)) for r in self.rows]

    @property
    def synthetic_rows(self) -> int:
        if "is_synthetic" not in self.columns:
            return 0
        return sum(1 for v in self.column_values("is_synthetic") if v)


@dataclass
class ReleaseSnapshot:
    release: dict
    schema: str
    tables: dict[str, TableData]
    read_at: datetime
    gate_run: dict = field(default_factory=dict)
    gate_results: list[dict] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)

    @property
    def release_id(self) -> int:
        return int(self.release["release_id"])

    @property
    def is_synthetic(self) -> bool:
        return any(t.synthetic_rows for t in self.tables.values()) or any(
            b.get("is_synthetic") for b in self.release.get("input_batches") or []
        )


def _table_columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in conn.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute as a "
            "join pg_class as c on c.oid = a.attrelid join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
            (schema, table),
        ).fetchall()
    ]


def _schema_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p') order by c.relname",
            (schema,),
        ).fetchall()
    ]


def read_tables(
    conn: psycopg.Connection,
    schema: str,
    specs: dict[str, TableSpec],
    *,
    on_table: Callable[[str], None] | None = None,
) -> dict[str, TableData]:
    """Every table of ``schema`` with its rows (ordered by the grain, for stable files)."""
    from publication.swap import table_hash

    tables = {}
    for name in _schema_tables(conn, schema):
        columns = _table_columns(conn, schema, name)
        spec = align(specs[name], columns) if name in specs else undocumented_table(name, columns)
        if name not in specs:
            log.warning("%s.%s is not described in the dbt manifest; exported without labels", schema, name)
        order = [c for c in spec.grain if c in dict(columns)] or [
            c for c, t in columns if type_kind(t) in ("integer", "decimal", "text", "boolean", "date", "timestamp")
        ]
        query = sql.SQL("select * from {}").format(sql.Identifier(schema, name))
        if order:  # stable files: rows in the order of the grain
            query += sql.SQL(" order by {}").format(sql.SQL(", ").join(sql.Identifier(c) for c in order))
        rows = conn.execute(query).fetchall()
        tables[name] = TableData(name, spec, rows, table_hash(conn, schema, name)[0])
        if on_table:
            on_table(name)
    return tables


def _release_row(conn: psycopg.Connection, where: str, params: tuple) -> dict | None:
    row = conn.execute(
        sql.SQL("select {} from meta.releases where " + where).format(
            sql.SQL(", ").join(sql.Identifier(c) for c in RELEASE_COLUMNS)
        ),
        params,
    ).fetchone()
    return dict(zip(RELEASE_COLUMNS, row)) if row else None


def current_release_id() -> int | None:
    with connect("analyst", autocommit=True, application_name="edu-wh export") as conn:
        row = conn.execute("select release_id from meta.releases where status = 'current'").fetchone()
    return row[0] if row else None


def _verify(release: dict, tables: dict[str, TableData]) -> None:
    expected_counts, expected_hashes = release["row_counts"] or {}, release["table_hashes"] or {}
    problems = []
    if set(tables) != set(expected_hashes):
        problems.append(f"tables {sorted(tables)} differ from the recorded {sorted(expected_hashes)}")
    for name, data in tables.items():
        if expected_counts.get(name) != len(data.rows):
            problems.append(f"{name}: {len(data.rows)} rows read, {expected_counts.get(name)} recorded")
        elif expected_hashes.get(name) != data.hash:
            problems.append(f"{name}: content differs from the recorded hash")
    if problems:
        raise UserError(
            f"the tables read do not match release {release['release_id']}: " + "; ".join(problems),
            hint="nothing was written; rerun `edu-wh export` (a publish may have been forced around the lock)",
        )


@dataclass
class _Locked:
    conn: psycopg.Connection

    def __enter__(self):
        self.conn.execute("select pg_advisory_lock_shared(hashtext(%s))", (PUBLISH_LOCK,))
        return self

    def __exit__(self, *exc):
        try:
            self.conn.execute("select pg_advisory_unlock_shared(hashtext(%s))", (PUBLISH_LOCK,))
        except psycopg.Error:
            pass  # the session ends right after; its locks go with it


def read_release(
    release_id: int | None = None,
    *,
    specs: dict[str, TableSpec] | None = None,
    on_table: Callable[[str], None] | None = None,
) -> ReleaseSnapshot:
    """Read the current release (which must be ``release_id`` if given) as one consistent whole."""
    from publication.headlines import headline_figures

    specs = specs if specs is not None else published_models()
    with connect("analyst", autocommit=True, application_name="edu-wh export") as conn, _Locked(conn):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock_shared(hashtext(%s))", (PUBLISH_LOCK,))
            release = _release_row(conn, "status = 'current'", ())
            if release is None:
                raise UserError("no release has been published yet", hint="run the pipeline (`edu-wh demo`) first")
            if release_id is not None and release["release_id"] != release_id:
                raise UserError(
                    f"release {release_id} is not the current release (current: {release['release_id']})",
                    hint="only the current release can be exported; earlier ones were exported when they were current",
                )
            tables = read_tables(conn, PUBLISHED, specs, on_table=on_table)
            _verify(release, tables)
            gate_run, gate_results = _gate(conn, release.get("gate_run_id"))
            headlines = headline_figures(conn)
    return ReleaseSnapshot(
        release=release,
        schema=PUBLISHED,
        tables=tables,
        read_at=datetime.now(UTC),
        gate_run=gate_run,
        gate_results=gate_results,
        headlines=headlines,
    )


def _gate(conn: psycopg.Connection, gate_run_id: int | None) -> tuple[dict, list[dict]]:
    if gate_run_id is None:
        return {}, []
    cols = (
        "gate_run_id",
        "started_at",
        "finished_at",
        "success",
        "critical_failed",
        "warnings_failed",
        "expectations",
        "report_markdown",
    )
    row = conn.execute(
        sql.SQL("select {} from meta.gate_runs where gate_run_id = %s").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in cols)
        ),
        (gate_run_id,),
    ).fetchone()
    rcols = (
        "suite",
        "dataset",
        "expectation",
        "kwargs",
        "severity",
        "success",
        "observed",
        "protects",
        "how_to_resolve",
    )
    results = [
        dict(zip(rcols, r))
        for r in conn.execute(
            sql.SQL(
                "select {} from meta.gate_results where gate_run_id = %s order by success, severity, dataset, expectation"
            ).format(sql.SQL(", ").join(sql.Identifier(c) for c in rcols)),
            (gate_run_id,),
        ).fetchall()
    ]
    return (dict(zip(cols, row)) if row else {}), results


@dataclass
class PreviousRelease:
    release_id: int | None
    kept: bool
    reason: str = ""
    release: dict | None = None
    tables: dict[str, TableData] = field(default_factory=dict)
    headlines: list[dict] = field(default_factory=list)


def read_previous(snapshot: ReleaseSnapshot, *, specs: dict[str, TableSpec] | None = None) -> PreviousRelease:
    """The release before ``snapshot`` from its archive schema, if the warehouse still keeps it."""
    previous_id = snapshot.release.get("previous_release")
    if previous_id is None:
        return PreviousRelease(None, False, "this is the first release")
    specs = specs if specs is not None else published_models()
    try:
        return _read_archive(previous_id, specs)
    except psycopg.errors.InsufficientPrivilege:
        reason = f"the archive of release {previous_id} cannot be read with these credentials"
        return PreviousRelease(previous_id, False, reason)


def _read_archive(previous_id: int, specs: dict[str, TableSpec]) -> PreviousRelease:
    from publication.headlines import headline_figures

    with connect("transformer", autocommit=True, application_name="edu-wh export") as conn, _Locked(conn):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock_shared(hashtext(%s))", (PUBLISH_LOCK,))
            release = _release_row(conn, "release_id = %s", (previous_id,))
            if release is None or release["status"] == "dropped":
                return PreviousRelease(
                    previous_id, False, f"release {previous_id} is no longer kept in the warehouse", release
                )
            schema = release["schema_name"]
            if not conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone():
                return PreviousRelease(previous_id, False, f"the archive of release {previous_id} is gone", release)
            tables = read_tables(conn, schema, specs)
            _verify(release, tables)
            headlines = headline_figures(conn, schema=schema)
    return PreviousRelease(previous_id, True, "", release, tables, headlines)
