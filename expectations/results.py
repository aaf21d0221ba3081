"""What a gate run produces: the result of each check, each suite's run, and the report.

Plain data, shared by the gate (gate.py) and the report writer (report.py), so neither
imports the other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from edu_wh.errors import UserError


@dataclass
class BatchInfo:
    """A loaded batch a raw suite checks, with the batch its volume is compared to."""

    batch_id: int
    source_file: str
    stream: str
    rows_loaded: int
    period: str | None = None
    loaded_at: str | None = None
    is_synthetic: bool = False
    is_newest: bool = True  # the newest loaded batch of its stream (volume is checked on these)
    baseline_batch_id: int | None = None
    baseline_file: str | None = None
    baseline_rows: int | None = None
    volume_accepted: str | None = None  # why a volume change was accepted (edu-wh batches accept)

    def describe(self) -> str:
        text = f"batch {self.batch_id} ({self.source_file}): {self.rows_loaded:,} rows"
        if self.baseline_batch_id is None:
            return text + "; first delivery of its stream, no volume baseline"
        return text + f"; baseline batch {self.baseline_batch_id} ({self.baseline_file}): {self.baseline_rows:,} rows"


@dataclass
class CheckResult:
    suite: str
    dataset: str
    expectation: str
    kwargs: dict
    severity: str
    success: bool
    observed: dict
    protects: str
    resolve: str
    layer: str = "published"
    examples: list[dict] = field(default_factory=list)  # a few offending rows (raw: with batch, file, row)
    batch_ids: list[int] = field(default_factory=list)  # raw: the batches the offending rows belong to

    @property
    def unexpected_count(self) -> int | None:
        value = self.observed.get("unexpected_count", self.observed.get("observed_value"))
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class SuiteRun:
    """One suite in one gate run: what it looked at and how long it took."""

    suite: str
    layer: str
    dataset: str
    seconds: float = 0.0
    checks: int = 0
    batches: list[BatchInfo] = field(default_factory=list)
    skipped: str | None = None  # why nothing was checked (e.g. no loaded batch)


@dataclass
class GateReport:
    gate_run_id: int | None
    schema: str
    results: list[CheckResult]
    seconds: float
    markdown: str = ""
    path: Path | None = None
    suites: list[SuiteRun] = field(default_factory=list)
    layers: tuple[str, ...] = ("published",)
    setup_seconds: float = 0.0  # importing GX and creating its context
    candidate_hash: str | None = None  # the checked schema's content hash (None: it changed meanwhile)

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity != "critical"]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def summary(self) -> dict:
        return {
            "gate_run_id": self.gate_run_id,
            "expectations": len(self.results),
            "passed": sum(r.success for r in self.results),
            "critical_failed": len(self.critical_failures),
            "warnings_failed": len(self.warnings),
            "layers": list(self.layers),
            "seconds": round(self.seconds, 2),
            "report": str(self.path) if self.path else None,
        }


class GateFailed(UserError):
    def __init__(self, report: GateReport):
        failed = report.critical_failures
        first = "; ".join(f"{r.dataset}: {r.protects}" for r in failed[:3])
        super().__init__(
            f"publication gate failed: {len(failed)} critical check(s) failed ({first}); "
            "published tables were left unchanged",
            hint=f"read the report {report.path}",
        )
        self.report = report


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
