"""Ingest Bureau of National Statistics files (dynamic tables and bulletins) when they land.

Loads every new file in ``landing/bns_*/`` into ``raw`` (one batch per file, idempotent by file
hash); a file refused as a whole moves to ``quarantine/`` and fails the run with the reason.
Publishes the asset ``raw.<source>`` when new data was loaded, which schedules
``transform_publish``.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from edu_wh.orchestration import DEFAULT_ARGS, FAMILIES, START_DATE, notify_failure, raw_asset

FAMILY = "bns"


@dag(
    dag_id=f"ingest_{FAMILY}",
    schedule="*/30 * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    on_failure_callback=notify_failure,
    tags=["ingest", FAMILY, "bns"],
    doc_md=__doc__,
)
def ingest_bns():
    loads = []
    for source_name in FAMILIES[FAMILY]:

        @task(task_id=f"load_{source_name}", outlets=[raw_asset(source_name)])
        def load(source_name: str = source_name, **context) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from edu_wh.pipeline import load_landing

            summary = load_landing(source_name, run_id=context["run_id"])
            if not summary.new_data and not summary.rejected:
                raise AirflowSkipException(f"no new {source_name} files in landing")
            return summary.as_dict()

        loads.append(load())

    @task(trigger_rule="none_failed")
    def check_rejections(summaries: list) -> None:
        from edu_wh.pipeline import raise_for_rejections

        raise_for_rejections([s for s in summaries if s])

    check_rejections(loads)


ingest_bns()
