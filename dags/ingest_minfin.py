"""Airflow DAG: ingest the Ministry of Finance's execution of local budgets (Statistical Bulletin) when it lands.

Every 30 minutes, loads each new CSV delivery in ``landing/minfin/`` into
``raw.minfin_budget_execution_rows`` (one batch per file; a file already loaded is skipped by its
SHA-256). Each delivery holds bulletin editions (million tenge, cumulative from January) and may
repeat and revise earlier months: staging lets the newest edition win and lists the revisions. Rows
with a bad date, region, item or value go to ``raw.quarantine`` with their reason; a file refused
as a whole (missing columns) moves to ``quarantine/`` with its reason and fails the run once the
good files are in. Publishes the asset ``raw.minfin`` when new data was loaded, which schedules
``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_minfin = build_ingest_dag("minfin", __doc__)
