"""Typed client of the data.egov.kz open-data API v4, and the resumable incremental extraction.

The API: ``GET /api/v4/{dataset}/{version}?apiKey=…&source={json}`` (a JSON array of records) and
``GET /api/detailed/{dataset}/{version}?apiKey=…&source={json}`` (``{"totalCount": n, "data": [...]}``),
where ``source`` is an Elasticsearch request body (``from``, ``size``, ``query``, ``sort``). Without
a valid key the portal answers 403.

**Incremental extraction** of one dataset, given the cursor (the largest ``modified`` landed so far):

1. *probe*: one record, ``cursor < modified <= now + 1 day``, sorted newest first → the window's
   upper bound (that record's ``modified``) and its size (``totalCount``); a record dated in the
   future waits until its date instead of becoming the cursor and hiding every earlier change;
2. *pages*: ``cursor < modified <= upper``, sorted by ``(modified, id)`` so that paging is stable,
   ``from = 0, size, 2·size, …`` until ``totalCount`` records have arrived;
3. each page is checked with the pure parser before it is kept (truncated or invalid JSON, a page
   repeating records already received, a short page → asked again with backoff), then written to
   ``landing/egov/`` as ``…from-<offset>.json.part`` (the loader ignores ``.part`` files);
4. when all pages are in, the ``.part`` files are renamed to ``.json`` and the new cursor is the
   upper bound.

The window is fixed by its upper bound, so a record modified while we page *leaves* the window
(``totalCount`` drops) instead of shifting records between pages; a changed ``totalCount`` restarts
the extraction. **Resume**: the window is kept in a manifest beside the pages
(``.<dataset>__<version>__after-<cursor>.extract.json``); a rerun with the same cursor reuses it and
asks only for pages that are not on disk yet. Progress is also written to
``meta.api_cursors.page_offset`` by the caller (``on_page``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.base import SourceFormatError
from ingest.egov.parser import EgovPage, cursor_token, page_file_name, read_page
from ingest.http import Fetched, HttpClient, PublisherError, RetryableResponse, RetryPolicy

log = logging.getLogger("edu_wh.ingest.egov")

PUBLISHER = "data.egov.kz"
KEY_REFUSED = (
    "data.egov.kz refused the API key; set EDU_WH_EGOV_API_KEY",
    "or store the key as the password of the Airflow connection `egov_open_data`",
)
MAX_WINDOW_RESTARTS = 2
DEFAULT_PAGE_SIZE = 100


class WindowMoved(Exception):
    """The number of records in the extraction window changed while paging."""


def resolve_api_key(explicit: str | None = None) -> str | None:
    """The API key: the explicit value, else ``EDU_WH_EGOV_API_KEY``, else the password of the
    Airflow connection ``egov_open_data`` (looked up only now, and only if Airflow is installed)."""
    if explicit:
        return explicit
    from edu_wh.config import settings

    if settings().egov_api_key:
        return settings().egov_api_key
    import importlib.util

    if importlib.util.find_spec("airflow") is None:
        return None
    try:
        from airflow.sdk import Connection

        return Connection.get("egov_open_data").password or None
    except Exception:  # noqa: BLE001 - no connection defined, or no Airflow context: no key
        log.debug("no Airflow connection egov_open_data", exc_info=True)
        return None


def future_horizon(now: dt.datetime | None = None) -> str:
    """The latest ``modified`` a fetch accepts: its own clock plus a day (time zones), as the API writes it."""
    now = now or dt.datetime.now(dt.UTC)
    return (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")


def window_query(lower: str | None, upper: str | None = None) -> dict:
    bounds = {}
    if lower is not None:
        bounds["gt"] = lower
    if upper is not None:
        bounds["lte"] = upper
    return {"range": {"modified": bounds}} if bounds else {"match_all": {}}


@dataclass(frozen=True)
class Window:
    lower: str | None
    upper: str
    total: int
    page_size: int

    def offsets(self) -> list[int]:
        return list(range(0, self.total, self.page_size))


class EgovClient:
    """``data.egov.kz`` API v4: a timeout on every request, retries with backoff (see ingest.http)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float,
        retry: RetryPolicy | None = None,
    ):
        self.api_key = api_key
        self.http = HttpClient(
            base_url,
            PUBLISHER,
            timeout,
            retry or RetryPolicy(),
            refusals={401: KEY_REFUSED, 403: KEY_REFUSED},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EgovClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def search(
        self,
        dataset: str,
        version: str,
        body: dict,
        *,
        detailed: bool = True,
        validate: Callable[[bytes], object] | None = None,
        what: str | None = None,
    ) -> Fetched:
        """One request with an Elasticsearch ``source`` body; the raw response and what ``validate`` made of it."""
        params = {"source": json.dumps(body, ensure_ascii=False, separators=(",", ":"))}
        if self.api_key:
            params["apiKey"] = self.api_key
        path = f"/api/{'detailed' if detailed else 'v4'}/{dataset}/{version}"
        return self.http.get(
            path, params, validate=validate or (lambda content: content), what=what or f"{dataset}/{version}"
        )

    def probe(self, dataset: str, version: str, cursor: str | None, page_size: int) -> Window | None:
        """The window of records modified after ``cursor``: upper bound and size; None if nothing is new."""
        name = page_file_name(dataset, version, cursor, 0)
        # A record dated in the future (a clock or typing error at the publisher) must not become the
        # cursor, or every change made before that date would be skipped: the window ends at the
        # fetch's own clock (plus a day for time zones); such records wait until their date comes.
        horizon = future_horizon()
        body = {
            "from": 0,
            "size": 1,
            "query": window_query(cursor, horizon),
            "sort": [{"modified": {"order": "desc"}}, {"id": {"order": "desc"}}],
        }
        fetched = self.search(
            dataset, version, body, validate=lambda c: _checked(c, name), what=f"{dataset}/{version} (newest record)"
        )
        page: EgovPage = fetched.value
        if page.total_count is None:
            raise PublisherError(f"data.egov.kz gave no totalCount for {dataset}/{version}")
        if page.total_count == 0 or not page.records:
            return None
        return Window(cursor, str(page.records[0]["modified"]), page.total_count, page_size)

    def page(self, dataset: str, version: str, window: Window, offset: int, seen: dict[str, int]) -> Fetched:
        """One page of the window, checked: parseable, complete, consistent and not repeating records."""
        name = page_file_name(dataset, version, window.lower, offset)
        expected = min(window.page_size, window.total - offset)

        def validate(content: bytes) -> EgovPage:
            page = _checked(content, name)
            repeated = [rid for rid in page.ids if rid in seen]
            if repeated:
                earlier = sorted({seen[rid] for rid in repeated})
                raise RetryableResponse(
                    f"the page from {offset} repeats {len(repeated)} record(s) already received in the page(s) "
                    f"from {', '.join(map(str, earlier))} (e.g. id {repeated[0]}): the publisher's paging is unstable"
                )
            outside = [r for r in page.records if not _in_window(str(r["modified"]), window)]
            if outside:
                raise RetryableResponse(
                    f"the page from {offset} holds record {outside[0].get('id')} modified {outside[0]['modified']}, "
                    f"outside the requested window ({window.lower or 'start'}, {window.upper}]: the query was not applied"
                )
            if page.total_count != window.total:
                raise WindowMoved(
                    f"{dataset}/{version}: {page.total_count} records in the window, {window.total} before"
                )
            got = len(page.records) + len(page.rejected)
            if got != expected:
                raise RetryableResponse(f"the page from {offset} has {got} records, expected {expected}")
            return page

        body = {
            "from": offset,
            "size": window.page_size,
            "query": window_query(window.lower, window.upper),
            "sort": [{"modified": {"order": "asc"}}, {"id": {"order": "asc"}}],
        }
        return self.search(dataset, version, body, validate=validate, what=f"{dataset}/{version} from {offset}")


def _in_window(modified: str, window: Window) -> bool:
    return (window.lower is None or modified > window.lower) and modified <= window.upper


def _checked(content: bytes, name: str) -> EgovPage:
    try:
        return read_page(content, name)
    except SourceFormatError as exc:
        raise RetryableResponse(exc.reason) from exc


@dataclass
class Extract:
    """The outcome of one dataset's extraction."""

    dataset: str
    version: str
    cursor: str | None
    new_cursor: str | None
    files: list[Path] = field(default_factory=list)
    records: int = 0
    pages_fetched: int = 0
    pages_resumed: int = 0
    #: pages the publisher marked synthetic (a fake publisher's): their batches load as synthetic
    synthetic_pages: int = 0
    manifest: Path | None = None

    def finish(self) -> None:
        """Forget the extraction's manifest (call after the new cursor is stored)."""
        if self.manifest is not None:
            self.manifest.unlink(missing_ok=True)


def manifest_path(landing_dir: Path, dataset: str, version: str, cursor: str | None) -> Path:
    return landing_dir / f".{dataset}__{version}__after-{cursor_token(cursor)}.extract.json"


def extract(
    client: EgovClient,
    dataset: str,
    version: str,
    *,
    cursor: str | None,
    landing_dir: Path,
    page_size: int = DEFAULT_PAGE_SIZE,
    on_page: Callable[[int], None] | None = None,
) -> Extract:
    """Land every record of ``dataset`` modified after ``cursor`` (see the module docstring).

    ``on_page(next_offset)`` is called after each page is safely on disk (to record progress).
    Raises :class:`PublisherError` when the publisher cannot be read; pages already on disk stay
    and are not asked for again by the next call with the same cursor.
    """
    landing_dir.mkdir(parents=True, exist_ok=True)
    manifest = manifest_path(landing_dir, dataset, version, cursor)
    for restart in range(MAX_WINDOW_RESTARTS + 1):
        window = _load_window(manifest, cursor)
        if window is None:
            window = client.probe(dataset, version, cursor, page_size)
            if window is None:
                log.info("%s/%s: nothing modified after %s", dataset, version, cursor)
                return Extract(dataset, version, cursor, cursor)
            _write_atomic(manifest, json.dumps(window.__dict__, ensure_ascii=False, indent=1).encode())
        try:
            return _fetch_pages(client, dataset, version, window, landing_dir, manifest, on_page)
        except WindowMoved as exc:
            log.warning("%s; restarting the extraction (%d/%d)", exc, restart + 1, MAX_WINDOW_RESTARTS)
            _discard(landing_dir, dataset, version, cursor, manifest)
    raise PublisherError(
        f"data.egov.kz kept changing {dataset}/{version} while it was being read ({MAX_WINDOW_RESTARTS + 1} attempts)",
        hint="rerun the fetch later",
    )


def _fetch_pages(client, dataset, version, window: Window, landing_dir, manifest, on_page) -> Extract:
    result = Extract(dataset, version, window.lower, window.upper, manifest=manifest)
    seen: dict[str, int] = {}
    done: dict[int, Path] = {}
    for offset in window.offsets():
        final = landing_dir / page_file_name(dataset, version, window.lower, offset)
        part = final.with_name(final.name + ".part")
        on_disk = final if final.exists() else part if part.exists() else None
        if on_disk is None:
            continue
        page = read_page(on_disk.read_bytes(), final.name)  # ours, checked when it arrived
        seen.update(dict.fromkeys(page.ids, offset))
        done[offset] = on_disk
        result.pages_resumed += 1
        result.records += len(page.records)
    if done:
        log.info("%s/%s: resuming, %d of %d pages already on disk", dataset, version, len(done), len(window.offsets()))
    for offset in window.offsets():
        if offset in done:
            continue
        fetched = client.page(dataset, version, window, offset, seen)
        page: EgovPage = fetched.value
        final = landing_dir / page_file_name(dataset, version, window.lower, offset)
        part = final.with_name(final.name + ".part")
        _write_atomic(part, fetched.content)
        seen.update(dict.fromkeys(page.ids, offset))
        done[offset] = part
        result.pages_fetched += 1
        result.records += len(page.records)
        if page.synthetic:  # kept in the landed file too: its batch is loaded as synthetic
            result.synthetic_pages += 1
        if on_page:
            on_page(offset + window.page_size)
    for offset in window.offsets():
        path = done[offset]
        final = landing_dir / page_file_name(dataset, version, window.lower, offset)
        if path != final:
            os.replace(path, final)
        result.files.append(final)
    log.info(
        "%s/%s: %d records in %d pages (%d fetched, %d resumed, %d marked synthetic), modified %s … %s",
        dataset,
        version,
        result.records,
        len(result.files),
        result.pages_fetched,
        result.pages_resumed,
        result.synthetic_pages,
        window.lower or "start",
        window.upper,
    )
    return result


def _load_window(manifest: Path, cursor: str | None) -> Window | None:
    if not manifest.exists():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if data.get("lower") != cursor:
        return None
    return Window(data["lower"], data["upper"], int(data["total"]), int(data["page_size"]))


def _discard(landing_dir: Path, dataset: str, version: str, cursor: str | None, manifest: Path) -> None:
    prefix = f"{dataset}__{version}__after-{cursor_token(cursor)}__from-"
    for path in landing_dir.glob(prefix + "*.json.part"):
        path.unlink()
    manifest.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
