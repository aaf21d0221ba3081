"""Airflow DAG: fetch the monthly education budget execution reports (open budgets) and load them.

On the 2nd of each month at 04:00 UTC: ``fetch_budget`` asks budget.egov.kz for the execution
reports by functional classification of Almaty oblast and Almaty city for every month after the
cursor in ``meta.api_cursors`` and lands them in ``landing/budget/``; a report in the wrong unit is
refused into ``quarantine/budget/`` with its reason. ``load_budget`` loads each new file into
``raw.budget_execution_rows`` (one batch per file; a file already loaded is skipped by its
SHA-256). Publishes the asset ``raw.budget`` when new data was loaded, which schedules
``transform_publish``.
"""

from orchestration.dags import build_ingest_dag

ingest_budget = build_ingest_dag("budget", __doc__)
