"""``meta.events``: the one place that writes the warehouse's event log.

Every component (lease, loader, batch lifecycle, publisher) records through :func:`record_event`,
so the columns and the JSON encoding of ``details`` are written once.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg


def record_event(
    conn: psycopg.Connection,
    kind: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    run_id: str | None = None,
) -> None:
    """Append one event in the caller's transaction (it commits or rolls back with the work it describes)."""
    conn.execute(
        "insert into meta.events (kind, message, details, run_id) values (%s, %s, %s, %s)",
        (kind, message, json.dumps(details, ensure_ascii=False, default=str) if details is not None else None, run_id),
    )
