"""What the portal's browser tests share: headless Chromium and the portal served from a release folder.

The ``browser`` fixture is in ``tests/publication/conftest.py``; a test serves a release folder with :func:`serving`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def open_portal(page, url: str) -> None:
    """Open the portal at ``url`` and wait until it has rendered (``<html data-rendered>``, set by portal.js).

    ``networkidle`` alone is not enough: parsing plotly.min.js can outlast the 500 ms without requests on a
    busy machine, and the page is then still empty (a flake met in CI).
    """
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("html[data-rendered]")


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """The release folder served by the portal's own server (``edu-wh serve``) on 127.0.0.1; yields its URL."""
    from publication.portal.server import make_server

    server = make_server(folder, 0)
    assert server.server_address[0] == "127.0.0.1"  # never on other interfaces
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
