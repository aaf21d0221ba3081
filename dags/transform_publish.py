"""Airflow DAG: build, check and publish a release of the education warehouse.

Runs when any ``raw.*`` asset is updated (an ingest DAG loaded new data) or when triggered:

1. ``acquire_lock``: one build-and-publish at a time (a lease in ``meta.pipeline_lock``);
2. ``reset_candidate``: an empty ``candidate`` schema, so nothing stale can be published;
3. ``dbt``: a Cosmos task group builds seeds → staging → intermediate → marts → the published
   contract tables into ``candidate``, each model followed by its dbt tests;
4. ``gate``: Great Expectations suites on ``candidate``; a critical failure stops here and
   ``published`` stays exactly as it was (the report goes to ``meta.gate_runs`` and a file);
5. ``publish``: swap ``candidate`` into ``published`` in one transaction (or nothing, if the
   candidate equals the current release) and record the release;
6. ``release_lock``: a teardown, so it always runs and a failure above still fails the run.

Publishes the asset ``published``.
"""

from __future__ import annotations

from airflow.sdk import dag, task, teardown

from edu_wh.orchestration import DEFAULT_ARGS, PUBLISHED_ASSET, START_DATE, all_raw_assets, notify_failure


def _any(assets):
    schedule = assets[0]
    for asset in assets[1:]:
        schedule = schedule | asset
    return schedule


@dag(
    dag_id="transform_publish",
    schedule=_any(all_raw_assets()),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1},
    on_failure_callback=notify_failure,
    tags=["transform", "publish", "dbt", "great-expectations"],
    doc_md=__doc__,
)
def transform_publish():
    from cosmos import DbtTaskGroup

    from edu_wh.dbt_cosmos import apply_dbt_env, cosmos_configs

    project, profile, render, execution = cosmos_configs()

    @task
    def acquire_lock(**context) -> None:
        from edu_wh.pipeline import acquire_pipeline_lock

        acquire_pipeline_lock(context["run_id"])

    @task
    def reset_candidate() -> None:
        from edu_wh.pipeline import drop_candidate

        drop_candidate()

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=project,
        profile_config=profile,
        render_config=render,
        execution_config=execution,
        operator_args={"install_deps": False, "on_execute_callback": apply_dbt_env},
        default_args={"retries": 0},
    )

    @task(retries=0)
    def gate(**context) -> dict:
        from edu_wh.pipeline import run_gate

        return run_gate(context["run_id"])

    @task(outlets=[PUBLISHED_ASSET])
    def publish(**context) -> dict:
        from edu_wh.pipeline import publish_release

        return publish_release(context["run_id"])

    @teardown
    def release_lock(**context) -> None:
        from edu_wh.pipeline import release_pipeline_lock

        release_pipeline_lock(context["run_id"])

    lock = acquire_lock()
    unlock = release_lock()
    lock >> reset_candidate() >> dbt >> gate() >> publish() >> unlock
    # a teardown always runs, and does not decide the run's state: a failed gate fails the run
    unlock.as_teardown(setups=lock)


transform_publish()
