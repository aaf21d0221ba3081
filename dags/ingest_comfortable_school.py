"""Airflow DAG: ingest Comfortable School (Жайлы мектеп) status reports of the operator and akimats when they land.

Every 30 minutes, loads each new workbook in ``landing/comfortable_school/`` into
``raw.comfortable_school_reports`` (one batch per file; a file already loaded is skipped by its
SHA-256). Rows with an unknown status, bad places, a status date after the report date, an unknown
KATO code or a repeated (project, status date) go to ``raw.quarantine`` with their reason; a file
refused as a whole (not a workbook, missing columns) moves to ``quarantine/`` with its reason and
fails the run once the good files are in. Publishes the asset ``raw.comfortable_school`` when new
data was loaded, which schedules ``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_comfortable_school = build_ingest_dag("comfortable_school", __doc__)
