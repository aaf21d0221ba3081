"""Write-audit-publish: swap the checked candidate schema into ``published`` in one transaction.

``publish()``:

1. refuses unless the latest gate run on ``candidate`` passed and is newer than the candidate's tables;
2. hashes every candidate table (order-independent); the tables an incremental build carried over
   (``carry_over``) are the current release's own, so their hashes are the release's; if the hashes
   equal the current release's, nothing is published and the current release stays (a rerun changes
   nothing);
3. in one transaction, under an exclusive advisory lock and with a short ``lock_timeout``
   (retried): takes ACCESS EXCLUSIVE locks on the current published tables, so readers in the
   middle of a multi-table transaction finish on the old release first; moves the carried tables
   from ``published`` into ``candidate`` in place of their stand-in views; renames
   ``published`` → ``archive_r<N>`` and ``candidate`` → ``published``; re-applies grants; records
   the release. Renames and moves are catalogue-only (O(1) whatever the table sizes);
4. gives the archive back copies of the tables that moved on (``complete_archive``), so every kept
   release stays whole for a rollback and for the next release's change summary;
5. drops archives beyond ``EDU_WH_KEEP_RELEASES``.

``rollback()`` swaps an archived release back the same way (completing its archive first if a
publish was cut off between steps 3 and 4).
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from edu_wh.bootstrap import ROLE_NAMES
from edu_wh.config import REPO_ROOT, settings
from edu_wh.errors import UserError
from edu_wh.events import record_event
from edu_wh.hashes import content_hashes, overall_hash, schema_tables, table_hash  # noqa: F401 - re-used below
from edu_wh.warehouse import connect

log = logging.getLogger("edu_wh.publish")

CANDIDATE = "candidate"
PUBLISHED = "published"
PUBLISH_LOCK = "edu_wh.publish"
READER_ROLES = ("analyst", "ministry_reader")
#: the comment that marks a candidate view as a table carried over from a release (``carry_over``)
CARRIED_MARK = "edu-wh: carried over from release "


@dataclass
class PublishResult:
    status: str  # published | unchanged
    release_id: int
    previous_release_id: int | None
    row_counts: dict[str, int] = field(default_factory=dict)
    content_hash: str = ""
    swap_seconds: float = 0.0
    changed_tables: list[str] = field(default_factory=list)
    carried_tables: list[str] = field(default_factory=list)  # moved from the previous release at the swap
    archive_seconds: float = 0.0  # copying the carried tables back into the previous release's archive

    def summary(self) -> str:
        if self.status == "unchanged":
            return (
                f"candidate is identical to release {self.release_id}; nothing published, "
                f"release {self.release_id} stays current"
            )
        tables = ", ".join(f"{t} ({n:,} rows)" for t, n in sorted(self.row_counts.items()))
        return (
            f"published release {self.release_id} (previous: {self.previous_release_id or 'none'}) "
            f"in {self.swap_seconds * 1000:.0f} ms: {tables}"
        )


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5)
        commit = out.stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return (commit + ("+dirty" if dirty else "")) if commit else None
    except (OSError, subprocess.SubprocessError):
        return None


def _current(conn) -> tuple[int, dict] | None:
    row = conn.execute("select release_id, table_hashes from meta.releases where status = 'current'").fetchone()
    return (row[0], row[1]) if row else None


def _grant_readers(conn, schema: str) -> None:
    for key in READER_ROLES:
        role = sql.Identifier(ROLE_NAMES[key])
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(schema), role))


def _revoke_readers(conn, schema: str) -> None:
    for key in READER_ROLES:
        role = sql.Identifier(ROLE_NAMES[key])
        conn.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(sql.Identifier(schema), role))
        conn.execute(sql.SQL("revoke usage on schema {} from {}").format(sql.Identifier(schema), role))


def _lock_published(conn) -> None:
    tables = schema_tables(conn, PUBLISHED)
    if tables:
        conn.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(sql.Identifier(PUBLISHED, t) for t in tables)
            )
        )


def _swap_in(
    conn,
    incoming: str,
    outgoing_name: str | None,
    record: Callable[[psycopg.Connection], None],
    *,
    attempts: int = 30,
    before: Callable[[psycopg.Connection], None] | None = None,
) -> float:
    """Rename published → outgoing_name (or drop it while still the empty bootstrap schema) and
    incoming → published, and run ``record`` (the release bookkeeping), all in one transaction;
    ``before`` runs in it first, under the locks (the carried tables' move)."""
    delay = 0.05
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        try:
            with conn.transaction():
                conn.execute("set local lock_timeout = '500ms'")
                conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (PUBLISH_LOCK,))
                _lock_published(conn)
                if before is not None:
                    before(conn)
                if conn.execute("select 1 from pg_namespace where nspname = %s", (PUBLISHED,)).fetchone():
                    if outgoing_name:
                        conn.execute(
                            sql.SQL("alter schema {} rename to {}").format(
                                sql.Identifier(PUBLISHED), sql.Identifier(outgoing_name)
                            )
                        )
                        _revoke_readers(conn, outgoing_name)
                    else:
                        conn.execute(sql.SQL("drop schema {}").format(sql.Identifier(PUBLISHED)))
                conn.execute(
                    sql.SQL("alter schema {} rename to {}").format(sql.Identifier(incoming), sql.Identifier(PUBLISHED))
                )
                _grant_readers(conn, PUBLISHED)
                record(conn)
            return time.perf_counter() - started
        except psycopg.errors.LockNotAvailable as exc:
            if attempt == attempts:
                raise UserError(
                    "could not take the locks to swap the release: readers held published tables for too long",
                    hint="retry when long-running queries finish",
                ) from exc
            log.info("swap attempt %d waited for readers; retrying", attempt)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


def carry_over(tables: list[str], release_id: int | None, *, target: str = CANDIDATE) -> dict[str, int]:
    """Carry the tables an incremental build does not rebuild over from the current release (``release_id``)
    into ``target``, in one transaction, before dbt builds the rest. Returns their rows (the release's counts).

    Nothing is copied: each carried table is, until the swap, a view on ``published.<table>`` marked with
    the release it stands for (``CARRIED_MARK``), so dbt's tests and the gate's cross-table checks read the
    whole next release. ``publish()`` moves the real table in its place inside the swap transaction
    (``_move_carried_in``): no view is ever published, and the published table keeps its indexes, keys,
    comments, grants and planner statistics. The previous release's archive gets a copy afterwards
    (``complete_archive``)."""
    if not tables:
        return {}
    with connect("transformer", autocommit=True, application_name="edu-wh carry-over") as conn, conn.transaction():
        current = conn.execute(
            "select release_id, row_counts from meta.releases where status = 'current' for share"
        ).fetchone()
        _refuse_stale_carry(release_id, current[0] if current else None)
        missing = sorted(set(tables) - set(schema_tables(conn, PUBLISHED)))
        if missing:
            raise UserError(
                f"cannot carry over {', '.join(missing)}: not in the current release",
                hint="run a full build (transform_publish with full_refresh, or `edu-wh transform`)",
            )
        for table in tables:
            view = sql.Identifier(target, table)
            conn.execute(sql.SQL("create view {} as select * from {}").format(view, sql.Identifier(PUBLISHED, table)))
            conn.execute(sql.SQL("comment on view {} is {}").format(view, sql.Literal(f"{CARRIED_MARK}{release_id}")))
    rows = {t: int((current[1] or {}).get(t, 0)) for t in tables}
    log.info("carried over from release %s: %s", release_id, ", ".join(f"{t} ({n:,} rows)" for t, n in rows.items()))
    return rows


def _refuse_stale_carry(carried_from: int | None, current: int | None) -> None:
    """Carried tables stand for one release's tables; once another release is current they stand for nothing."""
    if current != carried_from:
        raise UserError(
            f"the candidate carries tables over from release {carried_from}, but "
            f"{f'release {current}' if current else 'no release'} is current now",
            hint="run the release chain again (it plans from the current release); published tables stay unchanged",
        )


def carried_tables(conn, schema: str = CANDIDATE) -> dict[str, int]:
    """The tables ``schema`` carries over (``carry_over``'s marked views) and the release each comes from."""
    carried = {}
    for name, comment in conn.execute(
        "select c.relname, obj_description(c.oid, 'pg_class') from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace where n.nspname = %s and c.relkind = 'v'",
        (schema,),
    ).fetchall():
        if comment and comment.startswith(CARRIED_MARK):
            carried[name] = int(comment[len(CARRIED_MARK) :])
    return carried


def _move_carried_in(conn, carried: dict[str, int], release_id: int) -> None:
    """In the swap transaction: each carried view is replaced by the current release's table itself."""
    now = conn.execute("select release_id from meta.releases where status = 'current'").fetchone()
    _refuse_stale_carry(release_id, now[0] if now else None)
    for table in sorted(carried):
        conn.execute(sql.SQL("drop view {}").format(sql.Identifier(CANDIDATE, table)))
        conn.execute(
            sql.SQL("alter table {} set schema {}").format(sql.Identifier(PUBLISHED, table), sql.Identifier(CANDIDATE))
        )


def _copy_table(conn, source_schema: str, table: str, target: str) -> int:
    """A copy of ``source_schema.table`` in ``target`` with its columns, NOT NULL / CHECK / key constraints,
    indexes (same names) and table and column comments; returns its rows."""
    source, dest = sql.Identifier(source_schema, table), sql.Identifier(target, table)
    regclass = f'"{source_schema}"."{table}"'
    conn.execute(
        sql.SQL(
            "create table {} (like {} including defaults including constraints including comments "
            "including generated including identity including storage)"
        ).format(dest, source)
    )
    rows = conn.execute(sql.SQL("insert into {} select * from {}").format(dest, source)).rowcount
    for name, definition in conn.execute(
        "select conname, pg_get_constraintdef(oid) from pg_constraint "
        "where conrelid = %s::regclass and contype in ('p', 'u', 'x') order by conname",
        (regclass,),
    ).fetchall():
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(dest, sql.Identifier(name), sql.SQL(definition))
        )
    for (definition,) in conn.execute(
        "select pg_get_indexdef(i.indexrelid) from pg_index as i where i.indrelid = %s::regclass "
        "and not exists (select 1 from pg_constraint as c where c.conindid = i.indexrelid) order by 1",
        (regclass,),
    ).fetchall():
        qualified = source.as_string(conn)
        retargeted = definition.replace(f" ON {qualified} ", f" ON {dest.as_string(conn)} ", 1)
        if retargeted == definition:
            retargeted = definition.replace(f" ON {source_schema}.{table} ", f" ON {dest.as_string(conn)} ", 1)
        conn.execute(retargeted)
    text = conn.execute("select obj_description(%s::regclass, 'pg_class')", (regclass,)).fetchone()[0]
    if text is not None:
        conn.execute(sql.SQL("comment on table {} is {}").format(dest, sql.Literal(text)))
    return rows


def complete_archive(conn, release_id: int) -> dict[str, str]:
    """Give a kept release's schema back the tables it lacks: those an incremental release moved on at its swap
    (``_move_carried_in``). Each is copied, in one transaction under the publish lock, from the schema that
    holds the same table now (the same content hash in that release's record: ``published`` or another
    archive). Returns ``{table: the schema it was copied from}``; raises if no kept release holds one."""
    row = conn.execute(
        "select schema_name, table_hashes from meta.releases where release_id = %s", (release_id,)
    ).fetchone()
    if not row or not conn.execute("select 1 from pg_namespace where nspname = %s", (row[0],)).fetchone():
        return {}
    schema, hashes = row[0], row[1] or {}
    missing = sorted(set(hashes) - set(schema_tables(conn, schema)))
    if not missing:
        return {}
    copied: dict[str, str] = {}
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (PUBLISH_LOCK,))
        holders = [
            (s, h or {}, set(schema_tables(conn, s)))
            for s, h in conn.execute(
                "select r.schema_name, r.table_hashes from meta.releases as r "
                "join pg_namespace as n on n.nspname = r.schema_name where r.release_id <> %s "
                "order by r.status = 'current' desc, r.release_id desc",
                (release_id,),
            ).fetchall()
        ]
        for table in missing:
            holder = next((s for s, h, held in holders if h.get(table) == hashes[table] and table in held), None)
            if holder is None:
                raise UserError(
                    f"release {release_id} ({schema}) lacks table {table}, and no kept release holds the same table",
                    hint="publish a new release with a full build (transform_publish with full_refresh)",
                )
            _copy_table(conn, holder, table, schema)
            copied[table] = holder
    log.info("completed %s: %s", schema, ", ".join(f"{t} (from {s})" for t, s in copied.items()))
    return copied


def complete_archives(conn) -> None:
    """Complete every kept release (``complete_archive``): a publish cut off after its swap left one short."""
    for (release_id,) in conn.execute(
        "select release_id from meta.releases where status in ('archived', 'rolled_back') order by release_id"
    ).fetchall():
        try:
            complete_archive(conn, release_id)
        except UserError as exc:  # reported; the next release can still be published
            log.warning("%s", exc)


def publish(
    *,
    gate_run_id: int | None = None,
    run_id: str | None = None,
    notes: str | None = None,
    input_batch_ids: list[int] | None = None,
) -> PublishResult:
    """Swap the gated candidate in. ``input_batch_ids``: the batches the build was planned from (the
    release chain's build plan); the release records these as its inputs. Without them, the batches
    loaded now are recorded (a build by hand)."""
    cfg = settings()
    with connect("transformer", autocommit=True, application_name="edu-wh publish") as conn:
        complete_archives(conn)
        if not conn.execute("select 1 from pg_namespace where nspname = %s", (CANDIDATE,)).fetchone():
            raise UserError("there is no candidate schema to publish", hint="run the transform first (dbt build)")
        gate = conn.execute(
            "select gate_run_id, success, finished_at, candidate_hash from meta.gate_runs where target_schema = %s "
            "order by gate_run_id desc limit 1",
            (CANDIDATE,),
        ).fetchone()
        if gate_run_id is not None:
            gate = conn.execute(
                "select gate_run_id, success, finished_at, candidate_hash from meta.gate_runs where gate_run_id = %s",
                (gate_run_id,),
            ).fetchone()
        if not gate or not gate[1]:
            raise UserError(
                "the candidate has not passed the publication gate",
                hint="run `edu-wh gate`; published tables stay unchanged",
            )
        hashes, counts, overall = content_hashes(conn, CANDIDATE)  # the tables this build made
        carried = carried_tables(conn)
        if not hashes:
            raise UserError("the candidate schema has no tables", hint="run the transform first (dbt build)")
        if gate[3] != overall:
            # nothing reaches published unless it passed: the gate vouches for the contents it checked
            raise UserError(
                f"the candidate changed after gate run {gate[0]} checked it "
                f"(checked {(gate[3] or 'a schema that changed during the check')[:12]}, now {overall[:12]})",
                hint="run `edu-wh gate` again; published tables stay unchanged",
            )
        current = _current(conn)
        if carried:
            # the carried tables ARE the current release's: its record has their hashes and rows
            for carried_from in sorted(set(carried.values())):
                _refuse_stale_carry(carried_from, current[0] if current else None)
            counts.update(
                conn.execute(
                    "select key, value::bigint from meta.releases, jsonb_each_text(row_counts) "
                    "where release_id = %s and key = any(%s)",
                    (current[0], list(carried)),
                ).fetchall()
            )
            hashes.update({t: current[1][t] for t in carried})
            overall = overall_hash(hashes)
        inputs = [
            dict(zip(("batch_id", "source", "source_file", "file_sha256", "is_synthetic"), r))
            for r in conn.execute(
                "select batch_id, source, source_file, file_sha256, is_synthetic from meta.load_batches "
                "where (%(ids)s::bigint[] is null and status = 'loaded') or batch_id = any(%(ids)s::bigint[]) "
                "order by batch_id",
                {"ids": input_batch_ids},
            ).fetchall()
        ]
        gate_summary = conn.execute(
            "select json_build_object('expectations', expectations, 'critical_failed', critical_failed, "
            "'warnings_failed', warnings_failed, 'report', report_path) from meta.gate_runs where gate_run_id = %s",
            (gate[0],),
        ).fetchone()[0]
        dbt_hash = dbt_project_hash()
        if current and current[1] == hashes:
            # the release stands; this build reproduced it from these batches with this dbt project, so
            # the next build plan compares with them (publication.build_plan.planning_basis)
            log.info("candidate identical to release %s; nothing to publish", current[0])
            record_event(
                conn,
                "publish",
                f"candidate identical to release {current[0]}; nothing published",
                details={"reproduced_release": current[0], "dbt_project_hash": dbt_hash, "input_batches": inputs},
                run_id=run_id,
            )
            return PublishResult("unchanged", current[0], current[0], counts, overall)
        commit = git_commit()  # two git subprocesses: before the swap takes its locks, not while it holds them
        result = PublishResult("published", 0, current[0] if current else None, counts, overall)

        def record(tx_conn):
            if current:
                tx_conn.execute(
                    "update meta.releases set status = 'archived', schema_name = %s where release_id = %s",
                    (f"archive_r{current[0]}", current[0]),
                )
            result.release_id = tx_conn.execute(
                "insert into meta.releases (status, schema_name, published_at, git_commit, dbt_project_hash, "
                "content_hash, table_hashes, row_counts, input_batches, gate_run_id, gate_summary, run_id, "
                "previous_release, notes) values ('current', %s, clock_timestamp(), %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s) returning release_id",
                (
                    PUBLISHED,
                    commit,
                    dbt_hash,
                    overall,
                    json.dumps(hashes),
                    json.dumps(counts),
                    json.dumps(inputs),
                    gate[0],
                    json.dumps(gate_summary),
                    run_id,
                    current[0] if current else None,
                    notes,
                ),
            ).fetchone()[0]

        result.swap_seconds = _swap_in(
            conn,
            CANDIDATE,
            f"archive_r{current[0]}" if current else None,
            record,
            before=(lambda tx_conn: _move_carried_in(tx_conn, carried, current[0])) if carried else None,
        )
        if carried:
            started = time.perf_counter()
            complete_archive(conn, current[0])
            result.carried_tables = sorted(carried)
            result.archive_seconds = time.perf_counter() - started
        if current:
            result.changed_tables = sorted(t for t in hashes if current[1].get(t) != hashes[t])
        else:
            result.changed_tables = sorted(hashes)
        record_event(
            conn, "publish", result.summary(), details={"changed_tables": result.changed_tables}, run_id=run_id
        )
        prune_archives(conn, cfg.keep_releases)
    log.info(result.summary())
    return result


def prune_archives(conn, keep: int) -> list[int]:
    rows = conn.execute(
        "select release_id, schema_name from meta.releases where status = 'archived' order by release_id desc"
    ).fetchall()
    dropped = []
    for release_id, schema in rows[keep:]:
        with conn.transaction():
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
            conn.execute("update meta.releases set status = 'dropped' where release_id = %s", (release_id,))
        dropped.append(release_id)
    return dropped


def rollback(to_release: int | None = None, *, run_id: str | None = None) -> PublishResult:
    """Make an archived release current again (default: the one before the current)."""
    with connect("transformer", autocommit=True, application_name="edu-wh rollback") as conn:
        current = conn.execute("select release_id from meta.releases where status = 'current'").fetchone()
        if not current:
            raise UserError("there is no current release to roll back")
        if to_release is None:
            row = conn.execute(
                "select release_id, schema_name from meta.releases where status = 'archived' "
                "and release_id < %s order by release_id desc limit 1",
                (current[0],),
            ).fetchone()
        else:
            row = conn.execute(
                "select release_id, schema_name from meta.releases where release_id = %s "
                "and status in ('archived', 'rolled_back')",
                (to_release,),
            ).fetchone()
        if not row:
            kept = [
                r[0]
                for r in conn.execute(
                    "select release_id from meta.releases where status in ('archived', 'rolled_back') order by 1"
                ).fetchall()
            ]
            raise UserError(
                f"release {to_release or '(previous)'} is not kept in the warehouse",
                hint=f"releases available for rollback: {kept or 'none'}",
            )
        target_id, target_schema = row
        complete_archive(conn, target_id)  # a publish cut off before it gave the archive its carried tables back

        def record(tx_conn):
            tx_conn.execute(
                "update meta.releases set status = 'rolled_back', schema_name = %s where release_id = %s",
                (f"archive_r{current[0]}", current[0]),
            )
            tx_conn.execute(
                "update meta.releases set status = 'current', schema_name = %s where release_id = %s",
                (PUBLISHED, target_id),
            )

        seconds = _swap_in(conn, target_schema, f"archive_r{current[0]}", record)
        counts = conn.execute("select row_counts from meta.releases where release_id = %s", (target_id,)).fetchone()[0]
        record_event(conn, "rollback", f"rolled back from release {current[0]} to {target_id}", run_id=run_id)
    result = PublishResult("published", target_id, current[0], counts, swap_seconds=seconds)
    log.info("rolled back from release %s to %s", current[0], target_id)
    return result


def dbt_project_hash() -> str:
    """Hash of the dbt project's SQL, YAML and seeds (a release records the project it was built with)."""
    import hashlib

    from edu_wh.config import DBT_PROJECT_DIR

    digest = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".sql", ".yml", ".csv"} and "target" not in path.parts:
            digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
