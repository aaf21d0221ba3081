"""Airflow DAG: build, check and publish a release of the education warehouse.

Runs when any ``raw.*`` asset is updated (an ingest DAG loaded new data) or when triggered:

1. ``acquire_lock``: one build-and-publish at a time (a lease in ``meta.pipeline_lock``, shared
   with the ``backfill`` DAG; a lease older than its TTL, whose holder died, is taken over);
2. ``reset_candidate``: an empty ``candidate`` schema, so nothing stale can be published;
3. ``dbt``: a Cosmos task group builds seeds → staging → intermediate → marts → the published
   contract tables into ``candidate``, each model followed by its dbt tests;
4. ``gate``: Great Expectations suites on ``candidate``; a critical failure stops here and
   ``published`` stays exactly as it was (the report goes to ``meta.gate_runs``, a file and the
   failure notification);
5. ``publish``: swap ``candidate`` into ``published`` in one transaction (or nothing, if the
   candidate equals the current release) and record the release;
6. ``release_lock``: a teardown, so it always runs and a failure above still fails the run.

Publishes the asset ``published``.
"""

from __future__ import annotations

from airflow.sdk import dag

from orchestration.dags import DEFAULT_ARGS, START_DATE, all_raw_assets, build_release_chain, notify_failure


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
    build_release_chain()


transform_publish()
