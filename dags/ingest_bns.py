"""Airflow DAG: ingest Bureau of National Statistics files (dynamic tables and bulletins) when they land.

Every 30 minutes, loads each new file in ``landing/bns_dynamic/`` and ``landing/bns_bulletin/``
into ``raw`` (one batch per file; a file already loaded is skipped by its SHA-256). A file refused
as a whole moves to ``quarantine/`` with its reason and fails the run once the good files are in.
Publishes the assets ``raw.bns_dynamic`` / ``raw.bns_bulletin`` when new data was loaded, which
schedules ``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_bns = build_ingest_dag("bns", __doc__)
