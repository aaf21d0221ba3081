"""The walking skeleton through Airflow: ingest → dbt → GX gate → swap → release, and its failures."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import SAMPLES, run_dag

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


def test_the_sample_is_published_through_airflow(released_warehouse):
    with psycopg.connect(released_warehouse) as conn:
        release = conn.execute(
            "select release_id, status, input_batches, gate_run_id, git_commit "
            "from meta.releases where status = 'current'"
        ).fetchone()
        assert release is not None
        assert any(b["source"] == "bns_dynamic" for b in release[2])
        gate_ok = conn.execute("select success from meta.gate_runs where gate_run_id = %s", (release[3],)).fetchone()[0]
        assert gate_ok is True
        value = conn.execute(
            "select schools_count, value_status, source_reference from published.school_counts "
            "where kato_code = '190000000' and academic_year = '2021/22' "
            "and population_type = 'total'"
        ).fetchone()
        assert value[0] == 800 and value[1] == "reported"
        assert "W13" in value[2]
        formula = conn.execute(
            "select schools_count, value_status from published.school_counts "
            "where kato_code = '190000000' and academic_year = '2021/22' "
            "and population_type = 'urban'"
        ).fetchone()
        assert formula == (None, "formula")


def test_the_release_build_leaves_this_process_environment_as_it_was(released_warehouse):
    """``dag.test()`` of transform_publish ran in this process (the fixture): the producer's dbt settings
    (no JSON artifacts, a quiet stdout) must not stay for later dbt runs here, e.g. the export's docs."""
    import os

    from edu_wh.dbt_runner import RELEASE_BUILD_ENV
    from orchestration.dbt_cosmos import PRODUCER_DBT_ENV

    leaked = {key: os.environ[key] for key in {**RELEASE_BUILD_ENV, **PRODUCER_DBT_ENV} if key in os.environ}
    assert leaked == {}


def test_export_release_writes_the_files_of_the_current_release_once(released_warehouse, dagbag):
    from orchestration.dags import PUBLISHED_ASSET
    from publication.release_files import release_folder, verify_folder
    from publication.summary import release_summary

    dag = dagbag.dags["export_release"]
    # triggered by every publish (transform_publish and backfill update the asset 'published')
    assert list(dag.timetable.asset_condition.objects) == [PUBLISHED_ASSET]
    with psycopg.connect(released_warehouse) as conn:
        release_id = conn.execute("select release_id from meta.releases where status = 'current'").fetchone()[0]
    folder = release_folder(release_id)
    assert not folder.exists()
    assert "files: not written yet" in release_summary()

    assert run_dag(dagbag, "export_release").state == "success"
    assert (folder / "manifest.json").exists() and (folder / "portal" / "index.html").exists()
    assert verify_folder(folder) == []
    assert f"files: {folder}" in release_summary()
    _assert_data_docs_show_the_gate_run(released_warehouse, folder)
    # a rerun leaves the folder as it was
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert run_dag(dagbag, "export_release").state == "success"
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp


def test_a_rerun_reports_already_loaded_and_publishes_nothing_new(released_warehouse, dagbag, publishers):
    from cli.demo import ingest_dag_ids
    from cli.samples import stage_samples

    with psycopg.connect(released_warehouse) as conn:
        before = conn.execute("select release_id, content_hash from meta.releases where status = 'current'").fetchone()
        batches_before = conn.execute("select count(*) from meta.load_batches").fetchone()[0]
    stage_samples()
    for dag_id in ingest_dag_ids():
        assert run_dag(dagbag, dag_id).state == "success"
    run = run_dag(dagbag, "transform_publish")
    assert run.state == "success"
    # nothing was loaded or withdrawn: nothing is built, checked or published (and the asset
    # 'published' is not updated, so export_release does not run again)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states["plan_build"] == "success" and states["release_lock"] == "success"
    for task_id in ("prepare_candidate", "dbt.dbt_producer_watcher", "gate", "publish"):
        assert states[task_id] == "skipped", (task_id, states[task_id])
    with psycopg.connect(released_warehouse) as conn:
        after = conn.execute("select release_id, content_hash from meta.releases where status = 'current'").fetchone()
        assert after == before
        assert conn.execute("select count(*) from meta.load_batches").fetchone()[0] == batches_before
        assert conn.execute("select count(*) from meta.releases").fetchone()[0] == 1
        message = conn.execute(
            "select message from meta.events where kind = 'build_plan' order by event_id desc limit 1"
        ).fetchone()[0]
        assert message == "nothing to build: no batch was loaded or withdrawn since release 1"


@pytest.mark.parametrize(
    "role, statement",
    [
        ("edu_wh_ministry_reader", "select count(*) from raw.bns_dynamic_cells"),
        ("edu_wh_ministry_reader", "select count(*) from marts.fct_school_counts"),
        ("edu_wh_ministry_reader", "delete from published.school_counts"),
        ("edu_wh_analyst", "select count(*) from raw.bns_dynamic_cells"),
        ("edu_wh_analyst", "insert into published.territories (territory_version_id, kato_code) values ('x', 'x')"),
        ("edu_wh_loader", "select count(*) from published.school_counts"),
    ],
)
def test_roles_are_refused_what_they_should_not_do(released_warehouse, role, statement):
    with psycopg.connect(released_warehouse) as conn:
        conn.execute(f"set role {role}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


@pytest.mark.parametrize(
    "role, statement",
    [
        ("edu_wh_ministry_reader", "select count(*) from published.school_counts"),
        ("edu_wh_analyst", "select count(*) from marts.fct_school_counts"),
        ("edu_wh_analyst", "select count(*) from published.territories"),
        ("edu_wh_transformer", "select count(*) from raw.bns_dynamic_cells"),
        ("edu_wh_loader", "select count(*) from meta.load_batches"),
    ],
)
def test_roles_can_do_what_they_should(released_warehouse, role, statement):
    with psycopg.connect(released_warehouse) as conn:
        conn.execute(f"set role {role}")
        assert conn.execute(statement).fetchone()[0] >= 0


def test_the_demo_says_which_files_this_run_loaded_and_which_were_loaded_before(released_warehouse):
    from rich.console import Console

    from cli.demo import _last_batch_id, _print_loads

    def printed(since: int) -> str:
        console = Console(record=True, width=200)
        _print_loads(console, since)
        return console.export_text()

    with psycopg.connect(released_warehouse) as conn:
        files = conn.execute("select count(distinct (source, file_sha256)) from meta.load_batches").fetchone()[0]
    assert f"0 file(s) loaded by this run, {files} already loaded before" in printed(_last_batch_id())
    first_run = printed(0)
    assert f"{files} file(s) loaded by this run, 0 already loaded before" in first_run
    assert "already loaded" not in first_run.split("\n", 1)[1]


def _assert_data_docs_show_the_gate_run(database_url: str, folder) -> None:
    """The release's quality/data_docs/ is GX's Data Docs of the gate run that vouched for it: every
    suite that ran is listed with the outcome the gate recorded (meta.gate_results), and nothing is
    fetched from the network."""
    import re

    from expectations.data_docs import fetched_urls

    with psycopg.connect(database_url) as conn:
        recorded = dict(
            conn.execute(
                "select r.suite, bool_and(r.success) from meta.gate_results as r "
                "join meta.releases as rel on rel.gate_run_id = r.gate_run_id and rel.status = 'current' "
                "where r.suite not like 'gate\\_%' group by r.suite"
            ).fetchall()
        )
    assert recorded, "the gate recorded no suite"
    docs = folder / "quality" / "data_docs"
    html = (docs / "index.html").read_text(encoding="utf-8")
    listed: dict[str, bool] = {}
    for name, outcome in re.findall(
        r"'_expectation_suite_name_sort': '([^']+)'.*?'_validation_success_text': '(\w+)'", html
    ):
        suite = re.sub(r" \((rows|values)\)$", "", name)  # a suite runs as at most two GX validations
        listed[suite] = listed.get(suite, True) and outcome == "Success"
    assert listed == recorded
    assert fetched_urls(docs) == set()
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"path": "quality/data_docs/index.html"' in manifest
