"""Shared wiring for the DAGs: default arguments, assets, the failure callback.

Import cost matters here (DAG files import this at parse time): only the Task SDK and this
project's light modules; no database, no dbt, no GX, no pandas.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset

OWNER = "edu-wh-data-engineering"
START_DATE = datetime(2024, 1, 1, tzinfo=UTC)

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
}


def ingest_families() -> dict[str, list[str]]:
    """Ingest DAG family → its sources, from ``ingest.registry.SOURCES`` (the one place a source is added)."""
    from ingest.registry import families

    return families()


def ingest_schedule(family: str) -> str:
    """The family's schedule from the registry; a landing scan follows ``EDU_WH_LANDING_SCAN_SCHEDULE`` if set."""
    import os

    from ingest.registry import LANDING_SCAN_SCHEDULE, family_schedule

    schedule = family_schedule(family)
    if schedule == LANDING_SCAN_SCHEDULE:
        return os.environ.get("EDU_WH_LANDING_SCAN_SCHEDULE") or schedule
    return schedule


def paused_at_creation(family: str) -> bool:
    """Whether the family's ingest DAG starts paused (``is_paused_upon_creation``). The path from a
    landed file to a release runs by itself; the API fetchers (egov, budget) call the publishers
    over the network, so they start paused until someone unpauses them where the network is there."""
    from ingest.registry import SOURCES

    return any(SOURCES[name].networked for name in ingest_families()[family])


def family_sources(family: str) -> list[str]:
    return ingest_families()[family]


def registered_sources() -> list[str]:
    """Every source in ``ingest.registry`` (the backfill DAG's choices)."""
    from ingest.registry import SOURCE_MODULES

    return list(SOURCE_MODULES)


def raw_asset(source_name: str) -> Asset:
    """The asset a source's raw table represents; the transform DAG is scheduled on these."""
    from ingest.registry import SOURCE_MODULES

    if source_name not in SOURCE_MODULES:
        raise KeyError(source_name)
    return Asset(name=f"raw.{source_name}", uri=f"edu-wh://warehouse/raw/{source_name}", group="raw")


PUBLISHED_ASSET = Asset(name="published", uri="edu-wh://warehouse/published", group="published")


def all_raw_assets() -> list[Asset]:
    return [raw_asset(name) for sources in ingest_families().values() for name in sources]


def ingest_doc(family: str) -> str:
    """The documentation of a generated ingest DAG, from the registry entries of its sources."""
    from ingest.registry import SOURCES, family_schedule

    sources = family_sources(family)
    lines = [
        f"Airflow DAG (generated from `ingest/registry.py`): ingest the `{family}` sources. "
        f"Schedule `{family_schedule(family)}` (UTC).",
        "",
    ]
    for name in sources:
        entry = SOURCES[name]
        fetch = (
            f"`fetch_{name}` downloads what is new since the cursor in `meta.api_cursors` into `landing/{name}/`; "
            if entry.networked
            else ""
        )
        lines.append(
            f"* `{name}`: {entry.what} ({entry.module}). {fetch}`load_{name}` loads each new file in "
            f"`landing/{name}/` into raw (one batch per file; a file already loaded is skipped by its SHA-256) "
            f"and publishes the asset `raw.{name}` when new data was loaded, which schedules `transform_publish`."
        )
    lines += [
        "",
        "Rows that fail validation go to `raw.quarantine` with their reason; a file refused as a whole moves to "
        "`quarantine/<source>/` with its reason and fails the run once the good files are in.",
    ]
    return "\n".join(lines)


def wanted(dag_id: str) -> bool:
    """Whether this parse of the DAG files needs the DAG ``dag_id``: Airflow's documented parse-time
    optimisation (``get_parsing_context()``). A task process names the DAG of its task, as does
    ``edu-wh demo`` around each ``dag.test()`` (which re-parses the whole folder on every call); the
    DAG files then build only that DAG, not the other ingest DAGs or the two Cosmos task groups. The
    DAG processor names none and gets every DAG."""
    from airflow.sdk import get_parsing_context

    current = get_parsing_context().dag_id
    return current is None or current == dag_id


def build_ingest_dags() -> dict:
    """The ingest DAGs, one per source family of the registry: ``{"ingest_<family>": dag}`` (only the
    one a task or ``dag.test()`` parses for: :func:`wanted`)."""
    return {f"ingest_{family}": build_ingest_dag(family) for family in ingest_families() if wanted(f"ingest_{family}")}


def build_ingest_dag(family: str, doc: str | None = None):
    """The ingest DAG of one source family: for each source, fetch (networked sources only) and
    load what landed; refused files fail the run after the good ones are loaded."""
    from airflow.sdk import dag, task

    networked = set(_networked_sources())

    @dag(
        dag_id=f"ingest_{family}",
        schedule=ingest_schedule(family),
        is_paused_upon_creation=paused_at_creation(family),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        on_failure_callback=notify_failure,
        tags=["ingest", family],
        doc_md=doc or ingest_doc(family),
    )
    def ingest():
        loads = []
        for source_name in family_sources(family):

            @task(task_id=f"load_{source_name}", outlets=[raw_asset(source_name)])
            def load(source_name: str = source_name, **context) -> dict:
                from airflow.sdk.exceptions import AirflowSkipException

                from orchestration.tasks import load_landing

                summary = load_landing(source_name, run_id=context["run_id"])
                if not summary.new_data and not summary.rejected:
                    raise AirflowSkipException(f"no new {source_name} data in landing")
                return summary.as_dict()

            if source_name in networked:

                @task(task_id=f"fetch_{source_name}")
                def fetch(source_name: str = source_name, **context) -> list[str]:
                    from orchestration.tasks import fetch_source

                    return fetch_source(source_name, run_id=context["run_id"])

                loaded = load()
                fetch() >> loaded
            else:
                loaded = load()
            loads.append(loaded)

        # a refused file stays refused: retrying cannot help, and would delay the failure notice.
        # When every load was skipped (nothing new landed: most landing scans) this is skipped too,
        # by the scheduler, without a task process
        @task(trigger_rule="none_failed_min_one_success", retries=0)
        def check_rejections(summaries: list) -> None:
            from orchestration.tasks import raise_for_rejections

            raise_for_rejections([s for s in summaries if s])

        check_rejections(loads)

    return ingest()


def build_release_chain(*, full_refresh: bool | str = False, full_build: bool = False, dbt_mode: str = "watcher"):
    """Wire, inside the current DAG, the one way a release is made (transform_publish, backfill):

    ``acquire_lock`` → ``plan_build`` (what changed since the current release:
    ``publication.build_plan``) → ``prepare_candidate`` (an empty ``candidate``, plus the unchanged
    tables carried over from the current release: ``publication.swap.carry_over``) → ``dbt`` (Cosmos task group: one ``dbt build`` of the
    changed part into ``candidate``, a result task per model and seed) → ``gate`` (the
    rebuilt tables, the changed sources, the cross-table checks) → ``publish`` → ``release_lock``
    (a teardown of ``acquire_lock``: it always runs, and a failure above still fails the run).
    ``prepare_candidate``, ``gate`` and ``publish`` first renew the lease.

    When no batch was loaded or withdrawn since the current release (and the dbt project is the
    same), the plan is ``nothing``: ``anything_to_build`` (a short circuit) skips every task after
    it at once, nothing is published, and the ``published`` asset is not updated (so
    ``export_release`` does not run).

    ``full_refresh`` (a bool or a Jinja string such as ``"{{ params.full_refresh }}"``, rendered per
    run) asks for a full build with ``dbt build --full-refresh``; ``full_build`` (the backfill) builds
    every model whatever changed, without ``--full-refresh`` unless asked. ``dbt_mode``: ``watcher`` (the
    default) or ``build`` (one task per model, Cosmos TestBehavior.BUILD); see
    ``orchestration.dbt_cosmos``. Returns ``(first, last)`` so callers can put tasks before the chain.
    """
    from airflow.sdk import task, teardown
    from cosmos import DbtTaskGroup

    from edu_wh.dbt_runner import RELEASE_BUILD_ENV
    from orchestration.dbt_cosmos import (
        DBT_TASK_FLAGS,
        PLAN_TASK_ID,
        PRODUCER_DBT_ENV,
        apply_dbt_env,
        cosmos_configs,
        wire_watcher,
    )

    project, profile, render, execution = cosmos_configs(dbt_mode)

    @task
    def acquire_lock(**context) -> None:
        from edu_wh.lease import acquire_pipeline_lock

        acquire_pipeline_lock(context["run_id"])

    @task(task_id=PLAN_TASK_ID)
    def plan_build(full=False, **context) -> dict:
        from orchestration.tasks import plan_release_build

        return plan_release_build(full=str(full).strip().lower() in {"true", "1"}, run_id=context["run_id"])

    # with nothing to build, every task after this one is skipped at once (not level by level down
    # the dbt graph); the teardown release_lock still runs
    @task.short_circuit
    def anything_to_build(plan: dict) -> bool:
        return plan["mode"] != "nothing"

    @task
    def prepare_candidate(plan: dict, **context) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from edu_wh.lease import renew_pipeline_lock
        from orchestration.tasks import prepare_candidate

        if plan["mode"] == "nothing":
            raise AirflowSkipException(f"nothing to build: {plan['reason']}")
        renew_pipeline_lock(context["run_id"])
        return prepare_candidate(plan)

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=project,
        profile_config=profile,
        render_config=render,
        execution_config=execution,
        operator_args={
            "install_deps": False,
            "on_execute_callback": apply_dbt_env,
            "full_refresh": full_refresh,
            "dbt_cmd_flags": DBT_TASK_FLAGS,
            # set around each dbt invocation only (no unit tests in a release build: edu_wh.dbt_runner)
            "env": {**RELEASE_BUILD_ENV, **PRODUCER_DBT_ENV},
        },
        default_args={"retries": 0},
    )

    # result tasks of models the plan carried over end as skipped: the gate runs unless something failed
    @task(retries=0, trigger_rule="none_failed")
    def gate(plan: dict, **context) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from edu_wh.lease import renew_pipeline_lock
        from orchestration.tasks import run_gate

        if plan["mode"] == "nothing":
            raise AirflowSkipException(f"nothing to check: {plan['reason']}")
        renew_pipeline_lock(context["run_id"])
        return run_gate(context["run_id"], plan)

    @task(outlets=[PUBLISHED_ASSET])
    def publish(plan: dict, **context) -> dict:
        from edu_wh.lease import renew_pipeline_lock
        from orchestration.tasks import publish_release

        renew_pipeline_lock(context["run_id"])
        return publish_release(context["run_id"], plan)

    @teardown
    def release_lock(**context) -> None:
        from edu_wh.lease import release_pipeline_lock

        release_pipeline_lock(context["run_id"])

    lock = acquire_lock()
    unlock = release_lock()
    # a backfill is a rebuild asked for by hand: it builds everything, whatever changed
    plan = plan_build(full=True if full_build else full_refresh)
    lock >> plan
    anything_to_build(plan) >> prepare_candidate(plan) >> dbt >> gate(plan) >> publish(plan) >> unlock
    if dbt_mode == "watcher":

        @task.branch(trigger_rule="all_done")
        def dbt_build_finished(plan: dict, **context) -> list[str]:
            """The producer's build is over (passed or failed): the result tasks of what it built may
            read its results; those of carried-over models are skipped here, at once (``results_to_run``)."""
            from airflow.sdk.exceptions import AirflowSkipException

            from orchestration.dbt_cosmos import results_to_run

            if plan["mode"] == "nothing":
                raise AirflowSkipException(f"nothing was built: {plan['reason']}")
            return results_to_run(context["task"], plan)

        wire_watcher(dbt, dbt_build_finished(plan))
    # a teardown always runs, and does not decide the run's state: a failed gate fails the run
    unlock.as_teardown(setups=lock)
    return lock, unlock


def _networked_sources() -> list[str]:
    from ingest.registry import NETWORKED_SOURCES

    return NETWORKED_SOURCES


def notify_failure(context) -> None:
    """on_failure_callback: log always; webhook / e-mail when configured (orchestration.notify)."""
    from orchestration.notify import notify_task_failure

    notify_task_failure(context)
