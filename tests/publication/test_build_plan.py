"""Build only what changed: the plan, the carry-over (moved in at the swap, copied back into the archive),
and an incremental release equal to a full one."""

from __future__ import annotations

import psycopg
import pytest

from edu_wh.config import settings
from edu_wh.dbt_runner import dbt_command
from edu_wh.errors import UserError
from edu_wh.hashes import content_hashes
from expectations.gate import run_gate
from ingest.batches import withdraw_batch
from ingest.bns_bulletin import SOURCE as BULLETIN_SOURCE
from ingest.bns_dynamic import SOURCE as BNS
from ingest.kato import SOURCE as KATO
from ingest.loader import load_file
from orchestration.tasks import drop_candidate, prepare_candidate
from publication.build_plan import changed_sources, plan_build, read_manifest
from publication.swap import carry_over, dbt_project_hash, publish, rollback
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

    # When the carried tables are carried over and only the changed part is built, gated and published
    drop_candidate()
    carried = carry_over(plan.carry_tables, plan.current_release)
    assert set(carried) == set(plan.carry_tables)
    definitions = (
        "select pg_get_constraintdef(c.oid) from pg_constraint as c where c.conrelid = %s::regclass "
        "union all select regexp_replace(indexdef, ' ON [a-z_0-9]+\\.', ' ON ') from pg_indexes "
        "where schemaname || '.' || tablename = %s order by 1"
    )
    with psycopg.connect(warehouse, autocommit=True) as conn:
        # until the swap, a carried table is a view on the release's table, marked with the release
        for table in plan.carry_tables:
            kind, mark = conn.execute(
                "select relkind, obj_description(oid, 'pg_class') from pg_class where oid = %s::regclass",
                (f"candidate.{table}",),
            ).fetchone()
            assert (kind, mark) == ("v", f"edu-wh: carried over from release {plan.current_release}"), table
        oids = {
            t: conn.execute("select %s::regclass::oid", (f"published.{t}",)).fetchone()[0] for t in plan.carry_tables
        }
        before = {t: conn.execute(definitions, (f"published.{t}", f"published.{t}")).fetchall() for t in oids}
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
    assert result.carried_tables == plan.carry_tables
    archive = f"archive_r{plan.current_release}"
    with psycopg.connect(warehouse, autocommit=True) as conn:
        # the swap moved the release's tables themselves (no copy, no view published) ...
        for table, oid in oids.items():
            assert conn.execute("select %s::regclass::oid", (f"published.{table}",)).fetchone()[0] == oid, table
        assert conn.execute("select count(*) from pg_views where schemaname = 'published'").fetchone()[0] == 0
        # ... and the previous release's archive got copies with the key, checks, indexes and comments
        recorded = conn.execute(
            "select table_hashes from meta.releases where release_id = %s", (plan.current_release,)
        ).fetchone()[0]
        assert content_hashes(conn, archive)[0] == recorded
        for table in plan.carry_tables:
            assert conn.execute(definitions, (f"{archive}.{table}", f"{archive}.{table}")).fetchall() == before[table]
        assert conn.execute(f"select obj_description('{archive}.territories'::regclass)").fetchone()[0]
    with psycopg.connect(warehouse, autocommit=True) as conn:
        late = plan_build(conn, manifest, dbt_project_hash=dbt_project_hash())
    assert late.mode == "incremental" and late.changed_sources == ["bns_bulletin"], late.describe()

    # A publish cut off between the swap and the archive's copies: a rollback completes the archive first
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(f"drop table {archive}.territories")
    assert rollback().release_id == plan.current_release
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert content_hashes(conn, "published")[0] == recorded
    assert rollback(to_release=result.release_id).release_id == result.release_id

    # A candidate carrying tables of a release that is no longer current is never published
    prepare_candidate(late.as_dict())
    dbt_command(["build", "--select", late.select_arg])
    run_gate(changed=(late.rebuild_tables, late.changed_sources))
    rollback(to_release=plan.current_release)  # meanwhile, someone makes another release current
    with pytest.raises(UserError, match=rf"carries tables over from release {result.release_id}, but release \d+ is"):
        publish(input_batch_ids=late.input_batch_ids)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert content_hashes(conn, "published")[0] == recorded  # the release rolled back to, untouched
    rollback(to_release=result.release_id)
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
