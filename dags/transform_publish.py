"""Airflow DAG: build, check and publish a release of the education warehouse.

Runs when any ``raw.*`` asset is updated (an ingest DAG loaded new data) or when triggered:

1. ``acquire_lock``: one build-and-publish at a time (a lease in ``meta.pipeline_lock``, shared
   with the ``backfill`` DAG; a lease older than its TTL, whose holder died, is taken over);
2. ``plan_build``: which sources got new or withdrawn batches since the current release. None (and
   the same dbt project): everything below is skipped and nothing is published, in seconds;
3. ``prepare_candidate``: an empty ``candidate`` schema, so nothing stale can be published; on an
   incremental build, the current release's tables that nothing changed are carried over (a marked
   view each until ``publish`` moves the table itself in: publication.swap.carry_over);
4. ``dbt``: a Cosmos task group (``ExecutionMode.WATCHER``): one ``dbt build`` with threads of the
   models downstream of the changed sources (``source:<source>.<table>+``; everything on a full
   build) into ``candidate``; a task per model and seed shows its result with its tests (started
   and ended in the triggerer: orchestration.dbt_results), and the models carried over show as skipped;
5. ``gate``: Great Expectations suites on the rebuilt tables, the changed sources' raw batches and
   the cross-table checks; a critical failure stops here and ``published`` stays exactly as it was
   (the report goes to ``meta.gate_runs``, a file and the failure notification);
6. ``publish``: swap ``candidate`` into ``published`` in one transaction (or nothing, if the
   candidate equals the current release) and record the release;
7. ``release_lock``: a teardown, so it always runs and a failure above still fails the run.

Publishes the asset ``published``.
"""

from __future__ import annotations

from airflow.sdk import dag

from orchestration.dags import DEFAULT_ARGS, START_DATE, all_raw_assets, build_release_chain, notify_failure, wanted


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
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1},
    on_failure_callback=notify_failure,
    tags=["transform", "publish", "dbt", "great-expectations"],
    doc_md=__doc__,
)
def transform_publish():
    build_release_chain()


if wanted("transform_publish"):  # not when a parse is for another DAG (orchestration.dags.wanted)
    transform_publish()
