"""Idempotency: the same inputs loaded and published again change nothing, and no layer holds a row
twice.

* raw: one ``loaded`` batch per (source, file SHA-256); a second load of every input adds no batch
  and no row; every raw table is unique by the grain its description states;
* staging, intermediate, marts and published: unique by the grain each dbt model states in
  ``config.meta.grain`` (read from the manifest, so a new model is covered without touching this file);
* published: what ``meta.releases`` recorded is what the tables hash to now, and publishing an
  identical candidate is a no-op (same release, same hashes).

The long tests (``make reliability``) build the whole warehouse from scratch, rebuild it from the
same inputs, and rebuild it again after reloading every file (``reload=True``, the backfill DAG's
path), and compare the published content hashes.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import sql

from tests.reliability.helpers import (
    current_release,
    grain_duplicates,
    load_all_inputs,
    manifest_grains,
    published_hashes,
    record_figures,
    stage_all_inputs,
    transform_gate_publish,
)


def raw_grains() -> list[tuple[str, list[str]]]:
    """(raw table, grain columns) from each source's RawTable description ("Grain: a, b.")."""
    from ingest.registry import all_sources

    out = []
    for source in all_sources():
        match = re.search(r"Grain: ([^.]+)\.", source.raw_table.description)
        assert match, f"{source.name}: the raw table's description does not state its grain"
        out.append((source.raw_table.name, [c.strip() for c in match.group(1).split(",")]))
    return out


def raw_counts(conn) -> dict[str, int]:
    from ingest.registry import all_sources

    return {
        s.raw_table.name: conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier("raw", s.raw_table.name))
        ).fetchone()[0]
        for s in all_sources()
    }


def duplicates_everywhere(conn) -> dict[str, int]:
    """Rows beyond the first per grain key, for every raw table and every dbt model with a grain."""
    found = {}
    for table, columns in raw_grains():
        found[f"raw.{table}"] = grain_duplicates(conn, "raw", table, columns)
    for schema, relation, columns in manifest_grains():
        for where in {schema, "published"} if schema == "candidate" else {schema}:
            n = grain_duplicates(conn, where, relation, columns)
            if n is not None:
                found[f"{where}.{relation}"] = n
    found["meta.load_batches (loaded per file hash)"] = conn.execute(
        "select coalesce(sum(n - 1), 0) from (select count(*) as n from meta.load_batches "
        "where status = 'loaded' group by source, file_sha256) as g"
    ).fetchone()[0]
    return found


def test_no_layer_holds_a_row_twice_and_the_release_is_what_was_recorded(released_warehouse, dbt_manifest):
    with psycopg.connect(released_warehouse) as conn:
        found = duplicates_everywhere(conn)
        release = current_release(conn)
        recomputed = published_hashes(conn)
    checked = len(found)
    assert checked >= 30 and any(k.startswith("published.") for k in found), sorted(found)
    doubled = {k: n for k, n in found.items() if n}
    assert not doubled, doubled
    assert recomputed == release[2]
    record_figures("idempotency", "grain checks on every layer", injected=checked, survived=checked)


def test_loading_every_input_again_adds_no_batch_and_no_row(release_copy):
    with psycopg.connect(release_copy) as conn:
        batches = conn.execute("select count(*) from meta.load_batches").fetchone()[0]
        before = raw_counts(conn)
        release = current_release(conn)
    # Given every input the release was built from, landed again (files), or asked for again (APIs)
    drop = stage_all_inputs()
    # When everything is loaded again
    summaries = load_all_inputs(drop)
    # Then every file says it was already loaded, and nothing was added anywhere
    assert all(not s["loaded"] for s in summaries.values()), {k: s["loaded"] for k, s in summaries.items()}
    assert sum(len(s["already_loaded"]) for s in summaries.values()) >= 20
    with psycopg.connect(release_copy) as conn:
        assert conn.execute("select count(*) from meta.load_batches").fetchone()[0] == batches
        assert raw_counts(conn) == before
        assert current_release(conn) == release
    files = sum(len(s["already_loaded"]) for s in summaries.values())
    record_figures("idempotency", "second load of every input", injected=files, survived=files)


def test_publishing_an_identical_candidate_changes_nothing(release_copy):
    from edu_wh.warehouse import connect
    from orchestration.tasks import run_gate
    from publication.swap import publish, schema_tables

    with psycopg.connect(release_copy) as conn:
        release = current_release(conn)
    # Given a candidate with exactly the current release's content, through the real gate
    with connect("transformer", autocommit=True) as conn:
        conn.execute("drop schema if exists candidate cascade")
        conn.execute("create schema candidate")
        for table in schema_tables(conn, "published"):
            conn.execute(f'create table candidate."{table}" as select * from published."{table}" order by random()')
    run_gate("test__identical")
    # When it is published
    result = publish(run_id="test__identical")
    # Then nothing changes: same release, same hashes, no archive, one release recorded
    assert result.status == "unchanged" and result.release_id == release[0]
    with psycopg.connect(release_copy) as conn:
        assert current_release(conn) == release
        assert conn.execute("select count(*) from meta.releases").fetchone()[0] == 1
        assert published_hashes(conn) == release[2]
    record_figures("idempotency", "identical candidate published again", injected=1, survived=1)


def test_reloading_every_report_of_a_stream_is_accepted(warehouse, db):
    from cli.samples import ensure_synthetic_drop, stage_synthetic
    from orchestration.tasks import load_landing

    stage_synthetic(ensure_synthetic_drop())
    first = load_landing("comfortable_school")
    assert len(first.loaded) >= 5 and not first.rejected
    again = load_landing("comfortable_school", reload=True)
    assert not again.rejected, [r["reason"] for r in again.rejected][:2]
    assert len(again.loaded) == len(first.loaded)


# --- the long version: the whole warehouse built three times ------------------------------------------

#: sources left out of the reload below (none: a reload is compared with the batch it supersedes)
RELOAD_EXCLUDED: tuple[str, ...] = ()


@pytest.mark.reliability_long
def test_the_same_inputs_built_again_and_reloaded_publish_identical_tables(warehouse, dbt_manifest):
    from ingest.registry import SOURCE_MODULES
    from orchestration.tasks import load_landing

    drop = stage_all_inputs()
    load_all_inputs(drop)
    first = transform_gate_publish("test__first")
    assert first["status"] == "published"
    with psycopg.connect(warehouse) as conn:
        release = current_release(conn)
        assert not {k: n for k, n in duplicates_everywhere(conn).items() if n}
    # the same inputs again: nothing loads, the rebuilt candidate equals the release
    load_all_inputs(drop)
    assert transform_gate_publish("test__second")["status"] == "unchanged"
    # every file reloaded (new batches supersede the old ones): the release is still the same content
    reloaded = 0
    for source in SOURCE_MODULES:
        if source in RELOAD_EXCLUDED:
            continue
        summary = load_landing(source, reload=True)
        assert not summary.rejected, summary.rejected
        reloaded += len(summary.loaded)
    assert reloaded >= 10
    third = transform_gate_publish("test__reloaded")
    with psycopg.connect(warehouse) as conn:
        now = published_hashes(conn)
        # (a superseded batch's rows counted again once made comfortable_school_projects.times_reported double)
        changed = sorted(t for t in now.keys() | release[2].keys() if now.get(t) != release[2].get(t))
        assert not changed, f"tables changed by the reload: {changed}"
        assert third["status"] == "unchanged", third
        assert current_release(conn) == release
        assert not {k: n for k, n in duplicates_everywhere(conn).items() if n}
        superseded = conn.execute("select count(*) from meta.load_batches where status = 'superseded'").fetchone()[0]
    assert superseded == reloaded
    record_figures("idempotency", "three builds from the same inputs (one after a full reload)", injected=3, survived=3)
