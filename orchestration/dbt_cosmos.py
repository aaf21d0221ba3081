"""Cosmos configuration: render the dbt project from its manifest (built before parse time by
``edu-wh manifest`` / ``make manifest``), so the DAG processor never runs dbt."""

from __future__ import annotations

import os

from edu_wh.config import DBT_PROJECT_DIR, settings


def manifest_path():
    return settings().dbt_target_dir / "manifest.json"


#: how the release chain runs dbt: ``watcher`` (one ``dbt build`` with threads in a producer task,
#: one sensor per model and per model's tests) or ``build`` (one ``dbt build`` task per model with its
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
    profile = ProfileConfig(
        profile_name="edu_wh",
        target_name="warehouse",
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
    # watcher: the producer runs this run's selection as one `dbt build`; a sensor per model reports
    # the model's result and one per model its tests' (a failure stays with the model that failed)
    render = RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        test_behavior=TestBehavior.AFTER_EACH,
        emit_datasets=False,
    )
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER,
        invocation_mode=InvocationMode.DBT_RUNNER,
        setup_operator_args={"on_execute_callback": start_producer},
    )
    return project, profile, render, execution


def watcher_operator_args() -> dict:
    """Sensor arguments: the sensors start after the producer finished (``order_producer_first``),
    so each reads its node's result at its first poke; no deferral, no waiting slot."""
    return {"deferrable": False, "poke_interval": 1}


def wire_watcher(group, finished) -> None:
    """Order a watcher task group inside the release chain: producer → ``finished`` → every sensor.

    ``finished`` runs once the producer is done, whether its build succeeded or failed
    (``all_done``), and is skipped when the plan is ``nothing`` (the producer was skipped). Every
    sensor runs after it with ``none_failed_min_one_success``:

    * no sensor starts before the build it watches (Cosmos orders this for a DbtDag only; in a task
      group a sensor could start, and under ``dag.test()`` block, first);
    * a model rebuilt below a carried-over (skipped) model still reports its own result;
    * a model whose build failed fails its own sensor, and the sensors below it are
      ``upstream_failed``: the failure stays with the model that failed;
    * when the plan is ``nothing`` every sensor is skipped; none falls back to running dbt itself.
    """
    tasks = list(group.iter_tasks())
    producers = [t for t in tasks if t.task_id.endswith("dbt_producer_watcher")]
    for producer in producers:
        producer >> finished
    for sensor in tasks:
        if hasattr(sensor, "producer_task_id") and sensor not in producers:
            sensor.trigger_rule = "none_failed_min_one_success"
            finished >> sensor


def built_nodes(plan, manifest: dict | None = None) -> set[str] | None:
    """The dbt nodes (unique ids) the plan's build runs: those downstream of the changed sources after
    an incremental plan; None after a full one (every node). ``manifest``: the one already read."""
    from publication.build_plan import downstream, read_manifest

    if plan.mode != "incremental":
        return None
    manifest = manifest or read_manifest(manifest_path())
    roots = [
        uid
        for uid, node in manifest["sources"].items()
        if f"source:{node['source_name']}.{node['name']}+" in plan.select
    ]
    return downstream(manifest, roots)


def start_producer(context) -> None:
    """on_execute_callback of the watcher producer: this run's build plan (task ``plan_build``)
    decides the selection; every model or seed outside it is reported skipped at once (with its
    tests), so its sensors end as skipped: carried over from the current release, not rebuilt."""
    from cosmos.operators._watcher.aggregation import get_tests_status_xcom_key
    from cosmos.operators._watcher.state import get_status_xcom_key, safe_xcom_push

    from orchestration import cosmos_speedups
    from publication.build_plan import BuildPlan, read_manifest

    apply_dbt_env(context)
    cosmos_speedups.apply()  # only the XComs a sensor reads (orchestration/cosmos_speedups.py)
    ti, producer = context["ti"], context["task"]
    plan = BuildPlan.from_dict(ti.xcom_pull(task_ids=PLAN_TASK_ID))
    if plan.mode != "incremental":
        return
    manifest = read_manifest(manifest_path())  # one read (it is large): the selection and the skipped nodes
    built = built_nodes(plan, manifest)
    producer.select = plan.select_arg
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] in ("model", "seed", "snapshot") and uid not in built:
            safe_xcom_push(ti, get_status_xcom_key(uid), {"status": "skipped", "outlet_uris": []})
            safe_xcom_push(ti, get_tests_status_xcom_key(uid), "skipped")


def sensors_to_run(finished_task, plan: dict) -> list[str]:
    """What ``dbt_build_finished`` (a branch) follows: the sensors of the nodes this build ran. The
    sensors of carried-over nodes are skipped by the branch at once, in its own process: under the
    scheduler each sensor that runs is a task process of its own, so an incremental build would
    otherwise start one per model of the project to report "skipped"."""
    from publication.build_plan import BuildPlan

    built = built_nodes(BuildPlan.from_dict(plan))
    return [
        sensor.task_id
        for sensor in finished_task.downstream_list
        if built is None or getattr(sensor, "model_unique_id", None) in built
    ]


#: the task of the release chain whose return value is the build plan (publication.build_plan)
PLAN_TASK_ID = "plan_build"


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
