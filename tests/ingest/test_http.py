"""The shared HTTP client of the networked sources: backoff, Retry-After, secrets kept out of messages."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ingest.egov.fake import FakeEgov
from ingest.http import HttpClient, PublisherError, RetryPolicy, parse_retry_after, redact


def test_backoff_grows_exponentially_with_jitter_and_is_bounded():
    policy = RetryPolicy(backoff_base=1.0, backoff_factor=2.0, backoff_max=5.0, jitter=0.5)
    rng = random.Random(1)
    waits = [policy.backoff(attempt, rng) for attempt in range(1, 6)]
    for attempt, wait in enumerate(waits, start=1):
        base = min(5.0, 2.0 ** (attempt - 1))
        assert base <= wait <= base * 1.5
    assert len({round(w, 6) for w in waits}) == len(waits)  # jitter: no two waits alike


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 30


def test_secrets_never_appear_in_shown_urls():
    shown = redact("https://data.egov.kz/api/v4/state_schools/v1", {"apiKey": "s3cret", "source": "{}"})
    assert "s3cret" not in shown and "apiKey=%2A%2A%2A" in shown


def test_a_retry_after_longer_than_the_policy_allows_fails_at_once_with_a_clear_message():
    # Given a portal asking to come back in ten minutes
    with FakeEgov(None, api_key=None) as fake:
        fake.add_records("d", "v1", [{"id": 1, "modified": "2024-01-01T00:00:00"}])
        fake.faults.rate_limit(None, retry_after="600")
        client = HttpClient(fake.url, "data.egov.kz", 2.0, RetryPolicy(max_retry_after=60, backoff_base=0.01))
        # When the client asks, Then it does not wait ten minutes but says so
        with pytest.raises(PublisherError, match="asks to wait 600 s before the next request"):
            client.get("/api/v4/d/v1", {"source": "{}", "apiKey": "s3cret"}, what="d/v1")
        assert len(fake.requests) == 1
