"""Run the reliability suite and write its figures into docs/RELIABILITY.md.

    python -m tests.reliability.report           # the part in `make test`
    python -m tests.reliability.report --long    # and the `make reliability` part

The tests append one JSON line per fault scenario to the file named by EDU_WH_RELIABILITY_RESULTS
(``tests.reliability.helpers.record_figures``); pytest's JUnit XML gives the outcome of every test.
The table between the ``results`` markers of docs/RELIABILITY.md is replaced; nothing else is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "RELIABILITY.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
AREAS = {
    "crash": "Crash (SIGKILL of loader / publisher)",
    "restart": "Database restart mid-run",
    "api": "API faults (fake publishers)",
    "corpus": "Malformed inputs (corpus)",
    "idempotency": "Idempotency",
    "security": "Security",
}


def run(long: bool, extra: list[str]) -> tuple[list[dict], dict[str, str], float]:
    results = Path(tempfile.mkstemp(prefix="reliability-", suffix=".jsonl")[1])
    junit = Path(tempfile.mkstemp(prefix="reliability-", suffix=".xml")[1])
    env = {
        **os.environ,
        "EDU_WH_RELIABILITY_RESULTS": str(results),
        "EDU_WH_TEST_HOME": os.environ.get("EDU_WH_TEST_HOME", str(REPO / ".local" / "test-reliability")),
    }
    args = [sys.executable, "-m", "pytest", "tests/reliability", "-q", f"--junitxml={junit}", *extra]
    if long:
        args += ["-m", "reliability_long or not reliability_long"]
    started = time.monotonic()
    subprocess.run(args, cwd=REPO, env=env, check=False)
    seconds = time.monotonic() - started
    lines = [json.loads(x) for x in results.read_text(encoding="utf-8").splitlines() if x.strip()]
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        skipped = case.find("skipped")
        if "failure" in kinds or "error" in kinds:
            outcomes[name] = "failed"
        elif skipped is not None:
            outcomes[name] = "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
        else:
            outcomes[name] = "passed"
    results.unlink()
    junit.unlink()
    return lines, outcomes, seconds


def table(lines: list[dict], outcomes: dict[str, str], seconds: float, long: bool) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    counts = Counter(outcomes.values())
    out = [
        f"Filled by `python -m tests.reliability.report{' --long' if long else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit.stdout.strip() or '?'} (plus the working tree): "
        f"{counts['passed']} passed, {counts['xfailed']} expected failures (known defects), "
        f"{counts['failed']} failed, {counts['skipped']} skipped, {seconds / 60:.1f} min.",
        "",
        "| area | scenarios | faults injected | survived | data lost |",
        "|---|---:|---:|---:|---:|",
    ]
    by_area: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        by_area[line["area"]].append(line)
    for area, label in AREAS.items():
        rows = by_area.get(area, [])
        if not rows:
            out.append(f"| {label} | not run | | | |")
            continue
        out.append(
            f"| {label} | {len(rows)} | {sum(r['injected'] for r in rows):,} | "
            f"{sum(r['survived'] for r in rows):,} | {sum(r['lost'] for r in rows):,} |"
        )
    corpus = [r for r in by_area.get("corpus", []) if "source" in r]
    if corpus:
        out += ["", "Malformed inputs by source and outcome:", "", "| source | refused | quarantined | loaded |"]
        out.append("|---|---:|---:|---:|")
        per = defaultdict(Counter)
        for r in corpus:
            per[r["source"]][r["outcome"]] += 1
        for source in sorted(per):
            c = per[source]
            out.append(f"| {source} | {c['refused']} | {c['quarantined']} | {c['loaded']} |")
    out += ["", "Scenarios:", ""]
    for area, label in AREAS.items():
        for r in by_area.get(area, []):
            if area == "corpus" and "source" in r:
                continue
            extra = {k: v for k, v in r.items() if k not in {"area", "case", "injected", "survived", "lost"}}
            detail = "; ".join(f"{k}: {v}" for k, v in extra.items())
            out.append(
                f"- {label}: {r['case']}: {r['injected']:,} injected, {r['survived']:,} survived, {r['lost']:,} lost"
                + (f" ({detail})" if detail else "")
            )
    failed = sorted(n for n, o in outcomes.items() if o == "failed")
    if failed:
        out += ["", "Failed:", "", *[f"- `{n}`" for n in failed]]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", action="store_true", help="include the reliability_long tests")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments")
    args = parser.parse_args()
    lines, outcomes, seconds = run(args.long, args.pytest_args)
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{table(lines, outcomes, seconds, args.long)}\n{END}{tail}", encoding="utf-8")
    print(f"wrote the results table into {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
