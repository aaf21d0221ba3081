"""The benchmarks behind ``make bench``: writes ``docs/BENCHMARKS.md`` and ``docs/benchmarks.json``.

    python -m benchmarks.run [--quick] [--scales 1 10] [--repeat 3] [--out docs/BENCHMARKS.md]

Seven sections, every figure the median of ``--repeat`` runs, every ratio computed pair by pair
within one run (then the median of the ratios), each with its target and PASS / MISS:

1. **ingest**: rows/s of ``ingest.loader.load_file`` (source ``nedb``) against ``COPY FROM STDIN``
   of the same file into a table of text columns (the physical limit), on a large NEDB extract;
   against ``pandas.DataFrame.to_sql`` and ``dlt`` on a smaller one, where the loader is timed
   again so each ratio compares runs of the same file (``benchmarks/nedb_loader.py``,
   ``benchmarks/baselines.py``; every run in a fresh process);
2. **memory**: the loader's peak RSS at two file sizes (100k and 5M rows; 5M only in full mode);
3. **dbt**: per scale of the generator, ``dbt build --full-refresh`` and the ``dbt build`` after
   one more monthly budget report lands (what ``transform_publish`` runs: the two incremental
   marts merge the new month, everything else is rebuilt and tested);
4. **publish**: the swap of ``publication.swap`` (candidate → published in one transaction) per
   scale, from ``publish()`` after each incremental build and from rollbacks between the releases;
5. **airflow**: the DagBag import of ``dags/`` in a fresh process, and ``edu-wh demo`` end to end
   at scale 1 (a subprocess with its own ``EDU_WH_HOME`` and port, a fresh home per run);
6. **queries**: analysts' queries on the published and marts tables of the largest scale;
7. **hostile**: hostile workbooks (huge ranges, zip bomb, thousands of sheets, huge shared strings) read by
   the generic BNS reader in a memory-limited process (``benchmarks/hostile_workbooks.py``).

The benchmark starts its own embedded PostgreSQL in a temporary ``EDU_WH_HOME`` on a free port (or,
with ``EDU_WH_DATABASE_URL`` set, creates databases ``edu_wh_bench_*`` on that server and drops
them at the end) and stops it at the end. No network is used: the API sources are served by the
fake publishers on 127.0.0.1. ``--quick`` uses tiny sizes, one run and scale 1 (the smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.airflow_demo import run_airflow
from benchmarks.common import REPO, SECTIONS, Plan, Server, log, machine
from benchmarks.dbt_publish import dbt_section, publish_section
from benchmarks.hostile_workbooks import run as run_hostile
from benchmarks.ingest_memory import IngestRuns, run_ingest, run_memory
from benchmarks.queries import queries_section
from benchmarks.report import render_markdown
from benchmarks.world import run_scale
from edu_wh.config import scoped_env

# --- main ---------------------------------------------------------------------------------------------


def guarded(report: dict, name: str, fn: Callable[[], dict]) -> None:
    started = time.perf_counter()
    try:
        report["sections"][name] = fn()
    except Exception as exc:  # noqa: BLE001 - a failed section is reported, the others still run
        log(f"{name}: FAILED {type(exc).__name__}: {exc}")
        report["sections"][name] = {"error": traceback.format_exc()[-4000:], "checks": []}
    report["sections"][name]["section_seconds"] = round(time.perf_counter() - started, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 run, scale 1 (smoke test)")
    parser.add_argument("--scales", type=int, nargs="+", help="generator scales for dbt/publish/queries (default 1 10)")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 3; 1 with --quick)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "BENCHMARKS.md", help="the markdown report")
    parser.add_argument("--json-out", type=Path, help="the JSON figures (default: benchmarks.json beside --out)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--keep-other-sections",
        action="store_true",
        help="with --only: keep the other sections of the existing JSON report, each marked with the run it is from",
    )
    parser.add_argument("--workdir", type=Path, help="work directory (default: a new temporary directory)")
    parser.add_argument("--keep-workdir", action="store_true", help="keep the work directory (files, logs, data)")
    args = parser.parse_args(argv)

    plan = Plan.make(args.quick, args.repeat, args.scales)
    only = set(args.only or SECTIONS)
    out_md = args.out.resolve()
    out_json = (args.json_out or out_md.parent / "benchmarks.json").resolve()
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="edu-wh-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    # everything this process does lives in the work directory, never in the user's .local
    for key in [k for k in os.environ if k.startswith("AIRFLOW__")] + [
        "AIRFLOW_HOME", "EDU_WH_DBT_TARGET_PATH", "EDU_WH_LANDING_DIR", "EDU_WH_RELEASES_DIR", "XDG_RUNTIME_DIR",
    ]:  # fmt: skip
        os.environ.pop(key, None)
    os.environ.update(
        {
            "EDU_WH_HOME": str(home),
            # the 5M-row extract (≈ 1.3 GB) is over the default 512 MB file-size guard
            "EDU_WH_MAX_FILE_MB": str(max(int(float(os.environ.get("EDU_WH_MAX_FILE_MB") or 0)), plan.max_file_mb)),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
    )
    sys.path.insert(0, str(REPO))
    log(f"work directory {workdir}; plan {plan}")
    started = time.perf_counter()
    server = Server(home)
    server.start()
    report: dict = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "quick": plan.quick,
        "repeat": plan.repeat,
        "scales": plan.scales,
        "plan": plan.__dict__,
        "sections": {},
    }
    try:
        report["machine"] = machine(server)
        if only & {"ingest", "memory"}:
            url = server.create_database("ingest")
            runs = IngestRuns(workdir / "nedb", workdir / "baselines")
            with scoped_env(EDU_WH_DATABASE_URL=url):
                if "ingest" in only:
                    guarded(report, "ingest", lambda: run_ingest(plan, runs))
                if "memory" in only:
                    guarded(report, "memory", lambda: run_memory(plan, runs))
            server.drop_database(server.prefix + "ingest")
            shutil.rmtree(workdir / "nedb", ignore_errors=True)
        if only & {"dbt", "publish", "queries"}:
            worlds: dict[int, dict] = {}
            errors = []
            worlds_started = time.perf_counter()
            for scale in plan.scales:
                try:
                    worlds[scale] = run_scale(plan, server, workdir, scale)
                except Exception:  # noqa: BLE001
                    log(f"scale {scale}: FAILED")
                    errors.append(f"scale {scale}:\n{traceback.format_exc()[-4000:]}")
            for name, build in (("dbt", dbt_section), ("publish", publish_section), ("queries", queries_section)):
                if name not in only:
                    continue
                if not worlds:
                    report["sections"][name] = {"error": "\n".join(errors), "checks": []}
                    continue
                guarded(report, name, lambda build=build: build(worlds))
                if errors:  # the scales that did run are reported; the failed ones say why
                    report["sections"][name]["scale_errors"] = errors
                # sections 3, 4 and 6 are measured together, per scale
                report["sections"][name]["section_seconds"] = round(time.perf_counter() - worlds_started, 1)
        if "airflow" in only:
            guarded(report, "airflow", lambda: run_airflow(plan, workdir, args.keep_workdir))
        if "hostile" in only:
            guarded(report, "hostile", lambda: run_hostile(workdir / "hostile"))
    finally:
        server.stop()
        report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        report["total_seconds"] = round(time.perf_counter() - started, 1)
        if args.keep_other_sections:
            keep_earlier_sections(report, out_json, only)
        if "machine" in report:
            out_md.parent.mkdir(parents=True, exist_ok=True)
            out_json.parent.mkdir(parents=True, exist_ok=True)
            out_json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
            out_md.write_text(render_markdown(report), encoding="utf-8")
            log(f"wrote {out_md} and {out_json} in {report['total_seconds']} s")
        if args.keep_workdir:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [n for n, s in report["sections"].items() if "error" in s]
    return 1 if failed else 0


def keep_earlier_sections(report: dict, earlier_json: Path, only: set[str]) -> None:
    """The sections this run did not measure, from the earlier report, each saying which run it is from."""
    if not earlier_json.exists():
        return
    earlier = json.loads(earlier_json.read_text(encoding="utf-8"))
    for name in SECTIONS:
        if name in only or name not in earlier.get("sections", {}):
            continue
        section = earlier["sections"][name]
        section.setdefault("measured_in", {"generated_at": earlier["generated_at"], "command": earlier["command"]})
        report["sections"][name] = section


if __name__ == "__main__":
    sys.exit(main())
