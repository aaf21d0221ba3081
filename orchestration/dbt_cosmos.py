"""Cosmos configuration: render the dbt project from its manifest (built before parse time by
``edu-wh manifest`` / ``make manifest``), so the DAG processor never runs dbt."""

from __future__ import annotations

import os

from edu_wh.config import DBT_PROJECT_DIR, settings


def manifest_path():
    return settings().dbt_target_dir / "manifest.json"


#: how the release chain runs dbt: ``watcher`` (one ``dbt build`` with threads in a producer task,
#: one result task per model and seed: orchestration.dbt_results) or ``build`` (one ``dbt build`` task per model with its
#: tests, TestBehavior.BUILD). Measured in ``make bench`` (benchmarks/dbt_modes.py); watcher is the default.
DBT_MODES = ("watcher", "build")


def cosmos_configs(mode: str = "watcher"):
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    if mode not in DBT_MODES:
        raise ValueError(f"dbt mode {mode!r}: one of {', '.join(DBT_MODES)}")
    manifest = manifest_path()
    if not manifest.exists():
        raise FileNotFoundError(
            f"{manifest} is missing: build it with `make manifest` (dbt parse) before starting Airflow"
        )
    project = ProjectConfig(
        dbt_project_path=DBT_PROJECT_DIR,
        manifest_path=manifest,
        install_dbt_deps=False,
    )
    from edu_wh.dbt_runner import PROFILE, TARGET

    profile = ProfileConfig(
        profile_name=PROFILE,
        target_name=TARGET,
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    )
    if mode == "build":
        render = RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            emit_datasets=False,
            # relationships tests have two parents: run them after both, as their own tasks
            should_detach_multiple_parents_tests=True,
        )
        execution = ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        )
        return project, profile, render, execution
    # watcher: the producer runs this run's selection as one `dbt build` (tests included); one task
    # per model and seed (orchestration.dbt_results) reports "built, and its tests passed"
    from cosmos.constants import DbtResourceType

    from orchestration.dbt_results import RESULT_RESOURCE_TYPES, node_result_task

    render = RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        test_behavior=TestBehavior.NONE,
        emit_datasets=False,
        node_converters={DbtResourceType(kind): node_result_task for kind in RESULT_RESOURCE_TYPES},
    )
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER,
        invocation_mode=InvocationMode.DBT_RUNNER,
        setup_operator_args={"on_execute_callback": start_producer},
    )
    return project, profile, render, execution


def with_tests(flags: list[str] | None) -> list[str]:
    """The producer's dbt flags without Cosmos's ``--resource-type`` list: Cosmos adds it to leave
    tests out of the producer's build when it renders no test tasks; here the tests run in the one
    build, and each model's task reports them (dbt's own default resource types, less those
    ``DBT_EXCLUDE_RESOURCE_TYPES`` leaves out of a release build: unit tests)."""
    kept, flags = [], list(flags or [])
    while flags:
        flag = flags.pop(0)
        if flag == "--resource-type":
            flags.pop(0)
        else:
            kept.append(flag)
    return kept


def wire_watcher(group, finished) -> None:
    """Order a watcher task group inside the release chain: producer → ``finished`` → every result task.

    ``finished`` runs once the producer is done, whether its build succeeded or failed (``all_done``),
    and is skipped when the plan is ``nothing`` (the producer was skipped). It is a branch: it follows
    the result tasks of the nodes the build ran and skips the others (carried over) at once.

    The result tasks (``orchestration.dbt_results``) all start after ``finished``, side by side: Cosmos's
    lineage edges between them are removed (as Airflow dependencies they cost one scheduler round per
    level of the dbt graph; dbt already skipped what is below a failure, and each task's log names the
    parent that failed). What came after the group (the gate) now follows every result task. Each
    starts in the triggerer (``start_from_trigger``): no worker process per model.
    """
    from orchestration.dbt_results import DbtNodeResult

    tasks = list(group.iter_tasks())
    producer = next(t for t in tasks if t.task_id.endswith("dbt_producer_watcher"))
    producer.dbt_cmd_flags = with_tests(producer.dbt_cmd_flags)
    producer >> finished
    results = [t for t in tasks if isinstance(t, DbtNodeResult)]
    inside = {t.task_id for t in results}
    after = {d for t in results for d in t.downstream_list if d.task_id not in inside}
    for task in results:
        for upstream in list(task.upstream_list):
            upstream.downstream_task_ids.discard(task.task_id)
            task.upstream_task_ids.discard(upstream.task_id)
        for downstream in list(task.downstream_list):
            downstream.upstream_task_ids.discard(task.task_id)
            task.downstream_task_ids.discard(downstream.task_id)
        task.arm(producer.task_id, producer.tests_per_model.get(task.model_unique_id, []))
        finished >> task
        for downstream in after:
            task >> downstream


def built_nodes(plan) -> set[str] | None:
    """The dbt nodes (unique ids) the plan's build runs: those downstream of the changed sources after
    an incremental plan; None after a full one (every node)."""
    from publication.build_plan import downstream, read_manifest

    if plan.mode != "incremental":
        return None
    manifest = read_manifest(manifest_path())
    roots = [
        uid
        for uid, node in manifest["sources"].items()
        if f"source:{node['source_name']}.{node['name']}+" in plan.select
    ]
    return downstream(manifest, roots)


def start_producer(context) -> None:
    """on_execute_callback of the watcher producer: this run's build plan (task ``plan_build``)
    decides the selection (``dbt_build_finished`` then skips the result tasks of the nodes outside
    it: carried over from the current release, not rebuilt)."""
    from orchestration import cosmos_speedups
    from publication.build_plan import BuildPlan

    apply_dbt_env(context)
    cosmos_speedups.apply()  # only the XComs a result task reads (orchestration/cosmos_speedups.py)
    plan = BuildPlan.from_dict(context["ti"].xcom_pull(task_ids=PLAN_TASK_ID))
    if plan.mode == "incremental":
        context["task"].select = plan.select_arg


def results_to_run(finished_task, plan: dict) -> list[str]:
    """What ``dbt_build_finished`` (a branch) follows: the result tasks of the nodes this build ran;
    those of carried-over nodes are skipped by the branch at once."""
    from publication.build_plan import BuildPlan

    built = built_nodes(BuildPlan.from_dict(plan))
    return [
        task.task_id
        for task in finished_task.downstream_list
        if built is None or getattr(task, "model_unique_id", None) in built
    ]


#: the task of the release chain whose return value is the build plan (publication.build_plan)
PLAN_TASK_ID = "plan_build"


#: dbt's environment in the release build's producer, besides ``RELEASE_BUILD_ENV``: dbt.log keeps
#: warnings and errors only. At its default (debug: every SQL statement, connection and timing of every
#: node) its writes, one shared file handler lock for dbt's threads, took about 40 % of the threads'
#: time in the producer (py-spy); each node's start and result reach the task log through Cosmos.
#: And no lines on stdout but errors (``DBT_QUIET``): Cosmos asks dbt for JSON lines there and then
#: drops every one of them (``_StdoutFilter``); the task log gets dbt's messages from Cosmos's callback.
PRODUCER_DBT_ENV = {"DBT_LOG_LEVEL_FILE": "warn", "DBT_QUIET": "true"}


#: flags of every Cosmos dbt task: no manifest.json / run_results.json per task (Cosmos reads dbt's
#: result in memory; the manifest the DAGs render from is written by `edu-wh manifest` only)
DBT_TASK_FLAGS = ["--no-write-json"]


def apply_dbt_env(context=None) -> None:
    """on_execute_callback of every dbt task: resolve the warehouse when the task runs, not when
    the DAG is parsed (dbt runs in-process and reads these through env_var() in profiles.yml).

    Also freezes the objects alive before dbt starts (Airflow, the parsed DAG, imported modules):
    Cosmos ends every dbt task with a full ``gc.collect()``, which otherwise rescans that whole heap
    (measured: 0.6 s of each task, a third of a transform_publish run under ``dag.test()``)."""
    import gc

    from edu_wh import dbt_speedups

    dbt_speedups.apply()
    os.environ.update(settings().dbt_env())
    gc.freeze()  # the previous task's garbage is gone already: Cosmos collected it when that task ended
