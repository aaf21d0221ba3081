"""Candidate claims from articles that are not among the five seed articles.

``tests/ingest/press_articles/`` holds four short articles written for this test (two Russian, two
Kazakh) with the number forms real articles use ("410 млрд тенге", "более 133 тыс.", "4 млрд 529 млн",
"68 200 оқушыға", "40 мыңнан астам"), plus site noise (a currency ticker, a related headline). The
answer keys below were written by reading those files and seeds/press_claim_rules.csv: which rule each
sentence meets, which territory it names (else the first one the article names), which year (else the
first year the article names).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.conftest import REPO, SAMPLES

ARTICLES = Path(__file__).parent / "press_articles"
SEED_004 = SAMPLES / "press" / "004_5ed07df8b3c5f9b6.txt"
REGISTRY = REPO / "dbt_project" / "seeds" / "press_claims_registry.csv"
BUILD = ["build", "--select", "+int_claim_candidates_proposed", "--indirect-selection", "cautious"]

OBLAST, CITY, NAURYZBAY, KONAEV = "190000000", "750000000", "751810000", "191000000"
#: (document prefix, value, unit, qualifier) → (indicator, territory, period, status)
EXPECTED = {
    # t01 (ru): the oblast's budget in 2024, its growth, free meals, pupils, and hectares no rule knows
    ("t01", Decimal("410000000000"), "kzt", None): ("education_budget_kzt", OBLAST, "2024", "proposed"),
    ("t01", Decimal("16000000000"), "kzt", None): ("education_budget_change_kzt", OBLAST, "2024", "proposed"),
    ("t01", Decimal("4529000000"), "kzt", None): ("free_meals_cost_kzt", OBLAST, "2024", "proposed"),
    ("t01", Decimal("133000"), "pupils", "more than"): ("pupils_count", OBLAST, "2024", "proposed"),
    ("t01", Decimal("4"), None, None): (None, OBLAST, "2024", "unclassified"),
    # t02 (ru): the city's new schools, Nauryzbay's children, transport money in 2025
    ("t02", Decimal("12"), "schools", None): ("schools_count", CITY, "2025", "proposed"),
    ("t02", Decimal("30000"), "children", "almost"): ("pupils_count", NAURYZBAY, "2025", "proposed"),
    ("t02", Decimal("350000000"), "kzt", None): ("pupil_transport_cost_kzt", CITY, "2025", "proposed"),
    # t03 (kk): Comfortable School places written as pupils, the budget, Konaev's pupils
    ("t03", Decimal("68200"), "pupils", None): ("comfortable_school_places", OBLAST, "2024", "proposed"),
    ("t03", Decimal("410000000000"), "kzt", None): ("education_budget_kzt", OBLAST, "2024", "proposed"),
    ("t03", Decimal("40000"), "pupils", "more than"): ("pupils_count", KONAEV, "2024", "proposed"),
    # t04 (kk): the city's schools in 2025, equipment money, and "3 мәселеге" (issues: no rule)
    ("t04", Decimal("15"), "schools", None): ("schools_count", CITY, "2025", "proposed"),
    ("t04", Decimal("2100000000"), "kzt", None): ("school_equipment_cost_kzt", CITY, "2025", "proposed"),
    ("t04", Decimal("3"), None, None): (None, CITY, "2025", "unclassified"),
}


@pytest.fixture
def built(warehouse, dbt_manifest):
    from edu_wh.dbt_runner import dbt_command
    from ingest.loader import load_file
    from ingest.registry import get_source

    for path in [*sorted(ARTICLES.glob("*.txt")), SEED_004]:
        load_file(get_source("press"), path)
    dbt_command(BUILD)
    return warehouse


def candidates(url: str) -> list[dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select * from intermediate.int_claim_candidates_proposed order by source_document, char_start"
        ).fetchall()


def test_new_articles_give_candidate_claims_that_a_reviewer_accepts_into_the_registry(built, tmp_path, capsys):
    from cli.commands.claims import candidates_command
    from edu_wh.errors import UserError
    from ingest.press_candidates import accept_candidates, read_candidates, write_candidates

    rows = candidates(built)
    # Then every body quantity of the new articles is a candidate, classified as the answer key says
    found = {
        (r["source_document"][:3], r["value"].normalize(), r["unit"], r["qualifier"]): (
            r["indicator_code"],
            r["kato_code"],
            r["period"],
            r["status"],
        )
        for r in rows
        if r["source_document"].startswith("t0")
    }
    assert found == {(d, v.normalize(), u, q): e for (d, v, u, q), e in EXPECTED.items()}
    assert len([r for r in rows if r["source_document"].startswith("t0")]) == len(EXPECTED)  # grain: one per number
    # the ticker's 470.5 and the related headline's "Более 30 тысяч" are noise, never candidates
    assert not [r for r in rows if r["value"] in (Decimal("470.5"),) or r["phrase"] == "Более 30 тысяч"]
    unclassified = {r["phrase"]: r["reason"] for r in rows if r["status"] == "unclassified"}
    assert unclassified["4"] == "no indicator rule matches the sentence for a number of unknown unit"
    # And a seed article's numbers that the registry carries are not proposed again: of 004, only
    # "11 педагог" (no registry row; parse notes say so) is left, and no rule knows teachers
    seed = [r for r in rows if r["source_document"] == SEED_004.name]
    assert [(r["phrase"], r["status"]) for r in seed] == [("11 педагог", "unclassified")]

    # When the candidates are written for review (with the unclassified ones)
    out = tmp_path / "review" / "candidates.csv"
    candidates_command(out_file=out, include_all=True)
    written = read_candidates(out)
    assert [r["candidate_id"] for r in written] == [r["candidate_id"] for r in rows]
    # Then the CSV round-trips: what is read back is what was written, value for value
    budget = next(r for r in written if r["candidate_id"].startswith("t01") and r["value"] == "410000000000")
    assert budget | {"note": ""} == {
        "accept": "",
        "claim_id": "press-t01-at80",
        "candidate_id": "t01_almaty_oblast_budget_ru.txt:80",
        "status": "proposed",
        "reason": "",
        "source_document": "t01_almaty_oblast_budget_ru.txt",
        "document_sha256": budget["document_sha256"],
        "language": "ru",
        "quote": "Бюджет образования Алматинской области в 2024 году составил 410 млрд тенге.",
        "phrase": "410 млрд тенге",
        "value": "410000000000",
        "unit": "kzt",
        "qualifier": "",
        "kato_code": OBLAST,
        "indicator_code": "education_budget_kzt",
        "period": "2024",
        "period_kind": "calendar_year",
        "note": "",
    }
    rewritten = tmp_path / "again.csv"
    write_candidates(written, rewritten)
    assert rewritten.read_bytes() == out.read_bytes()

    # When the reviewer accepts the new article's budget and completes 004's teachers...
    registry = tmp_path / "press_claims_registry.csv"
    registry.write_bytes(REGISTRY.read_bytes())
    teachers = next(r for r in written if r["source_document"] == SEED_004.name)
    for r in written:
        r["accept"] = "yes" if r in (budget, teachers) else ""
    teachers.update(indicator_code="new_format_schools_teachers", unit="teachers", period="2023")
    write_candidates(written, out)
    # ...the new article is not yet a registered press document: nothing is written, the row is named
    with pytest.raises(UserError) as refused:
        accept_candidates(out, registry)
    message = refused.value.message
    assert "row " in message and "press-t01-at80" in message and "not in seeds/press_documents.csv" in message
    assert registry.read_bytes() == REGISTRY.read_bytes()
    # Then with the budget row left for later, the teachers row becomes a registry row
    budget["accept"] = ""
    write_candidates(written, out)
    [added] = accept_candidates(out, registry)
    assert added["claim_id"] == teachers["claim_id"] and added["indicator_code"] == "new_format_schools_teachers"
    tail = registry.read_text(encoding="utf-8").splitlines()[-1]
    assert tail.startswith(f"{teachers['claim_id']},{SEED_004.name},")
    # And once the registry holds it, the number is no longer proposed
    with psycopg.connect(built, autocommit=True) as conn:
        conn.execute(
            "insert into reference.press_claims_registry (claim_id, source_document, quote, value, unit, kato_code, "
            "indicator_code, period, period_kind) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [added[c] for c in ("claim_id", "source_document", "quote", "value", "unit", "kato_code")]
            + [added[c] for c in ("indicator_code", "period", "period_kind")],
        )
    assert [r for r in candidates(built) if r["source_document"] == SEED_004.name] == []


def test_an_accepted_row_must_pass_the_registry_seeds_own_tests(tmp_path):
    from edu_wh.errors import UserError
    from ingest.press_candidates import CANDIDATE_COLUMNS, accept_candidates, write_candidates

    # Given a reviewed row of a registered article whose period kind and territory the registry's
    # tests in seeds/_seeds.yml do not accept (as_of_date is no accepted period_kind; 199999999 is
    # no territory in seeds/territories.csv)
    registry = tmp_path / "press_claims_registry.csv"
    registry.write_bytes(REGISTRY.read_bytes())
    row = dict.fromkeys(CANDIDATE_COLUMNS, "")
    row.update(
        accept="yes",
        claim_id="press-004-at1",
        source_document=SEED_004.name,
        quote="a quote",
        value="12",
        unit="schools",
        kato_code="199999999",
        indicator_code="schools_count",
        period="2023",
        period_kind="as_of_date",
    )
    out = write_candidates([row], tmp_path / "reviewed.csv")
    # When it is accepted
    with pytest.raises(UserError) as refused:
        accept_candidates(out, registry)
    # Then nothing is written and the row is named with both reasons, as the next build would have failed
    message = refused.value.message
    assert "row 2 (press-004-at1)" in message
    assert "period_kind 'as_of_date' is not in the accepted values" in message
    assert "kato_code '199999999' is not in seeds/territories.csv" in message
    assert registry.read_bytes() == REGISTRY.read_bytes()
