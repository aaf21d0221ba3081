"""The gate end to end: raw deliveries and the candidate in one run and one report, a critical raw
failure blocking publication until the bad batch is withdrawn, and the report stored and readable."""

from __future__ import annotations

import json

import openpyxl
import psycopg
import pytest

from cli.samples import SAMPLE_FILES, stage_samples
from edu_wh.dbt_runner import dbt_command
from expectations.check_texts import untranslated
from expectations.framework import GateFailed, discover_suites
from expectations.gate import run_gate as run_full_gate
from expectations.report import language_sections
from ingest.batches import withdraw_batch
from ingest.bns_dynamic import SOURCE as BNS
from ingest.loader import load_file
from orchestration.tasks import drop_candidate, load_landing
from publication.swap import publish
from tests.conftest import SAMPLES
from tests.expectations.conftest import assert_passes, gate
from tests.expectations.test_report_languages import PROPER
from tests.latin_words import latin_words

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
GATE_SECONDS = 30  # the whole gate at scale 1, Great Expectations' start included


def build() -> None:
    """The candidate of the published tables this scenario needs (other areas' models are not its concern)."""
    drop_candidate()
    dbt_command(["seed"])  # every reference list: the raw suites read them all
    dbt_command(["build", "--select", "+pub_school_counts", "+pub_territories", "--indirect-selection", "cautious"])


def run_gate() -> dict:
    """The gate as the pipeline runs it: every raw suite and the published suites of the candidate's tables."""
    from edu_wh.warehouse import connect

    with connect("transformer", autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'candidate'")}
    suites = [s for s in discover_suites() if s.layer == "raw" or s.table in tables]
    return run_full_gate("candidate", suites=suites).summary()


def published_hash(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("select content_hash from meta.releases where status = 'current'").fetchone()[0]


def test_a_bad_delivery_blocks_publication_until_it_is_withdrawn(warehouse, dbt_manifest, tmp_path):
    # Given the real samples loaded, built, gated (raw and candidate in one run) and published
    stage_samples()
    for source in sorted({s for s, _ in SAMPLE_FILES}):
        load_landing(source)
    build()
    summary = run_gate()
    assert summary["layers"] == ["raw", "published"] and summary["critical_failed"] == 0
    assert summary["seconds"] < GATE_SECONDS
    first = publish()
    before = published_hash(warehouse)

    # When a corrected BNS table arrives whose urban and rural schools no longer add up to the total
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    ws.cell(33, 17).value += 25  # Акмолинская, urban, 2015/16
    bad_file = tmp_path / "number_of_schools_by_region_2000-2023_ru_v2.xlsx"
    wb.save(bad_file)
    bad = load_file(BNS, bad_file).batch_id
    build()
    # Then the gate fails on the raw layer (the candidate itself looks fine), and publication is refused
    with pytest.raises(GateFailed) as failed:
        run_gate()
    report = failed.value.report
    assert {r.layer for r in report.critical_failures} == {"raw"}
    assert [r.batch_ids for r in report.critical_failures] == [[bad]]
    assert "raw.bns_dynamic_cells: urban + rural = total" in str(failed.value)
    with pytest.raises(Exception, match="has not passed the publication gate"):
        publish()
    assert published_hash(warehouse) == before

    # When the engineer withdraws the batch, and checks the raw layer alone
    withdraw_batch(bad, "urban and rural do not add up; BNS asked for a corrected file", by="test")
    raw_only = run_full_gate(layer="raw", raise_on_failure=False)
    # Then the raw layer passes, but a raw-only run never authorises publishing the candidate
    assert raw_only.success and raw_only.schema == "raw"
    with pytest.raises(Exception, match="has not passed the publication gate"):
        publish()
    # When the next build runs
    build()
    run_gate()
    # Then the release is what it was before the bad delivery: nothing of it reaches the ministry
    again = publish()
    assert again.status == "unchanged" and again.release_id == first.release_id


def test_one_gate_run_reports_both_layers_in_markdown_json_and_meta(seeded, capfd):
    # Given the real schools table and an empty candidate (nothing built yet)
    load_file(BNS, SCHOOLS)
    suites = [s for s in discover_suites() if s.layer == "raw" or s.table == "school_counts"]
    # When the gate runs both layers
    report = gate(*suites)
    # Then one report has a section per layer, the raw one with the batches checked and their baselines
    md = report.markdown
    assert md.index("## Raw deliveries") < md.index("## Candidate release (schema `candidate`")
    assert f"({SCHOOLS.name}): 1,380 rows; first delivery of its stream, no volume baseline" in md
    assert "no loaded batch of source egov; nothing to check" in md
    assert "## Time per suite" in md and f"in {report.seconds:.1f} s" in md
    # and the candidate's failures (no tables yet) say why they could not run
    missing = [r for r in report.critical_failures if r.layer == "published"]
    assert missing and all(
        'relation "candidate.school_counts" does not exist' in r.observed["exception"] for r in missing
    )
    # and the JSON twin and meta hold the same, with the layer, batches and examples of each result
    data = json.loads(report.path.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["layers"] == ["raw", "published"] and len(data["results"]) == len(report.results)
    with psycopg.connect(seeded) as conn:
        run = conn.execute(
            "select target_schema, layers, seconds, checked, report_markdown from meta.gate_runs where gate_run_id = %s",
            (report.gate_run_id,),
        ).fetchone()
        layers = dict(
            conn.execute(
                "select layer, count(*) from meta.gate_results where gate_run_id = %s group by layer",
                (report.gate_run_id,),
            ).fetchall()
        )
    assert (
        run[0] == "candidate"
        and run[1] == ["raw", "published"]
        and float(run[2]) == pytest.approx(report.seconds, 0.01)
    )
    checked = {c["suite"]: c for c in run[3]}
    assert checked["raw.bns_dynamic"]["batches"][0]["source_file"] == SCHOOLS.name
    assert checked["raw.egov"]["skipped"]
    assert run[4] == md
    assert layers == {x: sum(r.layer == x for r in report.results) for x in ("raw", "published")}
    assert layers["raw"] >= 15 and layers["published"] >= 5
    # and Great Expectations printed no progress bars and no INFO chatter
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err and "ephemeral docs site" not in out + err


def test_every_raw_source_has_a_suite_over_its_raw_table():
    from ingest.registry import all_sources

    suites = {s.source: s for s in discover_suites("raw")}
    for source in all_sources():
        assert source.name in suites, f"no raw suite for {source.name}"
        assert suites[source.name].table == source.raw_table.name
        assert suites[source.name].name == f"raw.{source.name}"


def test_the_real_samples_pass_every_raw_suite(seeded):
    # Given every real sample file loaded
    stage_samples()
    for source in sorted({s for s, _ in SAMPLE_FILES}):
        load_landing(source)
    # When the raw layer runs
    report = gate(*discover_suites("raw"))
    # Then nothing fails: the suites hold for the publishers' real files
    assert_passes(report)
    checked = {s.suite for s in report.suites if not s.skipped}
    assert checked == {"raw.bns_dynamic", "raw.bns_bulletin", "raw.press", "raw.kato", "raw.minfin"}
    # and what each check protects and how to resolve it, texts the helpers build from a column or an
    # object included, is in Kazakh and Russian (the quality report's kk and ru sections)
    assert untranslated({r.protects for r in report.results} | {r.resolve for r in report.results}) == []
    sections = language_sections(report.markdown)
    assert {lang: sorted(set(latin_words(sections[lang], PROPER))) for lang in ("kk", "ru")} == {"kk": [], "ru": []}


def test_a_loaded_source_without_a_raw_suite_fails_the_gate_and_is_named(seeded):
    from edu_wh.warehouse import connect

    # Given the real samples loaded, and a batch of a source that has no raw suite (a source added
    # to the registry without its suite would look exactly like this in meta.load_batches)
    stage_samples()
    load_landing("kato")
    with connect(autocommit=True) as conn:
        conn.execute(
            "insert into meta.load_batches (source, source_file, file_sha256, status, rows_loaded) "
            "values ('school_canteens', 'canteens_2024.csv', repeat('a', 64), 'loaded', 120)"
        )
    # When the gate's raw layer runs with every suite, as the pipeline runs it
    report = run_full_gate("raw", layer="raw", raise_on_failure=False)
    # Then it fails critically and names the source, and the sources with suites still pass
    assert not report.success
    [failure] = report.critical_failures
    assert failure.expectation == "raw_suite_exists" and failure.kwargs == {"source": "school_canteens"}
    assert "school_canteens" in failure.protects and "raw_school_canteens.py" in failure.resolve
    assert "school_canteens" in report.markdown
