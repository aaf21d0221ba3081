"""Suites as code: what a suite, a check and the context of a gate run are, and which rows a suite sees.

A suite module (``expectations/suites/<layer>_<dataset>.py``) defines ``SUITE = Suite(...)`` whose
``build(ctx)`` returns :class:`Check` objects: one GX expectation each, with its severity, the
thing it protects and how to resolve a failure, written for a ministry analyst.

A raw suite names its ``source``; :func:`loaded_batches` finds the source's loaded batches
(``meta.load_batches``), and the suite's query asset holds exactly their rows. Every batch carries
its *volume baseline*: the batch delivered before it in the same stream (``stream_key``, else the
file name; or the suite's own ``baseline_stream``), so a sudden drop is caught against a stated
number. A published suite checks one table of the candidate schema (the next release).

The gate that runs the suites is :mod:`expectations.gate`; how one suite runs in GX is
:mod:`expectations.gx_validation`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edu_wh.errors import UserError
from expectations.results import BatchInfo, CheckResult, GateFailed, GateReport, SuiteRun, now_utc  # noqa: F401

LAYERS = ("raw", "published")  # the order a gate run checks them in
DEFAULT_STREAM = "coalesce(b.stream_key, b.source_file)"


@dataclass
class Check:
    expectation: Any  # a great_expectations.expectations.Expectation
    protects: str
    resolve: str
    severity: str = "critical"  # critical blocks publication; warning is reported only


@dataclass
class GateContext:
    """What suites may look at besides their rows: the schema under test, the previous release's
    row counts (published layer) and the batches under check (raw layer)."""

    schema: str
    conn: Any  # psycopg connection (read-only use)
    previous_row_counts: dict[str, int] = field(default_factory=dict)
    layer: str = "published"
    batches: list[BatchInfo] = field(default_factory=list)
    reference_schema: str = "reference"
    #: published table → grain, read from the manifest on first use; one run of the gate hands the
    #: same dict to every suite's context, so the manifest is read once per run
    grains: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def scalar(self, query: str, params: tuple = ()) -> Any:
        row = self.conn.execute(query, params).fetchone()
        return row[0] if row else None

    def has_relation(self, qualified: str) -> bool:
        """``schema.table`` exists (e.g. a dbt seed in ``reference``)."""
        schema, _, table = qualified.partition(".")
        return bool(
            self.scalar("select to_regclass(format('%%I.%%I', %s::text, %s::text)) is not null", (schema, table))
        )

    @property
    def batch_ids(self) -> list[int]:
        return [b.batch_id for b in self.batches]

    def grain(self, table: str) -> list[str]:
        """The published table's grain as the dbt model declares it (``meta.grain``), read from the
        manifest: the gate never keeps its own list of key columns."""
        from edu_wh.dbt_runner import published_grains

        if not self.grains:
            self.grains.update(published_grains())
        grain = self.grains.get(table)
        if not grain:
            raise UserError(
                f"the dbt model of published.{table} declares no grain (meta.grain)",
                hint="declare it in dbt_project/models/published/_published__models.yml and rebuild the manifest",
            )
        return list(grain)

    def batch_list_sql(self, *, newest_only: bool = False) -> str:
        """The batch ids as a SQL list, e.g. ``(12, 15)`` (ids are integers from meta); ``newest_only``:
        only the newest batch of each stream (what replaces earlier deliveries of the same file)."""
        ids = [b.batch_id for b in self.batches if b.is_newest or not newest_only]
        return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(null)"


@dataclass
class Suite:
    name: str  # e.g. "published.school_counts" or "raw.bns_dynamic"
    table: str  # table name inside the schema under test, or the raw table
    layer: str  # "published" (runs on the candidate schema) or "raw"
    build: Callable[[GateContext], list[Check]]
    description: str = ""
    query: Callable[[GateContext], str] | None = None  # defaults: the table, or (raw) the rows of the batches
    source: str | None = None  # raw layer: the source (ingest.registry) whose loaded batches are checked
    #: raw layer: SQL over ``meta.load_batches as b`` naming a batch's volume stream (default: its stream)
    baseline_stream: str | None = None
    #: published layer: other tables of the release its checks read (cross-table checks)
    reads: tuple[str, ...] = ()

    def concerns(self, tables: set[str], sources: set[str]) -> bool:
        """Whether an incremental build that rebuilt ``tables`` from the changed ``sources`` must run
        this suite: its raw source changed, or its table or a table it reads was rebuilt."""
        if self.layer == "raw":
            return self.source is None or self.source in sources
        return self.table in tables or bool(tables.intersection(self.reads))

    def sql(self, ctx: GateContext) -> str:
        if self.query:
            return self.query(ctx)
        if self.layer == "raw":
            return f'select * from raw."{self.table}" where _batch_id in {ctx.batch_list_sql()}'
        return f'select * from "{ctx.schema}"."{self.table}"'

    def dataset(self, schema: str) -> str:
        return f"{'raw' if self.layer == 'raw' else schema}.{self.table}"


def discover_suites(layer: str | None = None) -> list[Suite]:
    """Every ``SUITE`` in ``expectations/suites``, raw layer first; only ``layer``'s if given."""
    import expectations.suites as pkg

    suites = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite) and (layer is None or suite.layer == layer):
            suites.append(suite)
    return sorted(suites, key=lambda s: LAYERS.index(s.layer) if s.layer in LAYERS else len(LAYERS))


# --- the raw layer's batches ----------------------------------------------------------------------

BATCHES_SQL = """
with batches as (
    select b.batch_id, b.source_file, b.status, b.rows_loaded, b.period, b.finished_at, b.is_synthetic,
           {stream} as stream, {baseline} as baseline_stream
    from meta.load_batches as b
    where b.source = %(source)s
),

loaded as (
    select batches.*, row_number() over (partition by stream order by batch_id desc) = 1 as is_newest
    from batches
    where status = 'loaded'
)

select
    loaded.batch_id, loaded.source_file, loaded.stream, loaded.rows_loaded, loaded.period,
    to_char(loaded.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), loaded.is_synthetic, loaded.is_newest,
    baseline.batch_id, baseline.source_file, baseline.rows_loaded,
    (select e.details ->> 'reason' from meta.events as e
     where e.kind = 'batch_accepted' and e.details ->> 'batch_id' = loaded.batch_id::text
     order by e.event_id desc limit 1)
from loaded
left join lateral (
    select previous.batch_id, previous.source_file, previous.rows_loaded
    from batches as previous
    where previous.baseline_stream = loaded.baseline_stream
      and previous.status in ('loaded', 'superseded')
      and (coalesce(previous.period, ''), previous.batch_id) < (coalesce(loaded.period, ''), loaded.batch_id)
    order by coalesce(previous.period, '') desc, previous.batch_id desc
    limit 1
) as baseline on true
order by loaded.batch_id
"""


def loaded_batches(conn, source: str, *, baseline_stream: str | None = None) -> list[BatchInfo]:
    """The loaded batches of ``source`` (what the build reads), each with its volume baseline: the
    batch delivered before it (by period, then load order) in the same stream, loaded or superseded
    (never a withdrawn, rejected or failed one)."""
    query = BATCHES_SQL.format(stream=DEFAULT_STREAM, baseline=baseline_stream or DEFAULT_STREAM)
    return [BatchInfo(*row) for row in conn.execute(query, {"source": source}).fetchall()]
