"""Render the synthetic world's budget lines as the open-budget portal would serve them.

``render(world, out_dir)`` writes one report per region and month,
``out_dir/_publisher_api/budget/<region KATO>/<YYYY-MM>.json``: the report's rows in jqGrid form
(``{"id", "cell": [region, functional group, subgroup, administrator, programme, programme name,
plan, executed]}``), amounts as text in thousand tenge, regions by Russian name. The fake portal
(``ingest.budget.fake``) pages and serves them. Deterministic: the same world gives byte-identical
files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ingest.budget.client import REGIONS, REPORT_TYPE
from ingest.synth.world import BudgetLine, World

UNIT = "тыс. тенге"


def amount_text(value: Decimal) -> str:
    """Thousand tenge with one decimal, as the portal shows them (never exponent notation)."""
    return format(Decimal(value).quantize(Decimal("0.1")), "f")


def report_rows(lines: list[BudgetLine]) -> list[dict]:
    ordered = sorted(lines, key=lambda b: (b.functional_group, b.subgroup, b.administrator, b.program))
    return [
        {
            "id": str(number),
            "cell": [
                REGIONS[line.region_kato],
                line.functional_group,
                line.subgroup,
                line.administrator,
                line.program,
                line.program_name_ru,
                amount_text(line.plan_kzt_thousands),
                amount_text(line.executed_kzt_thousands),
            ],
        }
        for number, line in enumerate(ordered, start=1)
    ]


def render(world: World, out_dir: Path) -> list[Path]:
    """Write the fake portal's fixtures for ``world``; returns the files written."""
    folder = Path(out_dir) / "_publisher_api" / "budget"
    grouped: dict[tuple[str, int, int], list[BudgetLine]] = defaultdict(list)
    for line in world.budget_lines:
        if line.region_kato in REGIONS:
            grouped[(line.region_kato, line.year, line.month)].append(line)
    written = []
    for (kato, year, month), lines in sorted(grouped.items()):
        report = {
            "region": REGIONS[kato],
            "date": f"{month:02d}.{year:04d}",
            "type": REPORT_TYPE,
            "unit": UNIT,
        }
        rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in report_rows(lines))
        path = folder / kato / f"{year:04d}-{month:02d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False)[:-1] + f', "rows": [\n{rows}\n]}}\n', encoding="utf-8")
        written.append(path)
    return written
