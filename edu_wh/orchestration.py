"""Shared wiring for the DAGs: default arguments, assets, the failure callback.

Import cost matters here (DAG files import this at parse time): only the Task SDK and this
project's light modules; no database, no dbt, no GX, no pandas.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset

OWNER = "edu-wh-data-engineering"
START_DATE = datetime(2024, 1, 1, tzinfo=UTC)

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
}

#: source family → the sources its ingest DAG loads
FAMILIES: dict[str, list[str]] = {
    "bns": ["bns_dynamic"],
}


def raw_asset(source_name: str) -> Asset:
    """The asset a source's raw table represents; the transform DAG is scheduled on these."""
    from ingest.registry import SOURCE_MODULES

    if source_name not in SOURCE_MODULES:
        raise KeyError(source_name)
    return Asset(name=f"raw.{source_name}", uri=f"edu-wh://warehouse/raw/{source_name}", group="raw")


PUBLISHED_ASSET = Asset(name="published", uri="edu-wh://warehouse/published", group="published")


def all_raw_assets() -> list[Asset]:
    return [raw_asset(name) for names in FAMILIES.values() for name in names]


def notify_failure(context) -> None:
    """on_failure_callback: log always; webhook / e-mail when configured (edu_wh.notify)."""
    from edu_wh.notify import notify_task_failure

    notify_task_failure(context)
