"""The raw suite of press articles on the five real seed articles, and on re-delivered or changed texts."""

from __future__ import annotations

import json

import psycopg

from expectations.suites.raw_press import SUITE
from ingest.loader import load_file
from ingest.press import SOURCE
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    result,
    sql,
)

ARTICLES = sorted((SAMPLES / "press").glob("*.txt"))
ROADMAP = SAMPLES / "press" / "003_97ac62daf8c75279.txt"  # Almaty city's roadmap 2023-2029 (20 registry claims)
OBLAST = SAMPLES / "press" / "004_5ed07df8b3c5f9b6.txt"  # Almaty oblast's August 2023 conference (18 claims)


def test_the_five_seed_articles_pass_and_every_registry_claim_is_found(seeded):
    # Given the five real articles
    for path in ARTICLES:
        load_file(SOURCE, path)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: all 47 reviewed claims are found with their quote, value and unit
    assert_passes(report)
    assert result(report, "every claim of the reviewed registry is found").success
    assert len(report.suites[0].batches) == 5


def test_a_redelivered_article_with_another_figure_loses_its_claim(seeded, tmp_path):
    # Given the roadmap article, re-delivered under its name with "37 тысяч" places changed to 38
    load_file(SOURCE, ROADMAP)
    changed = tmp_path / ROADMAP.name
    changed.write_text(ROADMAP.read_text(encoding="utf-8").replace("37 тысяч", "38 тысяч"), encoding="utf-8")
    second = load_file(SOURCE, changed).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the registry claim carried by that figure is missing from the newest delivery, which blocks publication
    assert_fails(
        report,
        "every claim of the reviewed registry is found",
        shows=["claim press-003-03 (37000 places) is not in the article", "22 школ на 37 тысяч ученических мест"],
        batch=second,
    )
    # and the text is no longer the reviewed version (reported, not blocking)
    assert_fails(
        report,
        "registered and is the version its claims were reviewed against",
        shows="the article differs from the reviewed version",
        severity="warning",
        batch=second,
    )
    assert_publication_blocked(report)


def test_a_truncated_redelivery_and_an_unregistered_article_are_reported(seeded, tmp_path):
    # Given the oblast article, re-delivered cut off after half its text, and a new unregistered article
    load_file(SOURCE, OBLAST)
    first = batch_of(seeded, OBLAST.name)
    truncated = tmp_path / OBLAST.name
    text = OBLAST.read_text(encoding="utf-8")
    truncated.write_text(text[: len(text) // 2] + "\n", encoding="utf-8")  # cut off mid-article
    second = load_file(SOURCE, truncated)
    new = tmp_path / "005_0000000000000000.txt"
    new.write_text("В Алматы открыли 3 новые школы на 4500 мест.\n", encoding="utf-8")
    load_file(SOURCE, new)
    # When the raw suite runs
    report = gate(SUITE)
    # Then the drop is measured against the earlier delivery of the same article
    assert_fails(
        report,
        "no delivery lost more than 50% of the numbers",
        shows=f"only {second.rows_loaded} numbers against 24 in batch {first}",
        batch=second.batch_id,
    )
    # and the new article is reported as unregistered (its numbers are not claims until reviewed)
    unregistered = assert_fails(
        report,
        "registered and is the version",
        shows="the article is not in seeds/press_documents.csv",
        severity="warning",
    )
    assert "005_0000000000000000.txt" in json.dumps(unregistered.examples, ensure_ascii=False)


def test_numbers_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the real roadmap article, changed in raw by hand
    load_file(SOURCE, ROADMAP)
    batch = batch_of(seeded, ROADMAP.name)
    with psycopg.connect(seeded) as conn:
        offsets = conn.execute("select char_start from raw.press_numbers order by char_start::int limit 4").fetchall()
    first, second, third, fourth = (r[0] for r in offsets)
    sql(seeded, "update raw.press_numbers set block_kind = 'sidebar' where char_start = %s", (first,))
    sql(
        seeded,
        "update raw.press_numbers set number_kind = 'fraction', language = 'en' where char_start = %s",
        (second,),
    )
    sql(seeded, "update raw.press_numbers set char_end = '0' where char_start = %s", (third,))
    sql(
        seeded,
        "update raw.press_numbers set value_text = '-5' where number_kind = 'quantity' and char_start = "
        "(select max(char_start::int)::text from raw.press_numbers where number_kind = 'quantity')",
    )
    sql(seeded, "update raw.press_numbers set sentence = null where char_start = %s", (fourth,))
    sql(seeded, "insert into raw.press_numbers select * from raw.press_numbers where char_start = %s", (first,))
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "article body or in a known kind of site noise", shows='"block_kind": "sidebar"', batch=batch)
    assert_fails(report, "quantity, a year, a year range or a date", shows='"number_kind": "fraction"', batch=batch)
    assert_fails(report, "read as Kazakh or Russian", shows='"language": "en"', batch=batch)
    assert_fails(report, "valid span inside its sentence", shows="do not frame the phrase", batch=batch)
    assert_fails(report, "non-negative number in its base unit", shows="quantity -5 is not a non-negative number")
    assert_fails(report, "every number has its", shows="empty: sentence")
    assert_fails(report, "one row per article × character offset", shows=f'"char_start": "{first}"')
    assert_fails(report, "complete in raw", shows="raw holds 29 rows, the load counted 28")
    assert_publication_blocked(report)
