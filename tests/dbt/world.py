"""Load a generated drop plus the real samples into the warehouse the settings point at.

The marts tests (and a developer trying the marts by hand) need every source loaded the way the
pipeline loads it: file sources with :func:`ingest.loader.load_file` over the drop's
``<source>/`` folders and ``data/samples``; the API sources fetched from the fake data.egov.kz and
budget portal serving the drop's ``_publisher_api`` fixtures, landed in ``landing/<source>/`` and
loaded with :func:`orchestration.tasks.load_landing`. Parts can be held back (an NEDB year, the last
budget months) to test an incremental run against a full refresh.
"""

from __future__ import annotations

from pathlib import Path

FILE_SOURCES = ("nedb", "comfortable_school")


def write_drop(out_dir: Path, scale: int = 1, seed: int = 2023) -> Path:
    from ingest.synth.drop import write_drop as _write_drop

    _write_drop(out_dir, scale, seed)
    return out_dir


def load_samples() -> list[int]:
    """The real BNS tables, press articles and KATO classifier (cli.samples.SAMPLE_FILES)."""
    from cli.samples import SAMPLE_FILES, SAMPLES_DIR
    from ingest.loader import load_file
    from ingest.registry import get_source

    return [load_file(get_source(source), SAMPLES_DIR / relative).batch_id for source, relative in SAMPLE_FILES]


def load_drop_files(drop: Path, *, skip: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> list[int]:
    """Load the drop's file sources; ``skip`` / ``only``: file names to leave out / to load alone."""
    from ingest.loader import load_file
    from ingest.registry import get_source

    batches = []
    for source in FILE_SOURCES:
        for path in sorted((drop / source).rglob("*")):
            if not path.is_file() or path.name in skip or (only and path.name not in only):
                continue
            batches.append(load_file(get_source(source), path).batch_id)
    return batches


def fetch_and_load_api(drop: Path, *, budget_until: tuple[int, int] | None = None) -> dict[str, list]:
    """Fetch egov and budget from the fakes serving the drop's fixtures and load what landed.

    ``budget_until``: the last (year, month) the budget fetch asks for (the fake serves what the
    world has up to it); a later call continues after the cursor the previous one saved."""
    from edu_wh.config import settings
    from ingest.budget.source import BudgetSource
    from ingest.fake_publishers import fake_publishers
    from ingest.loader import SYNTHETIC_MARKER
    from ingest.registry import get_source
    from orchestration.tasks import load_landing

    landing = settings().landing_dir
    landing.mkdir(parents=True, exist_ok=True)
    # everything fetched from the fakes is the synthetic world: the marker in the landing root (not in
    # landing/egov/, where the egov source would take it for a delivered *.json extract)
    (landing / SYNTHETIC_MARKER).write_text('{"note": "fetched from a fake publisher"}\n', encoding="utf-8")
    loaded: dict[str, list] = {}
    with fake_publishers(drop):
        for source in ("egov", "budget"):
            folder = landing / source
            folder.mkdir(parents=True, exist_ok=True)
            if source == "budget" and budget_until is not None:
                BudgetSource(until=budget_until).fetch(folder)
            else:
                get_source(source).fetch(folder)
            summary = load_landing(source)
            assert not summary.rejected, summary.rejected
            loaded[source] = summary.loaded
    return loaded


def load_world(drop: Path, *, nedb_skip: tuple[str, ...] = (), budget_until: tuple[int, int] | None = None) -> None:
    load_samples()
    load_drop_files(drop, skip=nedb_skip)
    fetch_and_load_api(drop, budget_until=budget_until)


def grant_temporary(url: str) -> None:
    """dbt unit tests create temporary tables: TEMP on the database for the transformer role."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'grant temporary on database "{conn.info.dbname}" to edu_wh_transformer')
