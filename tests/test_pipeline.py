"""The walking skeleton through Airflow: ingest → dbt → GX gate → swap → release, and its failures."""

from __future__ import annotations

import openpyxl
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


def test_a_rerun_reports_already_loaded_and_publishes_nothing_new(released_warehouse, dagbag, publishers):
    from edu_wh.demo import ingest_dag_ids
    from edu_wh.samples import stage_samples

    with psycopg.connect(released_warehouse) as conn:
        before = conn.execute("select release_id, content_hash from meta.releases where status = 'current'").fetchone()
        batches_before = conn.execute("select count(*) from meta.load_batches").fetchone()[0]
    stage_samples()
    for dag_id in ingest_dag_ids():
        assert run_dag(dagbag, dag_id).state == "success"
    assert run_dag(dagbag, "transform_publish").state == "success"
    with psycopg.connect(released_warehouse) as conn:
        after = conn.execute("select release_id, content_hash from meta.releases where status = 'current'").fetchone()
        assert after == before
        assert conn.execute("select count(*) from meta.load_batches").fetchone()[0] == batches_before
        assert conn.execute("select count(*) from meta.releases").fetchone()[0] == 1
        message = conn.execute(
            "select message from meta.events where kind = 'publish' order by event_id desc limit 1"
        ).fetchone()[0]
        assert "nothing published" in message


def _implausible_copy(tmp_path):
    """The real table with Almaty city's 2022/23 count typed as 33,300 instead of 333."""
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    for row in ws.iter_rows():
        if row[0].value == "город Алматы":
            row[23].value = 33300
            break
    path = tmp_path / "number_of_schools_corrected.xlsx"
    wb.save(path)
    return path


def test_a_failing_expectation_blocks_publication_and_keeps_the_release(released_warehouse, dagbag, tmp_path, publishers):
    from edu_wh.config import settings
    from edu_wh.demo import ingest_dag_ids

    with psycopg.connect(released_warehouse) as conn:
        before = conn.execute("select release_id, content_hash from meta.releases where status = 'current'").fetchone()
        published_before = conn.execute(
            "select md5(string_agg(t::text, '' order by t::text)) from published.school_counts t"
        ).fetchone()[0]
    landing = settings().landing_dir / "bns_dynamic"
    target = landing / "number_of_schools_corrected.xlsx"
    target.write_bytes(_implausible_copy(tmp_path).read_bytes())
    try:
        for dag_id in ingest_dag_ids():
            assert run_dag(dagbag, dag_id).state == "success"
        run = run_dag(dagbag, "transform_publish")
        assert run.state == "failed"
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert states["gate"] == "failed" and states["publish"] == "upstream_failed"
        assert states["release_lock"] == "success"
        with psycopg.connect(released_warehouse) as conn:
            after = conn.execute(
                "select release_id, content_hash from meta.releases where status = 'current'"
            ).fetchone()
            assert after == before
            published_after = conn.execute(
                "select md5(string_agg(t::text, '' order by t::text)) from published.school_counts t"
            ).fetchone()[0]
            assert published_after == published_before
            report = conn.execute(
                "select success, report_markdown from meta.gate_runs order by gate_run_id desc limit 1"
            ).fetchone()
            assert report[0] is False
            assert "33300" in report[1] and "How to resolve" in report[1]
        # the previous release still answers queries, as the ministry reader
        with psycopg.connect(released_warehouse) as conn:
            conn.execute("set role edu_wh_ministry_reader")
            assert (
                conn.execute(
                    "select schools_count from published.school_counts where kato_code = '750000000' "
                    "and academic_year = '2022/23' and population_type = 'total'"
                ).fetchone()[0]
                == 333
            )
    finally:
        # take the bad delivery back out so later tests see the clean sample
        with psycopg.connect(released_warehouse, autocommit=True) as conn:
            batch = conn.execute(
                "select batch_id from meta.load_batches where source_file = %s", (target.name,)
            ).fetchone()
            if batch:
                conn.execute("delete from raw.bns_dynamic_cells where _batch_id = %s", batch)
                conn.execute(
                    "update meta.load_batches set status = 'failed', error = 'removed by test' where batch_id = %s",
                    batch,
                )
        target.unlink(missing_ok=True)


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
