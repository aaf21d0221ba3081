"""Pure reading of data.egov.kz responses: bytes in, records out. No network, no database.

A landed file is one API response exactly as delivered, named after what was asked::

    state_schools__v1__after-20240110T093000__from-000200.json
    <dataset>  __<version>__after-<cursor, or "start">__from-<offset>.json

Two response shapes are accepted: ``/api/detailed/…`` (``{"totalCount": n, "data": [...]}``, what
the fetch stores) and ``/api/v4/…`` (a bare JSON array of records).

Whole-response problems raise :class:`SourceFormatError` naming the file and the reason: empty,
truncated or invalid JSON, an object without ``data``, ``data`` not a list, a record id that
occurs twice (the page repeats records). Record problems are quarantined: a record that is not
an object, has no ``id`` or no ``modified``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ingest.base import ParseReport, Rejected, Row, SourceFormatError

FILE_NAME = re.compile(
    r"^(?P<dataset>[a-z0-9]+(?:_[a-z0-9]+)*)__(?P<version>v[0-9A-Za-z.]+)__after-(?P<cursor>[0-9A-Za-z]+)"
    r"__from-(?P<offset>\d+)\.json$"
)


@dataclass(frozen=True)
class FileName:
    dataset: str
    version: str
    cursor_token: str
    offset: int


@dataclass
class EgovPage:
    """One response, checked: records with an id and ``modified``, and the refused ones."""

    file: FileName
    total_count: int | None
    records: list[dict] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # 1-based place of each record in the response
    rejected: list[Rejected] = field(default_factory=list)
    #: the response says it is synthetic (the fake publisher marks what it serves)
    synthetic: bool = False

    @property
    def ids(self) -> list[str]:
        return [record_id(r) for r in self.records]

    def max_modified(self) -> str | None:
        return max((str(r["modified"]) for r in self.records), default=None)


def cursor_token(cursor: str | None) -> str:
    """The cursor as it appears in file names (letters and digits only)."""
    return "start" if cursor is None else re.sub(r"[^0-9A-Za-z]", "", cursor)


def page_file_name(dataset: str, version: str, cursor: str | None, offset: int) -> str:
    return f"{dataset}__{version}__after-{cursor_token(cursor)}__from-{offset:06d}.json"


def parse_file_name(filename: str) -> FileName:
    match = FILE_NAME.match(filename.rsplit("/", 1)[-1])
    if not match:
        raise SourceFormatError(
            filename,
            "the file name does not say which data.egov.kz dataset it holds",
            hint="expected <dataset>__<version>__after-<cursor>__from-<offset>.json, "
            "e.g. state_schools__v1__after-start__from-000000.json (as `edu-wh` fetch writes them)",
        )
    return FileName(match["dataset"], match["version"], match["cursor"], int(match["offset"]))


def record_id(record: dict) -> str:
    return str(record["id"])


def decode_json(data: bytes, filename: str):
    if not data.strip():
        raise SourceFormatError(filename, "the response is empty", hint="was the download cut off?")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceFormatError(filename, f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(data.decode("utf-8", errors="replace").rstrip()) - 1
        what = "truncated JSON (the response ends early)" if truncated else "invalid JSON"
        raise SourceFormatError(
            filename,
            f"{what}: {exc.msg} at line {exc.lineno} column {exc.colno}",
            hint="re-fetch the page; an HTML error page or a cut connection looks like this",
        ) from exc


def read_page(data: bytes, filename: str) -> EgovPage:
    """Check one response and split its records into good and refused ones."""
    name = parse_file_name(filename)
    payload = decode_json(data, filename)
    total_count = None
    if isinstance(payload, dict):
        if "data" not in payload:
            keys = ", ".join(sorted(map(str, payload))[:8]) or "none"
            raise SourceFormatError(
                filename,
                f"the response has no `data` key (keys: {keys})",
                hint='an /api/detailed/ response is {"totalCount": n, "data": [...]}; is this an error message?',
            )
        records = payload["data"]
        total_count = payload.get("totalCount")
        if total_count is not None and not isinstance(total_count, int):
            raise SourceFormatError(filename, f"`totalCount` is {total_count!r}, not a whole number")
    elif isinstance(payload, list):
        records = payload
    else:
        raise SourceFormatError(filename, f"expected a JSON object or array, got {type(payload).__name__}")
    if not isinstance(records, list):
        raise SourceFormatError(filename, f"`data` is a {type(records).__name__}, not a list of records")

    page = EgovPage(name, total_count, synthetic=isinstance(payload, dict) and payload.get("synthetic") is True)
    seen: dict[str, int] = {}
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            page.rejected.append(Rejected(f"record is not a JSON object: {record!r:.80}", {"record": record}, position))
            continue
        if record.get("id") in (None, ""):
            page.rejected.append(Rejected("record without id", record, position))
            continue
        if record.get("modified") in (None, ""):
            page.rejected.append(
                Rejected(
                    f"record {record_id(record)} without `modified` (cannot be loaded incrementally)", record, position
                )
            )
            continue
        rid = record_id(record)
        if rid in seen:
            raise SourceFormatError(
                filename,
                f"record id {rid} occurs twice (records {seen[rid]} and {position}): the page repeats records",
                row=position,
                hint="the publisher's paging was unstable; fetch the page again",
            )
        seen[rid] = position
        page.records.append(record)
        page.positions.append(position)
    return page


def parse_page(
    data: bytes, filename: str, notes: list[str] | None = None, report: ParseReport | None = None
) -> Iterator[Row | Rejected]:
    """Rows for ``raw.egov_records``: dataset, version, record id, modified, the record as JSON."""
    page = read_page(data, filename)
    if report is not None and page.synthetic:
        report.synthetic = True
    if notes is not None:
        notes.append(
            f"{page.file.dataset}/{page.file.version} from {page.file.offset}: {len(page.records)} records"
            + (f" of {page.total_count}" if page.total_count is not None else "")
            + (f", {len(page.rejected)} refused" if page.rejected else "")
        )
    yield from page.rejected
    for position, record in zip(page.positions, page.records):
        yield Row(
            (
                page.file.dataset,
                page.file.version,
                record_id(record),
                str(record["modified"]),
                json.dumps(record, ensure_ascii=False),
            ),
            row_number=position,
        )
