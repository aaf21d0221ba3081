"""Airflow DAG: ingest reference classifiers (the KATO classifier of territories) when they land.

Every 30 minutes, loads each new classifier file in ``landing/kato/`` into ``raw.kato_rows`` (one
batch per file; a file already loaded is skipped by its SHA-256; the classifier date comes from the
file name). A file refused as a whole moves to ``quarantine/`` with its reason and fails the run
once the good files are in. Publishes the asset ``raw.kato`` when new data was loaded, which
schedules ``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_reference = build_ingest_dag("reference", __doc__)
