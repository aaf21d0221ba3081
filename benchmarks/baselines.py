"""Baselines the NEDB loader is compared with, each run in a fresh process (``benchmarks/run.py``).

Both read the same NEDB extract that :func:`ingest.nedb.write_bulk_file` writes (UTF-8 with BOM,
``;``-separated, 18 columns) into a table of 18 ``text`` columns of the configured warehouse, in
one transaction, and report rows, seconds (imports and table set-up excluded) and peak RSS:

* ``to_sql``: ``pandas.read_csv(sep=";", dtype=str, chunksize=50_000)``, each chunk written with
  ``DataFrame.to_sql(if_exists="append", index=False, method=None, chunksize=10_000)`` over one
  SQLAlchemy 2 connection (``postgresql+psycopg``). ``method=None`` is pandas' default: an
  ``executemany`` of single-row INSERTs, which SQLAlchemy 2 batches into multi-row
  ``INSERT … VALUES`` ("insertmanyvalues", 1,000 rows per statement); it is faster than
  ``method="multi"`` with psycopg 3.
* ``dlt``: a ``dlt`` resource reading the file with ``csv.reader`` and yielding pages of 10,000
  dicts (every column declared ``text``), ``pipeline.run`` to the ``postgres`` destination with its
  default loader file format (``insert_values``); telemetry off, the pipeline's working directory
  inside the benchmark's work directory. The time covers extract, normalize and load.

    python -m benchmarks.baselines --child-to-sql FILE | --child-dlt FILE --workdir DIR
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.nedb_loader import _peak_rss_mb

TO_SQL_TABLE = "bench_nedb_to_sql"
DLT_DATASET = "bench_dlt"
DLT_TABLE = "bench_nedb_dlt"
READ_CHUNK_ROWS = 50_000
TO_SQL_CHUNK_ROWS = 10_000
DLT_PAGE_ROWS = 10_000


def _columns() -> list[str]:
    from ingest.nedb import HEADERS

    return list(HEADERS)


def child_to_sql(path: Path) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    from edu_wh.config import settings

    columns = _columns()
    engine = sa.create_engine(settings().sqlalchemy_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop table if exists raw.{TO_SQL_TABLE}")
        conn.exec_driver_sql(f"create table raw.{TO_SQL_TABLE} ({', '.join(f'{c} text' for c in columns)})")
    pd.DataFrame({c: ["x"] for c in columns}).head(0)  # warm pandas' lazy imports
    started = time.perf_counter()
    with engine.begin() as conn:
        reader = pd.read_csv(
            path, sep=";", dtype=str, encoding="utf-8-sig", header=0, names=columns, chunksize=READ_CHUNK_ROWS
        )
        for frame in reader:
            frame.to_sql(
                TO_SQL_TABLE,
                conn,
                schema="raw",
                if_exists="append",
                index=False,
                method=None,
                chunksize=TO_SQL_CHUNK_ROWS,
            )
        rows = conn.exec_driver_sql(f"select count(*) from raw.{TO_SQL_TABLE}").scalar()
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop table raw.{TO_SQL_TABLE}")
    engine.dispose()
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _with_password(url: str) -> str:
    """dlt's postgres credentials require a password; the embedded server trusts local users, so a
    URL without one gets a placeholder the server ignores."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password or not parts.username:
        return url
    netloc = f"{parts.username}:unused@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def child_dlt(path: Path, workdir: Path) -> dict:
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["DLT_DATA_DIR"] = str(workdir / "data")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    import dlt
    import psycopg

    from edu_wh.config import settings

    columns = _columns()
    url = settings().url
    dlt_url = _with_password(url)

    @dlt.resource(
        name=DLT_TABLE,
        write_disposition="append",
        columns={c: {"data_type": "text", "nullable": True} for c in columns},
    )
    def nedb_rows():
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=";")
            next(reader)
            page = []
            for row in reader:
                page.append(dict(zip(columns, row)))
                if len(page) >= DLT_PAGE_ROWS:
                    yield page
                    page = []
            if page:
                yield page

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"drop schema if exists {DLT_DATASET} cascade")
    pipeline = dlt.pipeline(
        pipeline_name="bench_nedb",
        pipelines_dir=str(workdir / "pipelines"),
        destination=dlt.destinations.postgres(credentials=dlt_url),
        dataset_name=DLT_DATASET,
        progress=None,
    )
    started = time.perf_counter()
    pipeline.run(nedb_rows())
    seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(f"select count(*) from {DLT_DATASET}.{DLT_TABLE}").fetchone()[0]
        conn.execute(f"drop schema {DLT_DATASET} cascade")
    pipeline.drop()
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child-to-sql", type=Path)
    parser.add_argument("--child-dlt", type=Path)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.child_to_sql:
        print(json.dumps(child_to_sql(args.child_to_sql)))
    elif args.child_dlt:
        workdir = args.workdir or args.child_dlt.parent / "dlt"
        workdir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(child_dlt(args.child_dlt, workdir)))
    else:
        parser.error("nothing to do")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
