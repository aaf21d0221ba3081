"""What the fake publishers (``ingest/<source>/fake.py``) share: a real HTTP server on 127.0.0.1,
a log of the requests it answered, and switches that make it misbehave like a real publisher.

A fake is a ``ThreadingHTTPServer`` on an ephemeral port, usable as a context manager::

    with FakeEgov(fixtures_dir, api_key="k") as fake:
        fake.faults.server_error(times=2)          # the next two data requests answer 503
        ...  # point the client at fake.url

Faults apply to data requests in the order they were switched on; each may let ``after``
requests through first, and lasts ``times`` requests (``times=None``: until cleared).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


@dataclass
class Fault:
    kind: str  # status | delay | truncate | invalid_json | repeat_page
    times: int | None = 1
    after: int = 0
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class RequestRecord:
    path: str
    params: dict[str, str]
    status: int
    fault: str | None

    def source_body(self) -> dict | None:
        """The decoded ``source`` parameter (data.egov.kz), if any."""
        return json.loads(self.params["source"]) if "source" in self.params else None


class Faults:
    """Switches for misbehaviour; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Fault] = []
        #: kinds of the faults applied so far, in order (recorded when applied, before any delay)
        self.applied: list[str] = []

    def rate_limit(self, times: int | None = 1, *, retry_after: str | None = "1", after: int = 0) -> None:
        """Answer 429 Too Many Requests, with ``Retry-After`` (seconds) unless None."""
        self._add(Fault("status", times, after, status=429, retry_after=retry_after))

    def server_error(self, times: int | None = 1, *, status: int = 503, after: int = 0) -> None:
        """Answer 500/502/503 (``times=None``: from now on, until cleared)."""
        self._add(Fault("status", times, after, status=status))

    def delay(self, seconds: float, times: int | None = 1, *, after: int = 0) -> None:
        """Wait ``seconds`` before answering (longer than the client's timeout, for a timeout)."""
        self._add(Fault("delay", times, after, seconds=seconds))

    def truncate(self, times: int | None = 1, *, after: int = 0) -> None:
        """Send only the first half of the JSON body (with a matching Content-Length)."""
        self._add(Fault("truncate", times, after))

    def invalid_json(self, times: int | None = 1, *, after: int = 0) -> None:
        """Answer 200 with an HTML error page instead of JSON (a proxy's page)."""
        self._add(Fault("invalid_json", times, after))

    def repeat_page(self, times: int | None = 1, *, after: int = 0) -> None:
        """Answer with the previous page's body again (unstable paging on the publisher's side)."""
        self._add(Fault("repeat_page", times, after))

    def clear(self) -> None:
        """Switch every fault off (what was applied stays in :attr:`applied`)."""
        with self._lock:
            self._active.clear()

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._active.append(fault)

    def take(self) -> Fault | None:
        """The fault that applies to the next data request (and count it)."""
        with self._lock:
            chosen = None
            for fault in self._active:
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if chosen is None:
                    chosen = fault
                    self.applied.append(fault.kind)
                    if fault.times is not None:
                        fault.times -= 1
            self._active = [f for f in self._active if f.times is None or f.times > 0]
            return chosen


class FakePublisher:
    """Base of the fake publishers: subclasses implement :meth:`handle` (and say which paths are data)."""

    name = "fake publisher"

    def __init__(self) -> None:
        self.faults = Faults()
        self._requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._last_body: dict[str, bytes] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakePublisher:
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY: http.server sends the headers and the body in two writes; on a kept-alive
            # connection Nagle's algorithm then holds the body until the client's delayed ACK, ~40 ms
            # per response (the budget fetch of the demo: 144 requests, 6 of its 7 s waiting)
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                publisher._serve(self)

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"{self.name} on {self.url}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def data_requests(self) -> list[RequestRecord]:
        return [r for r in self.requests if self.is_data_path(r.path)]

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()

    # --- what subclasses provide ------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, str]) -> Response:
        raise NotImplementedError

    def is_data_path(self, path: str) -> bool:
        return True

    def page_key(self, path: str, params: dict[str, str]) -> str:
        """Requests with the same key are pages of one listing (for the repeated-page fault)."""
        return path

    # --- serving ----------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        fault = self.faults.take() if self.is_data_path(parts.path) else None
        applied = fault.kind if fault else None
        if fault and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            response = Response.json({"error": f"fault injected: HTTP {fault.status}"}, fault.status)
            response.headers.update(headers)
        else:
            if fault and fault.kind == "delay":
                time.sleep(fault.seconds)
            try:
                response = self.handle(parts.path, params)
            except Exception as exc:  # noqa: BLE001 - a fake must answer, not hang
                response = Response.json({"error": f"{type(exc).__name__}: {exc}"}, 500)
            key = self.page_key(parts.path, params)
            if response.status == 200:
                previous = self._last_body.get(key)
                if fault and fault.kind == "repeat_page" and previous is not None:
                    response = Response(200, previous, response.content_type)
                else:
                    self._last_body[key] = response.body
                    if fault and fault.kind == "repeat_page":
                        applied = None  # nothing to repeat yet
                if fault and fault.kind == "truncate":
                    response = Response(200, response.body[: max(1, len(response.body) // 2)], response.content_type)
                elif fault and fault.kind == "invalid_json":
                    response = Response(
                        200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html; charset=utf-8"
                    )
        with self._lock:
            self._requests.append(RequestRecord(parts.path, params, response.status, applied))
        try:
            handler.send_response(response.status)
            handler.send_header("Content-Type", response.content_type)
            handler.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that is the point of a delay fault
