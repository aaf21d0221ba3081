"""The ``egov`` source: data.egov.kz registers of schools and kindergartens, fetched incrementally."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edu_wh.errors import UserError
from ingest.base import ParsedItem, ParseReport, RawTable, Source
from ingest.egov.datasets import DATASETS, Dataset
from ingest.egov.parser import parse_page
from ingest.http import PublisherError, RetryPolicy

log = logging.getLogger("edu_wh.ingest.egov")


class EgovSource(Source):
    name = "egov"
    family = "egov"
    publisher = "data.egov.kz open data (API v4)"
    file_patterns = ("*.json",)
    raw_table = RawTable(
        name="egov_records",
        columns=("dataset", "dataset_version", "record_id", "modified", "record"),
        json_columns=frozenset({"record"}),
        description="data.egov.kz records as delivered by the API: one row per record of one response "
        "(a page of an incremental extraction), the record itself as jsonb with the publisher's "
        "truncated field names. A record appears again in a later batch when it was modified. "
        "Grain: _batch_id, record_id.",
    )

    def __init__(
        self,
        datasets: tuple[Dataset, ...] = DATASETS,
        *,
        page_size: int = 100,
        retry: RetryPolicy | None = None,
    ):
        self.datasets = datasets
        self.page_size = page_size
        self.retry = retry or RetryPolicy()

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        yield from parse_page(stream.read(), filename, report.notes, report)

    def fetch(
        self,
        landing_dir,
        *,
        run_id: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        cursors=None,
    ) -> list[Path]:
        """Land every record modified since the last fetch, dataset by dataset.

        The key comes from ``api_key``, else ``EDU_WH_EGOV_API_KEY``, else the Airflow connection
        ``egov_open_data``; the cursors from ``cursors`` (default: ``meta.api_cursors``). A dataset
        that fails does not stop the others (unless the portal is unreachable altogether); the call
        then raises, naming every failure, after the good datasets have landed and their cursors moved.
        """
        from edu_wh.config import settings
        from ingest.cursors import ApiCursors
        from ingest.egov.client import EgovClient, extract, resolve_api_key

        cfg = settings()
        landing_dir = Path(landing_dir)
        files: list[Path] = []
        failures: list[str] = []
        with (
            cursors if cursors is not None else ApiCursors(self.name) as store,
            EgovClient(
                base_url or cfg.egov_base_url, resolve_api_key(api_key), timeout=cfg.http_timeout, retry=self.retry
            ) as client,
        ):
            for ds in self.datasets:
                state = store.get(ds.key)
                try:
                    result = extract(
                        client,
                        ds.dataset,
                        ds.version,
                        cursor=state.cursor,
                        landing_dir=landing_dir,
                        page_size=self.page_size,
                        on_page=lambda offset, ds=ds, cursor=state.cursor: store.save(ds.key, cursor, offset),
                    )
                except PublisherError as exc:
                    if exc.status in (401, 403):
                        raise  # the key is wrong for every dataset
                    log.error("%s: %s", ds.key, exc)
                    failures.append(f"{ds.key}: {exc.message}")
                    if exc.status is None:  # timeouts, connection errors: the other datasets would wait as long
                        raise UserError(
                            "data.egov.kz is unreachable, the remaining datasets were not tried: "
                            + "; ".join(failures),
                            hint=f"check EDU_WH_EGOV_BASE_URL ({cfg.egov_base_url}) and the network; "
                            "rerun later (pages already received are kept)",
                        ) from exc
                    continue
                store.save(ds.key, result.new_cursor, 0)
                result.finish()
                files.extend(result.files)
                log.info(
                    "%s: %d records landed in %d files; cursor %s → %s",
                    ds.key,
                    result.records,
                    len(result.files),
                    state.cursor or "start",
                    result.new_cursor or "start",
                )
        if failures:
            raise UserError(
                f"data.egov.kz: {len(failures)} of {len(self.datasets)} datasets could not be fetched: "
                + "; ".join(failures),
                hint="rerun the fetch: pages already received are kept and only the missing ones are asked for",
            )
        return files


SOURCE = EgovSource()
