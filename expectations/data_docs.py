"""GX's own Data Docs of a gate run: the validations as Great Expectations users know them, offline.

The gate renders them after each run (:func:`write_data_docs`) next to its Markdown report
(``reports/gate_<id>_data_docs/``); the release folder copies those of the run that vouched for
it into ``quality/data_docs/`` (:mod:`publication.release_files`).

GX's pages load Bootstrap 4.3.1, jQuery 3.7.1, Popper 1.12.9, bootstrap-table 1.19.1 (with its
filter-control extension, which needs bootstrap-datepicker 1.9.0: without it the index's table of
results stays empty) and Font Awesome 6.6.0 (the success and failure marks) from public CDNs, and a
dark-mode stylesheet, Vega and a logo from others. A release is read offline, so the pages are
rewritten to load the libraries from ``static/vendor/`` (copies in
``expectations/data_docs_assets/``, see its ``PROVENANCE.md``; Font Awesome's five icons are
Unicode marks in ``icons.css``), the logo from GX's own ``static/images/``, and not to load the
rest (dark mode, and Vega charts, which these validations do not draw). Links to GX's web site
stay links.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "data_docs_assets"
SITE = "edu_wh_gate"

#: what GX's pages fetch → the vendored copy that replaces it (None: the tag is dropped)
CDN: dict[str, str | None] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "icons.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
}
LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[\w-]+\.png(\?[^'\"\s)]*)?")
TAG = re.compile(r"<(link|script)\b[^>]*?(?:href|src)=\"(https?://[^\"]+)\"[^>]*>(\s*</script>)?")
LOCAL_STATIC = re.compile(r"([\"'(])(?:\.\./)*static/")
FETCHED = re.compile(r"<(?:link|script|img)\b[^>]*?(?:href|src)=\"(https?://[^\"]+)\"|url\('(https?://[^']+)'\)")


def data_docs_dir(reports_dir: Path, gate_run_id: int) -> Path:
    """Where a gate run's Data Docs are written (next to its ``gate_<id>.md`` report)."""
    return reports_dir / f"gate_{gate_run_id:06d}_data_docs"


def write_data_docs(context, directory: Path) -> Path:
    """GX's Data Docs site of the validations this context ran (every suite of the gate run, their
    expectations and results) as static HTML in ``directory`` (``index.html``, ``validations/``,
    ``expectations/``, ``static/``), made to load nothing from the network."""
    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
    }
    context.add_data_docs_site(site_name=SITE, site_config=site)
    context.build_data_docs(site_names=[SITE])
    make_offline(directory)
    return directory / "index.html"


def make_offline(directory: Path) -> None:
    """Point every page of a Data Docs site at ``static/vendor/`` instead of the CDNs (see the module)."""
    vendor = directory / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for name in sorted({v for v in CDN.values() if v}):
        shutil.copyfile(ASSETS / name, vendor / name)
    for page in directory.rglob("*.html"):
        up = os.path.relpath(directory / "static", page.parent).replace(os.sep, "/")

        def local(m: re.Match, up: str = up) -> str:
            url = m[2]
            if url not in CDN:
                return m[0]
            if CDN[url] is None:
                return ""
            tag = m[0].replace(url, f"{up}/vendor/{CDN[url]}")
            return re.sub(r'\s(integrity|crossorigin)="[^"]*"', "", tag)  # no SRI check on a local copy

        text = page.read_text(encoding="utf-8")
        # GX counts a page's depth without the folders a dotted suite name makes ("raw.kato" →
        # raw/kato/), so its own links to static/ (styles, fonts, favicon) miss by a level or more
        text = LOCAL_STATIC.sub(lambda m, up=up: f"{m[1]}{up}/", text)
        text = LOGO.sub(f"{up}/images/logo-long.png", TAG.sub(local, text))
        page.write_text(text, encoding="utf-8")


def fetched_urls(directory: Path) -> set[str]:
    """The addresses the pages of a Data Docs site would fetch when opened (stylesheets, scripts, images)."""
    found = set()
    for page in directory.rglob("*.html"):
        for m in FETCHED.finditer(page.read_text(encoding="utf-8")):
            found.add(m[1] or m[2])
    return found
