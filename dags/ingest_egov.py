"""Airflow DAG: fetch data.egov.kz registers of schools and kindergartens incrementally and load them.

Daily at 03:00 UTC: ``fetch_egov`` asks the open-data API v4 for the records of ``state_schools``,
``private_schools`` and ``state_kindergartens`` modified since the cursor in ``meta.api_cursors``
and lands each response in ``landing/egov/`` (a failed fetch resumes where it stopped); ``load_egov``
loads each new file into ``raw.egov_records`` (one batch per file; a file already loaded is
skipped by its SHA-256). Publishes the asset ``raw.egov`` when new data was loaded, which
schedules ``transform_publish``. The API key comes from ``EDU_WH_EGOV_API_KEY`` or the Airflow
connection ``egov_open_data``.
"""

from orchestration.dags import build_ingest_dag

ingest_egov = build_ingest_dag("egov", __doc__)
