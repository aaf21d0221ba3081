"""Write-audit-publish: swap the checked candidate schema into ``published`` in one transaction.

``publish()``:

1. refuses unless the latest gate run on ``candidate`` passed and is newer than the candidate's tables;
2. hashes every candidate table (order-independent); if the hashes equal the current release's,
   nothing is published and the current release stays (a rerun changes nothing);
3. in one transaction, under an exclusive advisory lock and with a short ``lock_timeout``
   (retried): takes ACCESS EXCLUSIVE locks on the current published tables, so readers in the
   middle of a multi-table transaction finish on the old release first; renames
   ``published`` → ``archive_r<N>`` and ``candidate`` → ``published``; re-applies grants; records
   the release. Renames are catalogue-only (O(1) whatever the table sizes);
4. drops archives beyond ``EDU_WH_KEEP_RELEASES``.

``rollback()`` swaps an archived release back the same way.
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
from edu_wh.hashes import content_hashes, schema_tables, table_hash  # noqa: F401 - re-used below
from edu_wh.warehouse import connect

log = logging.getLogger("edu_wh.publish")

CANDIDATE = "candidate"
PUBLISHED = "published"
PUBLISH_LOCK = "edu_wh.publish"
READER_ROLES = ("analyst", "ministry_reader")


@dataclass
class PublishResult:
    status: str  # published | unchanged
    release_id: int
    previous_release_id: int | None
    row_counts: dict[str, int] = field(default_factory=dict)
    content_hash: str = ""
    swap_seconds: float = 0.0
    changed_tables: list[str] = field(default_factory=list)

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
    conn, incoming: str, outgoing_name: str | None, record: Callable[[psycopg.Connection], None], *, attempts: int = 30
) -> float:
    """Rename published → outgoing_name (or drop it while still the empty bootstrap schema) and
    incoming → published, and run ``record`` (the release bookkeeping), all in one transaction."""
    delay = 0.05
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        try:
            with conn.transaction():
                conn.execute("set local lock_timeout = '500ms'")
                conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (PUBLISH_LOCK,))
                _lock_published(conn)
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


def carry_over(tables: list[str], *, target: str = CANDIDATE) -> dict[str, int]:
    """Copy tables of the current release into ``target`` (an incremental build's candidate: the
    tables whose sources did not change), in one transaction, before dbt builds the rest.

    Real copies, never views: a view is bound to the table it reads, and the swap renames
    ``published`` to an archive. Each copy keeps the columns, NOT NULL / CHECK / key constraints,
    indexes (same names) and the table and column comments of the original. Returns rows per table."""
    copied: dict[str, int] = {}
    if not tables:
        return copied
    with connect("transformer", autocommit=True, application_name="edu-wh carry-over") as conn, conn.transaction():
        present = set(schema_tables(conn, PUBLISHED))
        missing = sorted(set(tables) - present)
        if missing:
            raise UserError(
                f"cannot carry over {', '.join(missing)}: not in the current release",
                hint="run a full build (transform_publish with full_refresh, or `edu-wh transform`)",
            )
        for table in tables:
            source, dest = sql.Identifier(PUBLISHED, table), sql.Identifier(target, table)
            conn.execute(
                sql.SQL(
                    "create table {} (like {} including defaults including constraints including comments "
                    "including generated including identity including storage)"
                ).format(dest, source)
            )
            copied[table] = conn.execute(sql.SQL("insert into {} select * from {}").format(dest, source)).rowcount
            for name, definition in conn.execute(
                "select conname, pg_get_constraintdef(oid) from pg_constraint "
                "where conrelid = %s::regclass and contype in ('p', 'u', 'x') order by conname",
                (f'"{PUBLISHED}"."{table}"',),
            ).fetchall():
                conn.execute(
                    sql.SQL("alter table {} add constraint {} {}").format(
                        dest, sql.Identifier(name), sql.SQL(definition)
                    )
                )
            for (definition,) in conn.execute(
                "select pg_get_indexdef(i.indexrelid) from pg_index as i "
                "where i.indrelid = %s::regclass "
                "and not exists (select 1 from pg_constraint as c where c.conindid = i.indexrelid) order by 1",
                (f'"{PUBLISHED}"."{table}"',),
            ).fetchall():
                qualified = sql.Identifier(PUBLISHED, table).as_string(conn)
                retargeted = definition.replace(f" ON {qualified} ", f" ON {dest.as_string(conn)} ", 1)
                if retargeted == definition:
                    retargeted = definition.replace(f" ON {PUBLISHED}.{table} ", f" ON {dest.as_string(conn)} ", 1)
                conn.execute(retargeted)
            comment = conn.execute("select obj_description(%s::regclass, 'pg_class')", (f'"{PUBLISHED}"."{table}"',))
            text = comment.fetchone()[0]
            if text is not None:
                conn.execute(sql.SQL("comment on table {} is {}").format(dest, sql.Literal(text)))
        for table in tables:
            conn.execute(sql.SQL("analyze {}").format(sql.Identifier(target, table)))
    log.info("carried over from the current release: %s", ", ".join(f"{t} ({n:,} rows)" for t, n in copied.items()))
    return copied


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
        hashes, counts, overall = content_hashes(conn, CANDIDATE)
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

        result.swap_seconds = _swap_in(conn, CANDIDATE, f"archive_r{current[0]}" if current else None, record)
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
