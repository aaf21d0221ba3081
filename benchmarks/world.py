"""Sections 3, 4, 6: one generated world per scale, built with dbt, published and queried."""

from __future__ import annotations

import re
import time
import traceback
from pathlib import Path

from benchmarks.common import Plan, Server, log, median, rnd
from benchmarks.queries import published_indexes, run_queries, table_sizes
from edu_wh.config import scoped_env

# --- 3, 4, 6: a world per scale: dbt builds, publishes and swaps, queries -------------------------


FILE_SOURCES = ("nedb", "comfortable_school")


def budget_months(drop: Path) -> list[tuple[int, int]]:
    months = {tuple(int(x) for x in p.stem.split("-")) for p in (drop / "_publisher_api" / "budget").glob("*/*.json")}
    return sorted(months)


def load_world(drop: Path, budget_until: tuple[int, int]) -> None:
    """Samples, the drop's file sources, egov and budget (up to ``budget_until``) from the fakes."""
    from cli.samples import SAMPLE_FILES, SAMPLES_DIR
    from ingest.loader import load_file
    from ingest.registry import get_source

    for source, relative in SAMPLE_FILES:
        load_file(get_source(source), SAMPLES_DIR / relative)
    for source in FILE_SOURCES:
        for path in sorted((drop / source).rglob("*")):
            if path.is_file():
                load_file(get_source(source), path, synthetic=True)
    fetch_and_load(drop, "egov")
    fetch_and_load(drop, "budget", until=budget_until)


def fetch_and_load(drop: Path, source: str, *, until: tuple[int, int] | None = None) -> list[dict]:
    from edu_wh.config import settings
    from ingest.budget.source import BudgetSource
    from ingest.fake_publishers import fake_publishers
    from ingest.loader import SYNTHETIC_MARKER
    from ingest.registry import get_source
    from orchestration.tasks import load_landing

    landing = settings().landing_dir
    landing.mkdir(parents=True, exist_ok=True)
    (landing / SYNTHETIC_MARKER).write_text('{"note": "fetched from a fake publisher (benchmark)"}\n', encoding="utf-8")
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    with fake_publishers(drop):
        if source == "budget":
            BudgetSource(until=until).fetch(folder)
        else:
            get_source(source).fetch(folder)
    summary = load_landing(source)
    if summary.rejected:
        raise RuntimeError(f"{source}: refused {summary.rejected}")
    return summary.loaded


def next_month(year: int, month: int, n: int = 1) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def timed_dbt(args: list[str], *, reset: bool = True) -> dict:
    """``edu-wh transform``: an empty candidate schema (``reset``), then dbt as a release build runs it (no unit
    tests, no JSON artifacts: ``RELEASE_BUILD_ENV``); returns seconds and each node's figures, read from the
    ``NodeFinished`` events dbt fires (a release build writes no run_results.json)."""
    from edu_wh.dbt_runner import RELEASE_BUILD_ENV, dbt_command
    from orchestration.tasks import drop_candidate

    if reset:
        drop_candidate()
    unanalyzed = raw_tables_without_statistics()
    finished: dict[str, float] = {}

    def node_finished(msg) -> None:
        if msg.info.name == "NodeFinished":
            finished[msg.data.node_info.unique_id] = msg.data.run_result.execution_time

    started = time.perf_counter()
    dbt_command(args, env=RELEASE_BUILD_ENV, callbacks=[node_finished])
    seconds = time.perf_counter() - started
    nodes: dict[str, int] = {}
    node_seconds: dict[str, float] = {}
    by_node = {}
    for unique_id, execution_time in finished.items():
        kind = unique_id.split(".")[0]
        nodes[kind] = nodes.get(kind, 0) + 1
        node_seconds[kind] = node_seconds.get(kind, 0.0) + (execution_time or 0.0)
        by_node[unique_id] = execution_time or 0.0
    incremental = {
        name: round(by_node.get(f"model.edu_wh.{name}", 0.0), 3)
        for name in ("fct_school_years", "fct_education_budget_monthly")
    }
    slowest = sorted(by_node.items(), key=lambda kv: -kv[1])[:5]
    return {
        "seconds": seconds,
        "nodes": nodes,
        "node_seconds": {k: round(v, 2) for k, v in node_seconds.items()},
        "incremental_models_seconds": incremental,
        "slowest": [[uid.split(".", 2)[-1], round(s, 2)] for uid, s in slowest],
        "raw_tables_without_statistics": unanalyzed,
    }


def raw_tables_without_statistics() -> list[str]:
    """Raw tables holding rows that were never analysed (the planner guesses their sizes)."""
    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        return [
            r[0]
            for r in conn.execute(
                "select relname from pg_stat_user_tables where schemaname = 'raw' and n_live_tup > 0 "
                "and last_analyze is null and last_autoanalyze is null order by 1"
            ).fetchall()
        ]


def run_scale(plan: Plan, server: Server, workdir: Path, scale: int) -> dict:
    """Load a world at ``scale`` (holding back the last ``repeat`` budget months), then per run:
    full build, one more month, incremental build, gate, publish; then rollbacks; then queries."""
    from benchmarks.incremental import timed_incremental, timed_noop
    from edu_wh.dbt_runner import build_manifest
    from ingest.synth.drop import write_drop
    from orchestration.tasks import run_gate
    from publication.swap import publish, rollback

    base = workdir / f"scale-{scale}"
    drop = base / "drop"
    log(f"scale {scale}: writing the synthetic drop")
    drop_result = write_drop(drop, scale, 2023)
    months = budget_months(drop)
    if len(months) <= plan.repeat:
        raise RuntimeError(f"the drop has only {len(months)} budget months")
    url = server.create_database(f"scale{scale}")
    world = drop_result.notes[0] if drop_result.notes else ""
    errors: dict[str, str] = {}
    out: dict = {"scale": scale, "world": re.sub(r"^scale \d+, seed \d+: ", "", world), "runs": [], "errors": errors}
    with scoped_env(
        EDU_WH_DATABASE_URL=url,
        EDU_WH_LANDING_DIR=str(base / "landing"),
        EDU_WH_RELEASES_DIR=str(base / "releases"),
    ):
        first_until = months[-1 - plan.repeat]
        log(f"scale {scale}: loading the world (budget up to {first_until[0]}-{first_until[1]:02d})")
        started = time.perf_counter()
        load_world(drop, first_until)
        out["initial_load_seconds"] = rnd(time.perf_counter() - started, 2)
        build_manifest()  # the timed builds parse partially, as in the pipeline
        swaps: list[float] = []
        publish_swaps: list[float] = []
        for r in range(plan.repeat):
            log(f"scale {scale}: dbt build --full-refresh (run {r + 1})")
            full = timed_dbt(["build", "--full-refresh"])
            if r == 0:  # the release the incremental builds start from (benchmarks/incremental.py)
                run_gate(f"bench-{scale}-base")
                publish(run_id=f"bench-{scale}-base")
            month = months[-plan.repeat + r]
            started = time.perf_counter()
            loaded = fetch_and_load(drop, "budget", until=month)
            load_seconds = time.perf_counter() - started
            log(f"scale {scale}: one more month ({month[0]}-{month[1]:02d}), dbt build (run {r + 1})")
            incr = timed_incremental(timed_dbt)
            run = {
                "month": f"{month[0]}-{month[1]:02d}",
                "month_batches": len(loaded),
                "month_load_seconds": rnd(load_seconds, 2),
                "full": {**full, "seconds": rnd(full["seconds"], 2)},
                "incremental": {**incr, "seconds": rnd(incr["seconds"], 2)},
                "incremental_vs_full": rnd(incr["seconds"] / full["seconds"], 3),
            }
            out["runs"].append(run)
            if "publish" in errors:
                continue
            try:  # a failed gate or publish is reported in section 4; the dbt figures stand
                started = time.perf_counter()
                gate = run_gate(f"bench-{scale}-{r}", incr["plan"])  # raises if a critical check fails
                run["gate_seconds"] = rnd(time.perf_counter() - started, 2)
                run["gate_expectations"] = gate.get("expectations")
                run["gate_warnings_failed"] = gate.get("warnings_failed")
                started = time.perf_counter()
                result = publish(run_id=f"bench-{scale}-{r}", input_batch_ids=incr["plan"]["input_batch_ids"])
                run["publish_seconds"] = rnd(time.perf_counter() - started, 3)
                if result.status != "published":
                    raise RuntimeError(f"publish did not publish: {result.summary()}")
                (swaps if result.previous_release_id else publish_swaps).append(result.swap_seconds)
                run["swap_seconds"] = rnd(result.swap_seconds, 4)
                run["archive_seconds"] = rnd(result.archive_seconds, 3)
                run["release_id"] = result.release_id
                run["noop"] = {k: rnd(v, 3) if isinstance(v, float) else v for k, v in timed_noop().items()}
            except Exception:  # noqa: BLE001
                log(f"scale {scale}: gate/publish FAILED")
                errors["publish"] = traceback.format_exc()[-4000:]
        rollbacks = []
        if plan.repeat >= 2 and "publish" not in errors:
            try:
                # back through every archived release, then forward to the newest again
                newest = out["runs"][-1]["release_id"]
                for _ in range(plan.repeat - 1):
                    rollbacks.append(rollback(run_id=f"bench-{scale}-rollback").swap_seconds)
                rollbacks.append(rollback(newest, run_id=f"bench-{scale}-rollforward").swap_seconds)
            except Exception:  # noqa: BLE001
                errors["publish"] = traceback.format_exc()[-4000:]
        out["swap_seconds"] = {
            "publish_over_previous": [rnd(s, 4) for s in swaps],
            "publish_first": [rnd(s, 4) for s in publish_swaps],
            "rollback": [rnd(s, 4) for s in rollbacks],
        }
        samples = swaps + rollbacks or publish_swaps
        out["swap_samples"] = [rnd(s, 4) for s in samples]
        out["swap_median_seconds"] = rnd(median(samples), 4)
        out["table_rows"] = table_sizes()
        out["indexes"] = published_indexes()
        log(f"scale {scale}: analyst queries")
        try:
            out["queries"] = run_queries(plan.query_runs)
        except Exception:  # noqa: BLE001
            errors["queries"] = traceback.format_exc()[-4000:]
    return out
