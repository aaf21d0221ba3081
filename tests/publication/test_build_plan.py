"""Build only what changed: the plan, the carry-over, and an incremental release equal to a full one."""

from __future__ import annotations

import psycopg

from edu_wh.config import settings
from edu_wh.dbt_runner import dbt_command
from edu_wh.hashes import content_hashes
from expectations.gate import run_gate
from ingest.batches import withdraw_batch
from ingest.bns_bulletin import SOURCE as BULLETIN_SOURCE
from ingest.bns_dynamic import SOURCE as BNS
from ingest.kato import SOURCE as KATO
from ingest.loader import load_file
from orchestration.tasks import drop_candidate
from publication.build_plan import changed_sources, plan_build, read_manifest
from publication.swap import carry_over, dbt_project_hash, publish
from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
BULLETIN = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"


def test_changed_sources_are_those_whose_loaded_batches_differ():
    # Given the batches a release was built from
    release = [{"source": "bns_dynamic", "batch_id": 1}, {"source": "kato", "batch_id": 2}]
    # When bns_dynamic gets a new batch, kato's batch is withdrawn and budget delivers for the first time
    loaded = [("bns_dynamic", 1), ("bns_dynamic", 3), ("budget", 4)]
    # Then all three changed, and a source whose batches are the same did not
    assert changed_sources(release, loaded) == ["bns_dynamic", "budget", "kato"]
    assert changed_sources(release, [("bns_dynamic", 1), ("kato", 2)]) == []


def test_a_budget_delivery_rebuilds_only_the_tables_downstream_of_budget(warehouse, dbt_manifest):
    manifest = read_manifest(dbt_manifest)
    release_tables = {
        "claims", "comfortable_school", "comfortable_school_projects", "education_budget", "education_budget_annual",
        "free_meals", "pupil_transport", "school_capacity", "school_counts", "schools", "scorecard", "territories",
    }  # fmt: skip
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "insert into meta.releases (status, schema_name, content_hash, table_hashes, row_counts, input_batches, "
            "dbt_project_hash) values ('current', 'published', 'x', %s, '{}', '[]', %s)",
            (psycopg.types.json.Jsonb(dict.fromkeys(release_tables, "h")), dbt_project_hash()),
        )
        assert plan_build(conn, manifest).mode == "nothing"
        conn.execute(
            "insert into meta.load_batches (source, source_file, file_sha256, status, rows_loaded) "
            "values ('budget', 'budget_2024_05.json', 'abc', 'loaded', 10)"
        )
        plan = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    # read from the models: budget feeds fct_education_budget, the annual plan beside MinFin's execution,
    # fct_pupil_transport (its cost), the official values the claims are matched against, and the scorecard
    assert plan.mode == "incremental", plan.describe()
    assert plan.changed_sources == ["budget"]
    assert plan.select == ["source:budget.budget_execution_rows+"]
    assert plan.rebuild_tables == [
        "claims",
        "education_budget",
        "education_budget_annual",
        "pupil_transport",
        "scorecard",
    ]
    assert set(plan.carry_tables) == release_tables - set(plan.rebuild_tables)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert plan_build(conn, manifest, dbt_project_hash="another").mode == "full"
        assert plan_build(conn, manifest, full=True).mode == "full"


def _full_release() -> None:
    drop_candidate()
    dbt_command(["build"])
    run_gate()
    publish()


def test_an_incremental_release_equals_a_full_build_of_the_same_batches(warehouse, dbt_manifest):
    manifest = read_manifest(dbt_manifest)
    kato_file = SAMPLES / "reference" / "kato_2022-10-17_almaty_almaty-oblast_zhetysu_ru.csv"
    load_file(KATO, kato_file)
    _full_release()
    # Given a new BNS delivery after the release
    schools = load_file(BNS, SCHOOLS)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        plan = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert plan.mode == "incremental" and plan.changed_sources == ["bns_dynamic"], plan.describe()
    assert "school_counts" in plan.rebuild_tables and "territories" in plan.carry_tables

    # When the carried tables are copied and only the changed part is built, gated and published
    drop_candidate()
    copied = carry_over(plan.carry_tables)
    assert set(copied) == set(plan.carry_tables)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        # a copy, not a view, with the original's key, checks, indexes and comments
        for table in plan.carry_tables:
            kind = conn.execute("select relkind from pg_class where oid = %s::regclass", (f"candidate.{table}",))
            assert kind.fetchone()[0] == "r"
        definitions = (
            "select pg_get_constraintdef(c.oid) from pg_constraint as c where c.conrelid = %s::regclass "
            "union all select regexp_replace(indexdef, ' ON [a-z]+\\.', ' ON ') from pg_indexes "
            "where schemaname || '.' || tablename = %s order by 1"
        )
        for table in plan.carry_tables:
            published = conn.execute(definitions, (f"published.{table}", f"published.{table}")).fetchall()
            candidate = conn.execute(definitions, (f"candidate.{table}", f"candidate.{table}")).fetchall()
            assert candidate == published, table
        assert conn.execute("select obj_description('candidate.territories'::regclass)").fetchone()[0]
    dbt_command(["build", "--select", plan.select_arg])
    gate = run_gate(changed=(plan.rebuild_tables, plan.changed_sources))
    checked = {s.suite for s in gate.suites if not s.skipped}
    assert "published.school_counts" in checked and "raw.bns_dynamic" in checked
    assert "published.territories" not in checked and "raw.kato" not in checked
    # a bulletin lands while the build runs: the release records only the batches the plan saw
    bulletin = load_file(BULLETIN_SOURCE, BULLETIN)
    result = publish(input_batch_ids=plan.input_batch_ids)
    assert result.status == "published"
    assert "school_counts" in result.changed_tables and "territories" not in result.changed_tables
    with psycopg.connect(warehouse, autocommit=True) as conn:
        late = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert late.mode == "incremental" and late.changed_sources == ["bns_bulletin"], late.describe()
    withdraw_batch(bulletin.batch_id, "test: back to the inputs of the release")

    # Then the release equals a full build of the same batches
    with psycopg.connect(warehouse, autocommit=True) as conn:
        incremental = content_hashes(conn, "published")[0]
        plan = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert plan.mode == "nothing", plan.describe()
    drop_candidate()
    dbt_command(["build"])
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert content_hashes(conn, "candidate")[0] == incremental
    assert settings().dbt_target_dir.exists()

    # A build that reproduces the release from other batches is the next plan's basis: the same file
    # withdrawn and loaded again (a new batch, the same rows) is built, gated, not published again, and
    # the plan after it has nothing to build instead of rebuilding BNS on every run
    withdraw_batch(schools.batch_id, "test: the same file again")
    load_file(BNS, SCHOOLS)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        plan = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert plan.mode == "incremental" and plan.changed_sources == ["bns_dynamic"], plan.describe()
    drop_candidate()
    dbt_command(["build"])
    run_gate()
    assert publish(input_batch_ids=plan.input_batch_ids).status == "unchanged"
    with psycopg.connect(warehouse, autocommit=True) as conn:
        after = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert after.mode == "nothing", after.describe()
