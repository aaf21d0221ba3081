"""Write-audit-publish: gate required, O(1) swap, rollback, archives pruned."""

from __future__ import annotations

import psycopg
import pytest

from edu_wh.dbt_runner import dbt_command
from edu_wh.errors import UserError
from ingest.bns_dynamic import SOURCE as BNS
from ingest.loader import load_file
from orchestration.tasks import drop_candidate, run_gate
from publication.swap import publish, rollback
from tests.conftest import SAMPLES
from tests.dbt.test_column_comments import uncommented

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


def build_candidate():
    drop_candidate()
    dbt_command(["build"])


def test_publish_requires_a_passed_gate(warehouse, dbt_manifest):
    load_file(BNS, SCHOOLS)
    build_candidate()
    with pytest.raises(UserError, match="has not passed the publication gate"):
        publish()
    # a candidate changed after it passed is not what the gate vouched for
    run_gate()
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("update candidate.territories set name_en = 'unchecked' where kato_code = '750000000'")
    with pytest.raises(UserError, match=r"the candidate changed after gate run \d+ checked it"):
        publish()
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from meta.releases").fetchone()[0] == 0
        assert conn.execute("select to_regclass('published.territories')").fetchone() == (None,)
    run_gate()  # checked again, it may go
    assert publish().status == "published"
    # the swap renames the schema: every published table and column keeps its definition as a comment
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from pg_tables where schemaname = 'published'").fetchone()[0] >= 10
        assert uncommented(conn, ["published"]) == []


def test_publish_then_rollback_restores_the_previous_release(warehouse, dbt_manifest, monkeypatch):
    load_file(BNS, SCHOOLS)
    build_candidate()
    run_gate()
    first = publish()
    assert first.status == "published" and first.previous_release_id is None
    # a second release with different content (one territory name changed in the seed-derived table)
    build_candidate()
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("update candidate.territories set name_en = 'Almaty (city)' where kato_code = '750000000'")
    run_gate()
    second = publish()
    assert second.status == "published" and second.changed_tables == ["territories"]
    with psycopg.connect(warehouse) as conn:
        assert (
            conn.execute("select name_en from published.territories where kato_code = '750000000'").fetchone()[0]
            == "Almaty (city)"
        )
    back = rollback()
    assert back.release_id == first.release_id
    with psycopg.connect(warehouse) as conn:
        assert (
            conn.execute("select name_en from published.territories where kato_code = '750000000'").fetchone()[0]
            == "Almaty city"
        )
        statuses = dict(conn.execute("select release_id, status from meta.releases").fetchall())
        assert statuses == {first.release_id: "current", second.release_id: "rolled_back"}
        # the ministry reader reads the restored release and not the archive
        conn.execute("set role edu_wh_ministry_reader")
        assert conn.execute("select count(*) from published.territories").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"select count(*) from archive_r{second.release_id}.territories")


def test_archives_beyond_the_retention_are_dropped(warehouse, dbt_manifest, monkeypatch):
    monkeypatch.setenv("EDU_WH_KEEP_RELEASES", "1")
    load_file(BNS, SCHOOLS)
    ids = []
    for name in ("A", "B", "C"):
        build_candidate()
        with psycopg.connect(warehouse, autocommit=True) as conn:
            conn.execute("update candidate.territories set name_en = %s where kato_code = '750000000'", (name,))
        run_gate()
        ids.append(publish().release_id)
    with psycopg.connect(warehouse) as conn:
        statuses = dict(conn.execute("select release_id, status from meta.releases").fetchall())
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace where nspname like 'archive_r%'")}
    assert statuses == {ids[0]: "dropped", ids[1]: "archived", ids[2]: "current"}
    assert schemas == {f"archive_r{ids[1]}"}
