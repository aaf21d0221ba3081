"""Cosmos configuration: render the dbt project from its manifest (built before parse time by
``edu-wh manifest`` / ``make manifest``), so the DAG processor never runs dbt."""

from __future__ import annotations

import os

from edu_wh.config import DBT_PROJECT_DIR, settings


def manifest_path():
    return settings().dbt_target_dir / "manifest.json"


def cosmos_configs():
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

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
