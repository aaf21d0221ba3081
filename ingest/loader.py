"""Load one delivered file into ``raw``: hashed, guarded, all-or-nothing, idempotent.

Per file, in this order:

1. size guard, then SHA-256 of the bytes (streamed);
2. a session advisory lock per source serialises loads of the same source; batches left in
   ``loading`` by a killed loader are marked ``abandoned``;
3. a file already loaded (same source and SHA-256) is a no-op that says so;
4. a batch row is committed as ``loading`` (so a running load is observable);
5. in **one transaction**: COPY the parsed rows into the raw table, COPY refused rows into
   ``raw.quarantine``, check the volume against the previous batch of the same stream, mark the
   batch ``loaded``. A crash anywhere before COMMIT leaves nothing of the file visible.

A file the parser refuses as a whole (:class:`SourceFormatError`) ends as a ``rejected`` batch
with the reason; any other error as ``failed``. Either way the caller gets the exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from edu_wh.config import settings
from edu_wh.events import record_event
from edu_wh.hashes import file_sha256
from edu_wh.warehouse import connect
from ingest.base import CsvChunk, ParseReport, Rejected, Row, Source, SourceFormatError

log = logging.getLogger("edu_wh.ingest")

SYNTHETIC_MARKER = "SYNTHETIC_DROP.json"
MAX_QUARANTINE_SHARE = 0.5
QUARANTINE_FLUSH = 5000


@dataclass
class LoadResult:
    source: str
    file: str
    status: str  # loaded | already_loaded
    batch_id: int
    rows_loaded: int = 0
    rows_quarantined: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    superseded_batch_id: int | None = None  # reload=True: the earlier batch of the same file

    def summary(self) -> str:
        if self.status == "already_loaded":
            return f"{self.source}: {self.file} already loaded as batch {self.batch_id}; nothing to do"
        text = (
            f"{self.source}: {self.file} loaded as batch {self.batch_id}: "
            f"{self.rows_loaded:,} rows, {self.rows_quarantined:,} quarantined, {self.seconds:.2f} s"
        )
        if self.superseded_batch_id:
            text += f"; supersedes batch {self.superseded_batch_id}"
        if self.quarantine_reasons:
            top = sorted(self.quarantine_reasons.items(), key=lambda kv: -kv[1])[:3]
            text += " (" + "; ".join(f"{n}× {reason}" for reason, n in top) + ")"
        return text


def is_landing_file(path: Path) -> bool:
    """A delivered data file, not the generator's marker, a hidden/partial or an Office lock file."""
    return (
        path.is_file()
        and path.name != SYNTHETIC_MARKER
        and not path.name.startswith((".", "~$"))
        and not path.name.endswith((".part", ".reason.txt"))
    )


def unaccepted_files(source: Source, folder: Path) -> list[tuple[Path, str]]:
    """Files in a landing folder that no pattern of the source takes, each with the reason to quarantine
    it: nothing delivered is silently ignored."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(p for p in folder.rglob("*") if is_landing_file(p)):
        if any(path.match(pattern) for pattern in source.file_patterns):
            continue
        out.append(
            (
                path,
                f"{path.name}: no reader of source {source.name} takes this file; accepted formats: "
                + ", ".join(source.file_patterns),
            )
        )
    return out


def quarantine_target(folder: Path, name: str) -> Path:
    """A free name in the quarantine folder: a second refused file of the same name is kept beside the
    first (``report.xlsx``, ``report.2.xlsx``, ``report.3.xlsx``, ...), never over it."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists() or (folder / (target.name + ".reason.txt")).exists():
        n += 1
        target = folder / f"{stem}.{n}{suffix}"
    return target


def is_synthetic(path: Path) -> bool:
    """Files below a folder holding the generator's marker are synthetic."""
    for parent in path.resolve().parents:
        if (parent / SYNTHETIC_MARKER).exists():
            return True
    return False


def _lock_key(source: str) -> str:
    return f"edu_wh.load.{source}"


def load_file(
    source: Source,
    path: str | Path,
    *,
    synthetic: bool | None = None,
    run_id: str | None = None,
    allow_volume_drop: bool = False,
    on_progress: Callable[[int], None] | None = None,
    reload: bool = False,
    retry_failed: bool = True,
) -> LoadResult:
    """Load one file. ``reload=True`` loads a file again even if its hash was loaded before: the
    earlier batch of the same file is marked ``superseded`` in the same transaction that marks the
    new one ``loaded`` (staging keeps the newest batch, so the new rows win). ``retry_failed=False``
    (landing scans): bytes whose earlier load failed with an unexpected error are refused until they change."""
    path = Path(path)
    cfg = settings()
    display = path.name
    if not path.is_file():
        raise SourceFormatError(str(path), "no such file")
    size = path.stat().st_size
    synthetic = is_synthetic(path) if synthetic is None else synthetic
    started = time.perf_counter()

    with connect("loader", autocommit=True, application_name=f"edu-wh load {source.name}") as conn:
        conn.execute("select pg_advisory_lock(hashtext(%s))", (_lock_key(source.name),))
        try:
            # A batch still 'loading' while we hold the source lock belongs to a dead loader.
            conn.execute(
                "update meta.load_batches set status = 'abandoned', finished_at = clock_timestamp(), "
                "error = 'loader stopped before commit; nothing of this batch is visible' "
                "where source = %s and status = 'loading'",
                (source.name,),
            )
            if size > cfg.max_file_bytes:
                batch_id = _new_batch(conn, source, display, "-", size, synthetic, run_id, None, status="rejected")
                reason = f"file is {size / 1e6:.1f} MB, over the {cfg.max_file_bytes / 1e6:.0f} MB limit"
                _finish(conn, batch_id, "rejected", error=f"{display}: {reason}")
                raise SourceFormatError(display, reason, hint="raise EDU_WH_MAX_FILE_MB if the file is genuine")
            sha = file_sha256(path)
            done = conn.execute(
                "select batch_id from meta.load_batches where source = %s and file_sha256 = %s and status = 'loaded'",
                (source.name, sha),
            ).fetchone()
            if done and not reload:
                result = LoadResult(source.name, display, "already_loaded", done[0])
                log.info(result.summary())
                return result
            failed = conn.execute(
                "select batch_id, error from meta.load_batches where source = %s and file_sha256 = %s "
                "and status = 'failed' order by batch_id desc limit 1",
                (source.name, sha),
            ).fetchone()
            if failed and not done and not reload and not retry_failed:
                # a landing scan does not retry bytes that failed unexpectedly: a changed file (or --reload) does
                raise SourceFormatError(
                    display,
                    f"these bytes failed before as batch {failed[0]} ({failed[1]}); not retried until the file changes",
                    hint="fix the cause, then load it again with reload (edu-wh ingest --reload), or deliver a "
                    "corrected file",
                )
            stream_key = source.stream_key(display)
            batch_id = _new_batch(conn, source, display, sha, size, synthetic, run_id, stream_key)
            try:
                result = _load_batch(
                    conn,
                    source,
                    path,
                    display,
                    batch_id,
                    stream_key,
                    allow_volume_drop,
                    on_progress,
                    supersedes=done[0] if done else None,
                )
            except SourceFormatError as exc:
                _finish(conn, batch_id, "rejected", error=str(exc))
                raise
            except BaseException as exc:
                if not conn.closed and not conn.broken:
                    _finish(conn, batch_id, "failed", error=f"{type(exc).__name__}: {exc}")
                raise
            # fresh planner statistics for the dbt build that follows (a build on a never-analysed raw
            # table picked plans ~100x slower); ANALYZE samples, so this is cheap even for large tables
            conn.execute("select meta.analyze_raw_table(%s)", (source.raw_table.name,))
            result.seconds = time.perf_counter() - started
            log.info(result.summary())
            return result
        finally:
            if not conn.closed and not conn.broken:
                conn.execute("select pg_advisory_unlock(hashtext(%s))", (_lock_key(source.name),))


def _new_batch(conn, source, display, sha, size, synthetic, run_id, stream_key, status="loading") -> int:
    return conn.execute(
        "insert into meta.load_batches (source, source_file, file_sha256, file_bytes, status, is_synthetic, "
        "publisher, stream_key, run_id) values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning batch_id",
        (source.name, display, sha, size, status, synthetic, source.publisher, stream_key, run_id),
    ).fetchone()[0]


def _finish(conn, batch_id: int, status: str, *, error: str | None = None) -> None:
    conn.execute(
        "update meta.load_batches set status = %s, error = %s, finished_at = clock_timestamp() where batch_id = %s",
        (status, error, batch_id),
    )


class _Copier:
    """Streams parsed items into COPY; opens a text COPY for rows and a CSV COPY for chunks."""

    def __init__(self, cur: psycopg.Cursor, source: Source):
        self.cur = cur
        self.table = source.raw_table
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in self.table.copy_columns)
        target = sql.SQL("{}.{} ({})").format(sql.Identifier("raw"), sql.Identifier(self.table.name), cols)
        self.text_stmt = sql.SQL("copy {} from stdin").format(target)
        self.csv_stmt = sql.SQL("copy {} from stdin (format csv)").format(target)
        self._copy = None
        self._ctx = None
        self._kind = None

    def _switch(self, kind: str):
        if self._kind == kind:
            return self._copy
        self.close()
        self._ctx = self.cur.copy(self.text_stmt if kind == "text" else self.csv_stmt)
        self._copy = self._ctx.__enter__()
        self._kind = kind
        return self._copy

    def row(self, item: Row) -> None:
        self._switch("text").write_row((item.sheet, item.row_number, *item.values))

    def chunk(self, item: CsvChunk) -> None:
        self._switch("csv").write(item.data)

    def close(self, exc: BaseException | None = None) -> None:
        """End the open COPY: normally, or (with ``exc``) by telling the server it failed."""
        ctx, self._ctx, self._copy, self._kind = self._ctx, None, None, None
        if ctx is not None:
            if exc is None:
                ctx.__exit__(None, None, None)
            else:
                ctx.__exit__(type(exc), exc, exc.__traceback__)


def _flush_quarantine(cur, batch_id: int, source: Source, display: str, rows: list[Rejected]) -> None:
    if not rows:
        return
    with cur.copy(
        "copy raw.quarantine (batch_id, source, source_file, sheet, row_number, reason, record) from stdin"
    ) as copy:
        for r in rows:
            copy.write_row((batch_id, source.name, display, r.sheet, r.row_number, r.reason, r.record_json()))
    rows.clear()


def _load_batch(
    conn, source, path, display, batch_id, stream_key, allow_volume_drop, on_progress, supersedes=None
) -> LoadResult:
    result = LoadResult(source.name, display, "loaded", batch_id)
    report = ParseReport()
    width = len(source.raw_table.columns)
    pending: list[Rejected] = []
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "select set_config('edu_wh.batch_id', %s, true), set_config('edu_wh.source_file', %s, true)",
            (str(batch_id), display),
        )
        copier = _Copier(cur, source)
        try:
            _stream_items(source, path, display, report, copier, cur, batch_id, pending, result, width, on_progress)
        except BaseException as exc:
            copier.close(exc)  # a COPY in progress must be failed before the transaction can roll back
            raise
        copier.close()
        _flush_quarantine(cur, batch_id, source, display, pending)
        total = result.rows_loaded + result.rows_quarantined
        if total == 0:
            raise SourceFormatError(display, "no data rows found", hint="is the file empty or truncated?")
        if result.rows_quarantined > MAX_QUARANTINE_SHARE * total:
            top = ", ".join(sorted(result.quarantine_reasons, key=lambda k: -result.quarantine_reasons[k])[:3])
            raise SourceFormatError(
                display,
                f"{result.rows_quarantined:,} of {total:,} rows failed validation ({top}); "
                "the file looks wrong as a whole, so none of it was loaded",
                hint="check the file's layout, units and encoding against the publisher's format",
            )
        if stream_key or supersedes:
            # a reload is compared with the batch of the same bytes it supersedes, not with the newest
            # batch of its stream (an older report reloaded by a backfill is not a volume drop)
            prev = (
                cur.execute(
                    "select batch_id, rows_loaded from meta.load_batches where batch_id = %s", (supersedes,)
                ).fetchone()
                if supersedes
                else cur.execute(
                    "select batch_id, rows_loaded from meta.load_batches where source = %s and stream_key = %s "
                    "and status = 'loaded' order by batch_id desc limit 1",
                    (source.name, stream_key),
                ).fetchone()
            )
            if prev and prev[1] and result.rows_loaded < (1 - source.max_volume_drop) * prev[1]:
                drop = (
                    f"only {result.rows_loaded:,} rows against {prev[1]:,} in batch {prev[0]} of the same "
                    f"{'file' if supersedes else 'stream'} "
                    f"(a drop of more than {source.max_volume_drop:.0%})"
                )
                if not allow_volume_drop:
                    raise SourceFormatError(
                        display, drop, hint="if the smaller delivery is genuine, load it with --allow-volume-drop"
                    )
                # the gate's volume check honours the same acceptance (edu-wh batches accept writes it too)
                record_event(
                    cur.connection,
                    "batch_accepted",
                    f"batch {batch_id}: volume drop accepted at load (--allow-volume-drop)",
                    details={"batch_id": batch_id, "reason": f"loaded with --allow-volume-drop: {drop}"},
                )
        result.notes = report.notes
        if supersedes:
            # before the new batch becomes 'loaded': one loaded batch per (source, file hash)
            cur.execute(
                "update meta.load_batches set status = 'superseded', "
                "notes = concat_ws('; ', notes, 'superseded by batch ' || %s || ' (reload)') "
                "where batch_id = %s and status = 'loaded'",
                (batch_id, supersedes),
            )
            result.superseded_batch_id = supersedes
        cur.execute(
            "update meta.load_batches set status = 'loaded', rows_loaded = %s, rows_quarantined = %s, "
            "period = %s, notes = %s, is_synthetic = is_synthetic or %s, finished_at = clock_timestamp() "
            "where batch_id = %s",
            (
                result.rows_loaded,
                result.rows_quarantined,
                report.period,
                "; ".join(report.notes) or None,
                report.synthetic,
                batch_id,
            ),
        )
    return result


def _stream_items(source, path, display, report, copier, cur, batch_id, pending, result, width, on_progress) -> None:
    with open(path, "rb") as stream:
        for item in source.parse(stream, display, report):
            if isinstance(item, Row):
                if len(item.values) != width:
                    raise AssertionError(f"{source.name} parser produced {len(item.values)} values, expected {width}")
                copier.row(item)
                result.rows_loaded += 1
            elif isinstance(item, CsvChunk):
                copier.chunk(item)
                result.rows_loaded += item.rows
            else:
                copier.close()  # quarantine uses its own COPY
                pending.append(item)
                result.rows_quarantined += 1
                key = item.reason.split(":")[0]
                result.quarantine_reasons[key] = result.quarantine_reasons.get(key, 0) + 1
                if len(pending) >= QUARANTINE_FLUSH:
                    _flush_quarantine(cur, batch_id, source, display, pending)
            if on_progress and (result.rows_loaded + result.rows_quarantined) % 10000 == 0:
                on_progress(result.rows_loaded + result.rows_quarantined)
