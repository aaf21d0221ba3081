"""The raw suite of data.egov.kz records: pages fetched from the fake portal (the generated registers),
and pages carrying defects the parser lets through."""

from __future__ import annotations

import json

import psycopg
import pytest

from edu_wh.config import settings
from expectations.suites.raw_egov import SUITE
from ingest.egov import EgovSource
from ingest.egov.fake import FakeEgov
from ingest.egov.parser import page_file_name
from ingest.http import RetryPolicy
from ingest.loader import load_file
from ingest.registry import get_source
from orchestration.tasks import load_landing
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

KEY = "test-egov-key"
FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05)
SOURCE = get_source("egov")


@pytest.fixture
def fetched(seeded, drop, monkeypatch) -> dict[str, list[dict]]:
    """The generated registers fetched from the fake portal (500 records a page) and loaded; returns the
    records of each landed page by file name."""
    monkeypatch.setenv("EDU_WH_HTTP_TIMEOUT", "5")
    landing = settings().landing_dir / "egov"
    with FakeEgov(drop, api_key=KEY) as fake:
        files = EgovSource(page_size=500, retry=FAST).fetch(landing, api_key=KEY, base_url=fake.url)
    assert files
    load_landing("egov")
    return {path.name: json.loads(path.read_text(encoding="utf-8"))["data"] for path in files}


def page(tmp_path, name: str, records: list[dict]):
    path = tmp_path / name
    path.write_text(json.dumps({"totalCount": len(records), "data": records}, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_fetched_registers_pass_every_check(fetched):
    # Given the generated state and private school and kindergarten registers, fetched page by page
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: regions and districts are known, counts and coordinates are plausible
    assert_passes(report)
    assert {b.source_file for b in report.suites[0].batches} == set(fetched)


def test_pages_with_bad_records_and_a_short_refetch_are_caught(fetched, tmp_path):
    # Given the fetched registers; then an incremental page whose records the parser accepts as they are
    schools = fetched[page_file_name("state_schools", "v1", None, 0)]
    base = dict(schools[0])
    bad_records = [
        {**base, "id": 900001, "student_co": -5, "modified": "2025-01-02T10:00:00"},
        {**base, "id": 900002, "region_nam": "Алматинская обл.", "modified": "2025-01-02T10:00:00"},
        {**base, "id": 900003, "district_n": "Неизвестный район", "modified": "2025-01-02T10:00:00"},
        {**base, "id": 900004, "lat": base["long"], "long": base["lat"], "modified": "2025-01-02T10:00:00"},
        {**base, "id": 900005, "student_co": 15000, "modified": "2025-01-02T10:00:00"},
        {**base, "id": 900006, "modified": "вчера"},
    ]
    incremental = load_file(
        SOURCE, page(tmp_path, page_file_name("state_schools", "v1", "2025-01-01T00:00:00", 0), bad_records)
    ).batch_id
    # a page of a dataset the warehouse does not read
    other = load_file(SOURCE, page(tmp_path, page_file_name("state_universities", "v1", None, 0), [base])).batch_id
    # and the second page of state schools fetched again, now with 50 of its 183 records
    second_page = page_file_name("state_schools", "v1", None, 500)
    short = load_file(SOURCE, page(tmp_path, second_page, fetched[second_page][:50])).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the blocking problems fail critical checks naming the page …
    assert_fails(report, "non-negative whole numbers", shows="student_co=-5", batch=incremental)
    assert_fails(report, "region (region_nam) is a known territory", shows="unknown territory Алматинская обл. (ru)")
    assert_fails(report, "says when the publisher last changed it", shows="modified вчера is not a timestamp")
    assert_fails(report, "from a register the warehouse reads", shows="state_universities", batch=other)
    assert_fails(report, "no delivery lost more than 50%", shows="only 50 records against 183", batch=short)
    # … and the doubtful ones are warnings
    assert_fails(report, "district (district_n) is a known territory", shows="Неизвестный район", severity="warning")
    assert_fails(report, "coordinates lie in Kazakhstan", shows="are outside Kazakhstan", severity="warning")
    assert_fails(report, "organisation sizes are plausible", shows="student_co=15000", severity="warning")
    assert_publication_blocked(report)


def test_rows_that_reached_raw_past_the_parser_are_caught(fetched):
    url = settings().url
    name = page_file_name("private_schools", "v1", None, 0)
    batch = batch_of(url, name)
    with psycopg.connect(url) as conn:
        first, second = (
            r[0]
            for r in conn.execute(
                "select record_id from raw.egov_records where _batch_id = %s order by record_id limit 2", (batch,)
            )
        )
    sql(url, "update raw.egov_records set modified = null where _batch_id = %s and record_id = %s", (batch, first))
    sql(
        url,
        "insert into raw.egov_records select * from raw.egov_records where _batch_id = %s and record_id = %s",
        (batch, second),
    )
    report = gate(SUITE)
    assert_fails(report, "every record has its", shows="empty: modified", batch=batch)
    assert_fails(report, "one row per dataset × record id", shows=f'"record_id": "{second}"')
