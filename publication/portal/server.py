"""``edu-wh serve``: a release folder over HTTP on 127.0.0.1 only (the standard library's server)."""

from __future__ import annotations

import functools
import logging
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger("edu_wh.serve")

HOST = "127.0.0.1"


class ReleaseHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".csv": "text/csv; charset=utf-8",
        ".md": "text/markdown; charset=utf-8",
        ".json": "application/json",
        ".js": "text/javascript; charset=utf-8",
        ".parquet": "application/vnd.apache.parquet",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    def do_GET(self):  # noqa: N802 - the standard library's name
        if self.path in ("/", "/index.html"):
            self.send_response(302)
            self.send_header("Location", "/portal/index.html")
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
        log.info("%s %s", self.address_string(), format % args)


def make_server(folder: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``folder`` bound to 127.0.0.1 (port 0: any free port)."""
    handler = functools.partial(ReleaseHandler, directory=str(folder))
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server
