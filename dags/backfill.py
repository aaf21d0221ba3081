"""Airflow DAG: backfill — load chosen landing files again and rebuild the release from them.

Manual trigger only ("Trigger DAG" with parameters, or
``airflow dags trigger backfill --conf '{"sources": ["bns_dynamic"], "reload": true}'``):

* ``sources``: the sources whose landing files are loaded (default: all registered sources; an
  empty list loads nothing and only rebuilds, e.g. with ``full_refresh``);
* ``period_from`` / ``period_to``: optional, a year ``2023``, a month ``2023-09`` or an academic
  year ``2022/23``. Only files whose declared period overlaps the window are loaded. A file
  declares its period through the parser's report when it was loaded before
  (``meta.load_batches.period``), else through the years in its name (``…_2000-2023_…``); a file
  with no readable period is skipped when a window is given (listed with the reason in the task's
  result);
* ``reload``: load files again even if the same bytes were loaded before. The earlier batch of the
  file is marked ``superseded`` in the same transaction that marks the new batch ``loaded``;
  staging reads only ``loaded`` batches, so the reloaded rows replace the earlier ones. A reload
  also implies ``full_refresh``, so a row the reloaded file no longer has leaves the incremental
  marts too. Without it, loaded files are skipped as ``already loaded`` and only new files are
  loaded;
* ``full_refresh``: pass ``--full-refresh`` to every dbt task, rebuilding incremental models from
  all of raw instead of appending.

Then the same chain as ``transform_publish`` (the pipeline lease, an empty candidate, dbt through
Cosmos, the Great Expectations gate, the atomic swap into ``published``). Refused files go to
quarantine and fail the run before anything is built. Loads here do not update the ``raw.*``
assets (this DAG builds the release itself); ``publish`` updates the asset ``published``.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from orchestration.dags import DEFAULT_ARGS, START_DATE, build_release_chain, notify_failure, registered_sources, wanted

PERIOD = {"type": ["null", "string"], "pattern": r"^\d{4}([-/]\d{2})?$"}


@dag(
    dag_id="backfill",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    on_failure_callback=notify_failure,
    tags=["backfill", "ingest", "transform", "publish"],
    doc_md=__doc__,
    params={
        "sources": Param(
            registered_sources(),
            type="array",
            items={"type": "string", "enum": registered_sources()},
            uniqueItems=True,
            description="Sources whose landing files are loaded (default: all).",
        ),
        "period_from": Param(
            None, **PERIOD, description="First period to load (2023, 2023-09 or 2022/23); empty: no lower bound."
        ),
        "period_to": Param(None, **PERIOD, description="Last period to load; empty: no upper bound."),
        "reload": Param(False, type="boolean", description="Load files again even if their bytes were loaded before."),
        "full_refresh": Param(False, type="boolean", description="dbt --full-refresh: rebuild incremental models."),
    },
)
def backfill():
    loads = []
    for source_name in registered_sources():

        @task(task_id=f"load_{source_name}")
        def load(source_name: str = source_name, **context) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from orchestration.backfill import backfill_source

            params = context["params"]
            if source_name not in params["sources"]:
                raise AirflowSkipException(f"{source_name} is not among the sources to backfill")
            return backfill_source(
                source_name,
                period_from=params.get("period_from"),
                period_to=params.get("period_to"),
                reload=bool(params.get("reload")),
                run_id=context["run_id"],
            )

        loads.append(load())

    @task(trigger_rule="none_failed", retries=0)  # a refused file stays refused: no retry
    def check_rejections(summaries: list) -> None:
        from orchestration.tasks import raise_for_rejections

        raise_for_rejections([s for s in summaries if s])

    first, _ = build_release_chain(full_refresh="{{ params.full_refresh or params.reload }}", full_build=True)
    check_rejections(loads) >> first


if wanted("backfill"):  # not when a parse is for another DAG (orchestration.dags.wanted)
    backfill()
