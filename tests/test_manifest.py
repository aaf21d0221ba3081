"""The dbt manifest is parsed again only when what ``dbt parse`` reads changed (edu_wh.dbt_runner)."""

from __future__ import annotations

import shutil

from edu_wh.config import DBT_PROJECT_DIR
from edu_wh.dbt_runner import build_manifest, manifest_inputs


def test_an_unchanged_project_is_not_parsed_again_and_force_parses(dbt_manifest):
    before = dbt_manifest.stat().st_mtime_ns
    assert build_manifest() == dbt_manifest
    assert dbt_manifest.stat().st_mtime_ns == before  # nothing changed: no dbt parse
    build_manifest(force=True)
    assert dbt_manifest.stat().st_mtime_ns > before


def test_the_digest_follows_the_project_files_and_not_dbt_output(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    first = manifest_inputs(project)
    assert manifest_inputs(project) == first
    (project / "target").mkdir()
    (project / "target" / "partial_parse.msgpack").write_bytes(b"dbt output")
    assert manifest_inputs(project) == first  # what dbt writes is not an input
    model = next(project.glob("models/staging/*/*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert manifest_inputs(project) != first
    docs = project / "models" / "new_docs.md"
    changed = manifest_inputs(project)
    docs.write_text("{% docs x %}a description{% enddocs %}\n", encoding="utf-8")
    assert manifest_inputs(project) != changed  # docs blocks are parsed into descriptions too


def test_the_release_builds_producer_reuses_the_manifests_partial_parse(dagbag, dbt_manifest, tmp_path):
    """dbt keeps a partial parse only for the flags it was made with: the manifest build (and every
    dbt invocation of edu_wh.dbt_runner) passes those the Cosmos producer passes, so the producer,
    from its copy of the project, does not parse the whole project again."""
    from dbt.cli.main import dbtRunner

    from edu_wh.config import scoped_env, settings
    from edu_wh.dbt_runner import PARSE_FLAGS

    producer = dagbag.dags["transform_publish"].get_task("dbt.dbt_producer_watcher")
    copy = tmp_path / "project"  # Cosmos runs dbt in a copy of the project
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    flags = producer._generate_dbt_flags(str(copy), DBT_PROJECT_DIR / "profiles.yml")  # Cosmos's own
    assert flags[4:] == PARSE_FLAGS, flags
    build_manifest(force=True)
    events: list[str] = []
    with scoped_env(**settings().dbt_env()):
        result = dbtRunner(callbacks=[lambda e: events.append(e.info.name)]).invoke(["parse", *flags])
    assert result.success
    assert "UnableToPartialParse" not in events and "PartialParsingNotEnabled" not in events
    assert "PartialParsingEnabled" in events or "ParsePerfInfoPath" in events, sorted(set(events))[:40]
