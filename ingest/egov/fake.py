"""A fake data.egov.kz: a real HTTP server on 127.0.0.1 serving fixture datasets the way the portal does.

Endpoints (as the real API v4):

* ``GET /api/v4/{dataset}/{version}?apiKey=…&source={json}`` → a JSON array of records;
* ``GET /api/detailed/{dataset}/{version}?apiKey=…&source={json}`` → ``{"totalCount": n, "data": [...]}``;

``source`` is an Elasticsearch body: ``from``, ``size``, ``query`` (``match_all``, ``range`` with
``gt/gte/lt/lte``, ``term``/``match``, ``bool`` with ``must/filter/should/must_not``) and ``sort``
(``["f"]``, ``[{"f": "asc"}]`` or ``[{"f": {"order": "desc"}}]``). A missing or wrong key → 403,
an unknown dataset → 404, an unreadable ``source`` → 400.

Fixtures (what ``ingest.egov.synth.render`` writes): one JSON file per dataset,
``<dir>/_publisher_api/egov/<dataset>__<version>.json`` = ``{"dataset", "version", "records"}``.
``records`` may hold several versions of the same ``id`` with different ``modified``: the fake
shows, per id, the newest version modified at or before :attr:`FakeEgov.as_of` (None: the newest
of all), so a test can move the publisher's clock forward between two fetches.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ingest.fake_http import FakePublisher, Response

DEFAULT_API_KEY = "fake-egov-key"


def fixture_dir(path: Path) -> Path:
    """Accept the renderer's output folder, its ``_publisher_api`` folder, or the egov folder itself."""
    path = Path(path)
    for candidate in (path / "_publisher_api" / "egov", path / "egov", path):
        if candidate.is_dir() and any(candidate.glob("*__*.json")):
            return candidate
    return path


class FakeEgov(FakePublisher):
    name = "fake data.egov.kz"

    def __init__(self, fixtures: Path | None = None, *, api_key: str | None = DEFAULT_API_KEY, max_size: int = 10000):
        super().__init__()
        self.api_key = api_key
        self.max_size = max_size
        self.as_of: str | None = None
        self._data_lock = threading.Lock()
        self._datasets: dict[tuple[str, str], list[dict]] = {}
        if fixtures is not None:
            folder = fixture_dir(fixtures)
            for path in sorted(folder.glob("*__*.json")):
                payload = json.loads(path.read_text(encoding="utf-8"))
                self.add_records(payload["dataset"], payload["version"], payload["records"])

    # --- test helpers -------------------------------------------------------------------------------

    def add_records(self, dataset: str, version: str, records: list[dict]) -> None:
        """Publish more records (new ids, or new versions of existing ids with a later ``modified``)."""
        with self._data_lock:
            self._datasets.setdefault((dataset, version), []).extend(dict(r) for r in records)

    def datasets(self) -> list[tuple[str, str]]:
        return sorted(self._datasets)

    def visible(self, dataset: str, version: str) -> list[dict]:
        """Per id, the newest version published at ``as_of``."""
        with self._data_lock:
            versions = list(self._datasets.get((dataset, version), []))
        newest: dict[str, dict] = {}
        for record in versions:
            if self.as_of is not None and str(record.get("modified")) > self.as_of:
                continue
            key = str(record.get("id"))
            if key not in newest or str(record.get("modified")) >= str(newest[key].get("modified")):
                newest[key] = record
        return list(newest.values())

    # --- serving --------------------------------------------------------------------------------------

    def is_data_path(self, path: str) -> bool:
        return path.startswith(("/api/v4/", "/api/detailed/"))

    def page_key(self, path: str, params: dict[str, str]) -> str:
        return path

    def handle(self, path: str, params: dict[str, str]) -> Response:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "api" or parts[1] not in {"v4", "detailed"}:
            return Response.json({"error": "not found"}, 404)
        _, kind, dataset, version = parts
        if self.api_key is not None and params.get("apiKey") != self.api_key:
            return Response.json({"error": "Доступ запрещен: неверный apiKey"}, 403)
        if (dataset, version) not in self._datasets:
            return Response.json({"error": f"dataset {dataset}/{version} not found"}, 404)
        try:
            body = json.loads(params.get("source") or "{}")
            offset = int(body.get("from", 0))
            size = int(body.get("size", 10))
            query = body.get("query") or {"match_all": {}}
            sort = body.get("sort") or []
            records = [r for r in self.visible(dataset, version) if matches(r, query)]
            records = sort_records(records, sort)
        except (ValueError, TypeError, KeyError) as exc:
            return Response.json({"error": f"bad source: {exc}"}, 400)
        if size > self.max_size or size < 0 or offset < 0:
            return Response.json({"error": f"size must be 0..{self.max_size}"}, 400)
        page = records[offset : offset + size]
        if kind == "v4":
            return Response.json(page)
        # the fake says what it serves: generated records, never a publisher's (ingest/egov/parser.py reads it)
        return Response.json({"totalCount": len(records), "data": page, "synthetic": True})


# --- a little Elasticsearch ---------------------------------------------------------------------------


def _comparable(value):
    if isinstance(value, bool) or value is None:
        return (0, str(value))
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def matches(record: dict, query: dict) -> bool:
    if not isinstance(query, dict) or len(query) != 1:
        raise ValueError(f"unsupported query {query!r}")
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "range":
        ((name, bounds),) = spec.items()
        value = record.get(name)
        if value is None:
            return False
        left = _comparable(value)
        checks = {
            "gt": lambda b: left > _comparable(b),
            "gte": lambda b: left >= _comparable(b),
            "lt": lambda b: left < _comparable(b),
            "lte": lambda b: left <= _comparable(b),
        }
        unknown = set(bounds) - set(checks)
        if unknown:
            raise ValueError(f"unsupported range operator {sorted(unknown)}")
        return all(checks[op](bound) for op, bound in bounds.items())
    if kind in {"term", "match"}:
        ((name, wanted),) = spec.items()
        if isinstance(wanted, dict):
            wanted = wanted.get("value", wanted.get("query"))
        return str(record.get(name)) == str(wanted)
    if kind == "bool":
        must = _as_list(spec.get("must", [])) + _as_list(spec.get("filter", []))
        should = _as_list(spec.get("should", []))
        must_not = _as_list(spec.get("must_not", []))
        return (
            all(matches(record, q) for q in must)
            and (not should or any(matches(record, q) for q in should))
            and not any(matches(record, q) for q in must_not)
        )
    raise ValueError(f"unsupported query type {kind!r}")


def sort_records(records: list[dict], sort: list) -> list[dict]:
    keys: list[tuple[str, bool]] = []
    for item in sort if isinstance(sort, list) else [sort]:
        if isinstance(item, str):
            keys.append((item, False))
        else:
            ((name, order),) = item.items()
            order = order.get("order", "asc") if isinstance(order, dict) else order
            keys.append((name, order == "desc"))
    result = list(records)
    for name, descending in reversed(keys):
        result.sort(key=lambda r, n=name: _comparable(r.get(n)), reverse=descending)
    return result
