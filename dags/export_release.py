"""Airflow DAG: write the files of the current release for ministry staff and analysts.

Runs whenever ``transform_publish`` or ``backfill`` updates the asset ``published`` (or when
triggered): reads the current release as one consistent snapshot and writes
``releases/r<NNNNNN>/`` (Excel with kk/ru/en labels, CSV, Parquet, data dictionary, CHANGES,
quality report, dbt docs, the portal, a manifest of sha256 sums). A release whose folder exists is not written again, so reruns are no-ops. A failure here
leaves the published tables as they are; ``edu-wh export`` writes the files by hand.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from orchestration.dags import DEFAULT_ARGS, PUBLISHED_ASSET, START_DATE, notify_failure, wanted


@dag(
    dag_id="export_release",
    schedule=[PUBLISHED_ASSET],
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    on_failure_callback=notify_failure,
    tags=["publish", "release", "exports"],
    doc_md=__doc__,
)
def export_release():
    @task
    def export_files(**context) -> str:
        from orchestration.tasks import export_release_files

        return export_release_files(context["run_id"])

    export_files()


if wanted("export_release"):  # not when a parse is for another DAG (orchestration.dags.wanted)
    export_release()
