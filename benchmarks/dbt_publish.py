"""Sections 3 and 4 from the scale runs: dbt builds (full and incremental) and the swaps."""

from __future__ import annotations

from benchmarks.common import check, median, missed, rnd


def dbt_section(scales: dict[int, dict]) -> dict:
    rows = {}
    checks = []
    limits = []
    for scale, world in scales.items():
        runs = world["runs"]
        full = median([r["full"]["seconds"] for r in runs])
        incr = median([r["incremental"]["seconds"] for r in runs])
        ratio = median([r["incremental_vs_full"] for r in runs])
        inc_models_full = median([sum(r["full"]["incremental_models_seconds"].values()) for r in runs])
        inc_models_incr = median([sum(r["incremental"]["incremental_models_seconds"].values()) for r in runs])
        rows[str(scale)] = {
            "full_build_seconds": rnd(full, 2),
            "incremental_build_seconds": rnd(incr, 2),
            "incremental_vs_full": rnd(ratio, 3),
            "incremental_models_seconds_full": rnd(inc_models_full, 2),
            "incremental_models_seconds_incremental": rnd(inc_models_incr, 2),
            "nodes": runs[-1]["full"]["nodes"],
            "nodes_incremental": runs[-1]["incremental"]["nodes"],
            "node_seconds_full": runs[-1]["full"]["node_seconds"],
            "node_seconds_incremental": runs[-1]["incremental"]["node_seconds"],
            "slowest_full": runs[-1]["full"]["slowest"],
            "slowest_incremental": runs[-1]["incremental"]["slowest"],
            "initial_load_seconds": world.get("initial_load_seconds"),
            "raw_tables_without_statistics": sorted(
                {t for run in runs for b in ("full", "incremental") for t in run[b]["raw_tables_without_statistics"]}
            ),
            "world": world.get("world"),
            **incremental_figures(runs),
        }
    target_scale = 10 if 10 in scales else max(scales)
    r = rows[str(target_scale)]
    checks.append(check(f"incremental ÷ full build, scale {target_scale}", r["incremental_vs_full"], "<=", 0.15, "×"))
    checks.append(check(f"no-op run (dbt and gate), scale {target_scale}", r.get("noop_seconds"), "<=", 5.0, "s"))
    if missed(checks):
        limits.append(
            f"after one new month the build plan rebuilt {', '.join(r.get('rebuilt_tables') or []) or '?'} "
            f"({r.get('incremental_dbt_seconds')} s of dbt, {r.get('plan_and_carry_over_seconds')} s to plan and "
            "carry the other published tables over from the current release)."
        )
        slowest = r["slowest_full"][0] if r["slowest_full"] else None
        if slowest:
            limits.append(
                f"the slowest node of the full build at scale {target_scale} is `{slowest[0]}` ({slowest[1]} s); "
                f"raw tables without planner statistics when the builds started: "
                f"{', '.join(r['raw_tables_without_statistics']) or 'none'}. The loader does not ANALYZE what it "
                "loaded and autovacuum's analyze comes up to a minute later, so a build right after a load plans "
                "joins over staging views blind (measured by hand at scale 1: the relationships test on "
                "`stg_kato__classifier` becomes a nested-loop anti join, 3.9 s instead of 0.03 s after "
                "`ANALYZE raw.kato_rows`)."
            )
    return {"scales": rows, "checks": checks, "limits": limits}


def incremental_figures(runs: list[dict]) -> dict:
    """The parts of the incremental build (benchmarks/incremental.py) and the no-op run, medians."""
    noop = [r["noop"]["seconds"] for r in runs if r.get("noop")]
    return {
        "incremental_dbt_seconds": rnd(median([r["incremental"].get("dbt_seconds") or 0 for r in runs]), 2),
        "plan_and_carry_over_seconds": rnd(
            median([r["incremental"].get("plan_and_carry_over_seconds") or 0 for r in runs]), 2
        ),
        "rebuilt_tables": (runs[-1]["incremental"].get("plan") or {}).get("rebuild_tables"),
        "noop_seconds": rnd(median(noop), 3) if noop else None,
    }


def _raise_recorded(scales: dict[int, dict], part: str) -> None:
    failed = {s: w["errors"][part] for s, w in scales.items() if part in w.get("errors", {})}
    if failed:
        raise RuntimeError("\n".join(f"scale {s}:\n{e}" for s, e in failed.items()))


def publish_section(scales: dict[int, dict]) -> dict:
    _raise_recorded(scales, "publish")
    rows = {}
    for scale, world in scales.items():
        rows[str(scale)] = {
            "swap_median_seconds": world["swap_median_seconds"],
            "swap_samples": world["swap_samples"],
            "swap_detail": world["swap_seconds"],
            "publish_seconds_median": rnd(median([r.get("publish_seconds") for r in world["runs"]]), 3),
            "archive_seconds_median": rnd(median([r.get("archive_seconds") or 0 for r in world["runs"]]), 3),
            "gate_seconds_median": rnd(median([r.get("gate_seconds") for r in world["runs"]]), 2),
            "published_rows": sum(v for k, v in world["table_rows"].items() if k.startswith("published.")),
        }
    checks = [check(f"swap, scale {s}", rows[str(s)]["swap_median_seconds"], "<", 1.0, "s") for s in scales]
    ratio = None
    if 1 in scales and len(scales) > 1:
        top = max(scales)
        pairs = list(zip(rows["1"]["swap_samples"], rows[str(top)]["swap_samples"]))
        ratio = median([b / a for a, b in pairs if a])
        checks.append(check(f"swap scale {top} ÷ scale 1", rnd(ratio, 2), "<=", 1.5, "×"))
    limits = []
    if missed(checks):
        limits.append(
            "the swap is two catalogue renames, but inside its transaction it also takes ACCESS EXCLUSIVE "
            "locks on every published table (waiting for readers, lock_timeout 500 ms, retried), re-grants "
            "the reader roles on every table of the schema, and records the release, whose values are "
            "computed inside the transaction: `git_commit()` runs two `git` subprocesses (rev-parse, status) "
            "while the locks are held. Time that grows with the number of tables or with readers, not rows."
        )
    return {"scales": rows, "ratio_top_vs_1": rnd(ratio, 2), "checks": checks, "limits": limits}
