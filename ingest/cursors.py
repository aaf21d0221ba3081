"""Incremental cursors of networked sources, kept in ``meta.api_cursors`` (one row per source and dataset).

``cursor_value`` is the high-water mark of what has *landed* (e.g. the largest ``modified`` of a
data.egov.kz dataset, or the last month of a budget report stream); ``page_offset`` is the next
page of an extraction in progress (0 when none is), so a failed fetch can be resumed and an
operator can see where it stopped. Both are written under the loader role.

The store is passed explicitly to the fetch functions (never a global), and holds a session
advisory lock per source while open, so two fetches of the same source cannot interleave.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CursorState:
    cursor: str | None
    page_offset: int = 0


class ApiCursors:
    """``meta.api_cursors`` rows of one source; use as a context manager."""

    def __init__(self, source: str):
        self.source = source
        self._conn = None

    def __enter__(self) -> ApiCursors:
        from edu_wh.warehouse import connect

        self._conn = connect("loader", autocommit=True, application_name=f"edu-wh fetch {self.source}")
        self._conn.execute("select pg_advisory_lock(hashtext(%s))", (f"edu_wh.fetch.{self.source}",))
        return self

    def __exit__(self, *exc) -> None:
        if self._conn is not None:
            if not self._conn.closed and not self._conn.broken:
                self._conn.execute("select pg_advisory_unlock(hashtext(%s))", (f"edu_wh.fetch.{self.source}",))
            self._conn.close()
            self._conn = None

    @property
    def conn(self):
        if self._conn is None:
            raise RuntimeError("ApiCursors is not open; use it as a context manager")
        return self._conn

    def get(self, dataset: str) -> CursorState:
        row = self.conn.execute(
            "select cursor_value, page_offset from meta.api_cursors where source = %s and dataset = %s",
            (self.source, dataset),
        ).fetchone()
        return CursorState(row[0], int(row[1])) if row else CursorState(None, 0)

    def save(self, dataset: str, cursor: str | None, page_offset: int = 0) -> None:
        self.conn.execute(
            "insert into meta.api_cursors as c (source, dataset, cursor_value, page_offset, updated_at) "
            "values (%s, %s, %s, %s, clock_timestamp()) "
            "on conflict (source, dataset) do update set cursor_value = excluded.cursor_value, "
            "page_offset = excluded.page_offset, updated_at = excluded.updated_at",
            (self.source, dataset, cursor, page_offset),
        )


class MemoryCursors:
    """The same interface in memory (for the command line's dry runs and for parser-level tests)."""

    def __init__(self, source: str, initial: dict[str, CursorState] | None = None):
        self.source = source
        self.states: dict[str, CursorState] = dict(initial or {})

    def __enter__(self) -> MemoryCursors:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def get(self, dataset: str) -> CursorState:
        return self.states.get(dataset, CursorState(None, 0))

    def save(self, dataset: str, cursor: str | None, page_offset: int = 0) -> None:
        self.states[dataset] = CursorState(cursor, page_offset)
