"""A small HTTP client for publishers' APIs: a timeout on every request, bounded retries with
exponential backoff and jitter (tenacity), ``Retry-After`` honoured, and errors a user can act on.

Retried: 429 (waiting ``Retry-After`` when given), 5xx, timeouts, connection errors, and a
response the caller's ``validate`` function refuses with :class:`RetryableResponse` (truncated or
invalid JSON, a page that repeats records already received). Not retried: other 4xx, which end
at once with the message the caller gives for that status (e.g. a refused API key).

Nothing here reads the environment: base URL, timeout, retry policy and secrets are parameters,
so a test can shorten the waits and point the client at a fake server on 127.0.0.1.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

import httpx
import tenacity

from edu_wh.errors import UserError

log = logging.getLogger("edu_wh.ingest.http")
# httpx logs every request's full URL at INFO, API key included; this module logs redacted ones.
logging.getLogger("httpx").setLevel(logging.WARNING)

T = TypeVar("T")

#: query parameters whose values never appear in messages or logs
SECRET_PARAMS = frozenset({"apiKey", "apikey", "api_key", "token"})


class PublisherError(UserError):
    """The publisher could not be read (after retries, or at once for a refusal like 403)."""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None, attempts: int = 0):
        super().__init__(message, hint=hint)
        self.status = status
        self.attempts = attempts


class RetryableResponse(Exception):
    """Raised by a ``validate`` callback: the response arrived but is unusable; ask again."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``backoff_base`` is the first wait in seconds."""

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_factor: float = 2.0
    backoff_max: float = 60.0
    jitter: float = 0.5  # each wait is stretched by a random 0..jitter share of itself
    max_retry_after: float = 300.0  # a longer Retry-After is not waited for: the run fails instead

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        base = min(self.backoff_max, self.backoff_base * self.backoff_factor ** (attempt - 1))
        return base * (1 + rng.uniform(0, self.jitter))


@dataclass
class Fetched(Generic[T]):
    """A response that passed validation."""

    url: str
    status: int
    content: bytes
    value: T
    attempts: int


@dataclass
class HttpClient:
    """GET requests against one publisher; one ``httpx.Client`` (connection pool) per instance."""

    base_url: str
    publisher: str
    timeout: float
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: status code → (message, hint) for refusals that retrying cannot fix
    refusals: Mapping[int, tuple[str, str | None]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._client = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": "edu-wh (education statistics warehouse)", **self.headers},
            follow_redirects=True,
        )
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        validate: Callable[[bytes], T] = lambda content: content,  # type: ignore[assignment,return-value]
        what: str | None = None,
    ) -> Fetched[T]:
        """GET ``path`` until a response passes ``validate`` or the attempts run out.

        The retry loop is tenacity's (stop after ``max_attempts``, wait ``Retry-After`` when the
        publisher gives one, else exponential backoff with jitter); one attempt is :meth:`_attempt`."""
        params = dict(params or {})
        shown = redact(self._client.base_url.join(path), params)
        what = what or shown

        def log_retry(state: tenacity.RetryCallState) -> None:
            failed = state.outcome.exception()
            log.warning(
                "%s: %s on attempt %d/%d for %s; retrying in %.2f s",
                self.publisher,
                failed,
                state.attempt_number,
                self.retry.max_attempts,
                what,
                state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_FailedAttempt),
            before_sleep=log_retry,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(path, params, validate, what, shown, attempt.retry_state.attempt_number)
        except _FailedAttempt as failed:
            raise PublisherError(
                f"{self.publisher} failed {self.retry.max_attempts} times for {what}: {failed}",
                hint="the publisher may be down; rerun later (pages already received are kept and not fetched again)",
                status=failed.status,
                attempts=self.retry.max_attempts,
            ) from None
        raise AssertionError("unreachable: tenacity either returned or raised")  # pragma: no cover

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Seconds before the next attempt: the publisher's ``Retry-After`` if it gave one, else backoff."""
        failed = state.outcome.exception()
        if isinstance(failed, _FailedAttempt) and failed.retry_after is not None:
            return failed.retry_after + self._rng.uniform(0, 0.1)
        return self.retry.backoff(state.attempt_number, self._rng)

    def _attempt(self, path, params, validate, what: str, shown: str, attempt: int) -> Fetched[T]:
        """One request: the validated response, :class:`_FailedAttempt` (retry may help) or
        :class:`PublisherError` (it cannot: a refusal, or a Retry-After longer than we wait)."""
        self.requests_made += 1
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException:
            raise _FailedAttempt(f"no answer within {self.timeout:g} s (timeout)") from None
        except httpx.TransportError as exc:
            raise _FailedAttempt(f"connection failed ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        if status in self.refusals:
            message, hint = self.refusals[status]
            raise PublisherError(f"{message} (HTTP {status} for {what})", hint=hint, status=status, attempts=attempt)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                raise PublisherError(
                    f"{self.publisher} asks to wait {retry_after:.0f} s before the next request (HTTP 429 for {what})",
                    hint="run the fetch again later",
                    status=429,
                    attempts=attempt,
                )
            raise _FailedAttempt("rate limited (HTTP 429)", status=429, retry_after=retry_after)
        if status >= 500:
            raise _FailedAttempt(f"server error (HTTP {status})", status=status)
        if status >= 400:
            raise PublisherError(
                f"{self.publisher} refused the request for {what}: HTTP {status} {_snippet(response.content)}",
                status=status,
                attempts=attempt,
            )
        try:
            value = validate(response.content)
        except RetryableResponse as exc:
            raise _FailedAttempt(str(exc), status=status) from None
        return Fetched(shown, status, response.content, value, attempt)


class _FailedAttempt(Exception):
    """An attempt that another attempt may fix; its text says what went wrong."""

    def __init__(self, problem: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(problem)
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def redact(url: httpx.URL | str, params: Mapping[str, str] | None = None) -> str:
    """The URL as it may be shown: secrets replaced by ``***``, long JSON bodies shortened."""
    url = httpx.URL(str(url))
    shown = {}
    for key, value in (params or {}).items():
        text = "***" if key in SECRET_PARAMS else str(value)
        shown[key] = text if len(text) <= 160 else text[:157] + "..."
    return str(url.copy_with(params=shown)) if shown else str(url)


def _snippet(content: bytes, limit: int = 200) -> str:
    text = content.decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
