"""Airflow DAG: ingest NEDB (НОБД) school-level extracts, one CSV per academic year, when they land.

Every 30 minutes, loads each new file in ``landing/nedb/`` into ``raw.nedb_school_years`` (one
batch per file; a file already loaded is skipped by its SHA-256). Rows that fail validation (BIN,
KATO, counts, shifts, free meals above primary pupils, duplicate school-years, future years) go to
``raw.quarantine`` with their row number and reason; a file refused as a whole (missing columns,
wrong unit, encoding, truncation) moves to ``quarantine/`` with its reason and fails the run once
the good files are in. Publishes the asset ``raw.nedb`` when new data was loaded, which schedules
``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_nedb = build_ingest_dag("nedb", __doc__)
