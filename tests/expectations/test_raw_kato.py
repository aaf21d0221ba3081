"""The raw suite of the KATO classifier on the real classifier (full and Almaty extract), and on broken ones."""

from __future__ import annotations

import psycopg

from expectations.suites.raw_kato import SUITE
from ingest.kato import SOURCE
from ingest.loader import load_file
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

FULL = SAMPLES / "reference" / "kato_2022-10-17_full_ru.csv"
ALMATY = SAMPLES / "reference" / "kato_2022-10-17_almaty_almaty-oblast_zhetysu_ru.csv"


def test_the_real_classifier_and_its_almaty_extract_pass(seeded):
    # Given the real classifier (16,264 codes) and the derived extract of Almaty, Almaty oblast and Zhetysu
    load_file(SOURCE, FULL)
    load_file(SOURCE, ALMATY)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: every territory the warehouse publishes is in both, for the regions each covers
    assert_passes(report)
    assert {b.source_file for b in report.suites[0].batches} == {FULL.name, ALMATY.name}


def test_an_extract_missing_a_published_district_is_caught(seeded, tmp_path):
    # Given the Almaty extract as of a later date without the Medeu district's row (its children are
    # then quarantined by the parser, their parent being missing)
    load_file(SOURCE, ALMATY)
    lines = ALMATY.read_text(encoding="utf-8").splitlines()
    later = tmp_path / ALMATY.name.replace("2022-10-17", "2022-11-01")
    later.write_text("\n".join(line for line in lines if ",751710000," not in line) + "\n", encoding="utf-8")
    bad = load_file(SOURCE, later).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the territory the warehouse publishes is named as missing from that classifier
    assert_fails(
        report,
        "every territory of seeds/territories.csv valid on the classifier's date is in it",
        shows="Medeu district (751710000) is missing from the classifier of 2022-11-01",
        batch=bad,
    )
    assert_publication_blocked(report)


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the Almaty extract, changed in raw by hand
    load_file(SOURCE, ALMATY)
    batch = batch_of(seeded, ALMATY.name)
    sql(seeded, "update raw.kato_rows set kato_code = '19100000' where kato_code = '191010000'")  # 8 digits
    sql(seeded, "update raw.kato_rows set parent_kato_code = '759990000' where kato_code = '751110000'")
    sql(seeded, "update raw.kato_rows set parent_kato_code = '190000000' where kato_code = '751210000'")
    sql(seeded, "update raw.kato_rows set file_layout = 'xml', name_ru = null where kato_code = '751310000'")
    with psycopg.connect(seeded) as conn:
        src_id = conn.execute("select src_id from raw.kato_rows where kato_code = '751410000'").fetchone()[0]
    sql(seeded, "update raw.kato_rows set src_id = %s where kato_code = '751510000'", (src_id,))
    sql(seeded, "insert into raw.kato_rows select * from raw.kato_rows where kato_code = '751910000'")
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "every KATO code is 9 digits", shows="not a 9-digit code: 19100000", batch=batch)
    assert_fails(report, "the hierarchy holds", shows=["the parent 759990000 is not in the classifier"])
    assert_fails(report, "the hierarchy holds", shows=["the code 751210000 does not sit under its parent 190000000"])
    assert_fails(report, "in a layout the warehouse knows", shows='"file_layout": "xml"')
    assert_fails(report, "every classifier row has its", shows="empty: name_ru")
    assert_fails(report, "one row per classifier row id", shows=f'"src_id": "{src_id}"')
    assert_fails(report, "one row per KATO code", shows='"kato_code": "751910000"')
    assert_fails(report, "complete in raw", shows="raw holds 1176 rows, the load counted 1175")
    assert_publication_blocked(report)


def test_a_classifier_dated_in_the_future_is_caught(seeded):
    load_file(SOURCE, ALMATY)
    sql(seeded, "update raw.kato_rows set classifier_date = '2099-01-01'")
    report = gate(SUITE)
    assert_fails(report, "says the date it is valid from", shows="classifier date 2099-01-01 is not a date up to today")
