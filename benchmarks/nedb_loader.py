"""The NEDB loader against a plain ``COPY FROM STDIN`` of the same CSV, and its peak memory.

    python -m benchmarks.nedb_loader --rows 1000000 [--small-rows 100000] [--workdir DIR]

Runs against the configured warehouse (``EDU_WH_DATABASE_URL``, or the embedded server of
``EDU_WH_HOME``). For each size it writes an NEDB extract with :func:`ingest.nedb.write_bulk_file`
(cached in the work directory), then, each in a fresh process so peak RSS is that run's own:

* **copy**: the file's bytes streamed into ``COPY … FROM STDIN (FORMAT csv, DELIMITER ';', HEADER)``
  of a table with the same 18 text columns (the lower bound: no parsing, no validation);
* **loader**: ``ingest.loader.load_file`` with the ``nedb`` source (hash, detect, validate every
  row, Bloom-filter duplicate check, COPY of CSV chunks, bookkeeping, one transaction); the
  process imports pyarrow before the clock starts (a one-off cost, not a rate).

Prints a table and, with ``--json``, the figures for ``benchmarks/run.py``; ``run(rows)`` returns them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

COPY_TABLE = "bench_nedb_copy"


def _bulk_file(workdir: Path, rows: int) -> Path:
    from ingest.nedb import write_bulk_file

    path = workdir / f"nedb_bulk_2023-24_{rows}.csv"
    if not path.exists():
        write_bulk_file(path.with_suffix(".tmp"), rows).rename(path)
    return path


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: Linux carries the parent's RSS at fork into
    the child's ``ru_maxrss`` across exec, so a child of a large parent reports at least the
    parent's size; ``VmHWM`` belongs to the process's own address space."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_copy(path: Path) -> dict:
    """COPY the raw CSV into a scratch table with the same columns; report rows/s."""
    from edu_wh.warehouse import connect
    from ingest.nedb import HEADERS

    columns = ", ".join(f'"{c}" text' for c in HEADERS)
    with connect(autocommit=True, application_name="bench copy") as conn:
        conn.execute(f"drop table if exists raw.{COPY_TABLE}")
        conn.execute(f"create table raw.{COPY_TABLE} ({columns})")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(f"copy raw.{COPY_TABLE} from stdin (format csv, delimiter ';', header true)") as copy:
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        copy.write(block)
            rows = cur.execute(f"select count(*) from raw.{COPY_TABLE}").fetchone()[0]
        seconds = time.perf_counter() - started
        conn.execute(f"drop table raw.{COPY_TABLE}")
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def child_load(path: Path) -> dict:
    """Load the file with the nedb source; the batch is deleted afterwards so the next run loads again."""
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401

    from edu_wh.warehouse import connect
    from ingest.loader import load_file
    from ingest.nedb import SOURCE

    # one-off imports (pyarrow pulls in pandas: ~1.4 s in a venv without bytecode caches) are not rows/s
    pa.array([0])
    started = time.perf_counter()
    result = load_file(SOURCE, path, synthetic=True)
    seconds = time.perf_counter() - started
    with connect(autocommit=True, application_name="bench cleanup") as conn:
        conn.execute("delete from raw.nedb_school_years where _batch_id = %s", (result.batch_id,))
        conn.execute("delete from raw.quarantine where batch_id = %s", (result.batch_id,))
        conn.execute("delete from meta.load_batches where batch_id = %s", (result.batch_id,))
    return {
        "rows": result.rows_loaded,
        "quarantined": result.rows_quarantined,
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _in_child(kind: str, path: Path) -> dict:
    env = os.environ.copy()
    # a 5M-row extract (~1.3 GB) is over the loader's default 512 MB file-size guard
    needed_mb = path.stat().st_size // (1 << 20) + 1
    env["EDU_WH_MAX_FILE_MB"] = str(max(needed_mb, int(float(env.get("EDU_WH_MAX_FILE_MB") or 512))))
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.nedb_loader", f"--child-{kind}", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rows: int = 1_000_000, small_rows: int = 100_000, workdir: Path | None = None) -> dict:
    from edu_wh.bootstrap import bootstrap
    from edu_wh.config import settings
    from edu_wh.warehouse import connect, ensure_warehouse
    from ingest.registry import all_sources

    ensure_warehouse()
    with connect() as conn:
        bootstrap(conn, all_sources())
        conn.commit()
    workdir = Path(workdir or settings().home / "bench" / "nedb")
    workdir.mkdir(parents=True, exist_ok=True)
    figures: dict = {"rows": rows, "small_rows": small_rows}
    for label, n in (("small", small_rows), ("large", rows)):
        path = _bulk_file(workdir, n)
        copy = _in_child("copy", path)
        load = _in_child("load", path)
        figures[label] = {
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "copy_rows_per_s": round(copy["rows"] / copy["seconds"]),
            "loader_rows_per_s": round(load["rows"] / load["seconds"]),
            "loader_vs_copy": round((load["rows"] / load["seconds"]) / (copy["rows"] / copy["seconds"]), 2),
            "copy_seconds": round(copy["seconds"], 2),
            "loader_seconds": round(load["seconds"], 2),
            "loader_rows": load["rows"],
            "loader_quarantined": load["quarantined"],
            "loader_peak_rss_mb": round(load["peak_rss_mb"], 1),
            "copy_peak_rss_mb": round(copy["peak_rss_mb"], 1),
        }
    figures["peak_rss_ratio_large_vs_small"] = round(
        figures["large"]["loader_peak_rss_mb"] / figures["small"]["loader_peak_rss_mb"], 2
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-copy", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-load", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_copy:
        print(json.dumps(child_copy(args.child_copy)))
        return
    if args.child_load:
        print(json.dumps(child_load(args.child_load)))
        return
    figures = run(args.rows, args.small_rows, args.workdir)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for label in ("small", "large"):
        f = figures[label]
        n = figures["rows"] if label == "large" else figures["small_rows"]
        print(
            f"{n:>10,} rows ({f['file_mb']} MB): COPY {f['copy_rows_per_s']:>9,} rows/s, "
            f"loader {f['loader_rows_per_s']:>9,} rows/s = {f['loader_vs_copy']:.2f}× COPY; "
            f"loader peak RSS {f['loader_peak_rss_mb']} MB"
        )
    print(
        f"peak RSS {figures['rows']:,} vs {figures['small_rows']:,} rows: {figures['peak_rss_ratio_large_vs_small']}×"
    )


if __name__ == "__main__":
    main()
