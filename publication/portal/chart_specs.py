"""What the portal draws: the default chart specs and the ones a model declares in its meta.

A spec names its table and the columns to use among the usual candidates, so a table built by another
engineer works without a change here as long as it uses the project's naming. A model can also say
exactly what to draw in ``meta.portal.charts``, which then wins (see :mod:`publication.portal.charts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from publication.contract import MONEY_UNITS, PERCENT_UNITS, RATIO_UNITS
from publication.snapshot import ReleaseSnapshot

TERRITORY = "@territory"
YEAR_COLUMNS = (
    "year",
    "academic_year",
    "budget_year",
    "fiscal_year",
    "financial_year",
    "calendar_year",
    "report_year",
    "period_year",
    "school_year",
)
WITHIN_YEAR_COLUMNS = ("month", "report_month", "period_month", "quarter", "report_date", "as_of_date", "period_end")
TOTAL_VALUES = ("total", "all", "as_published", "Всего", "барлығы")
ALMATY = ("750000000", "190000000")  # Almaty city, Almaty oblast: shown first, others one click away


@dataclass(frozen=True)
class ChartSpec:
    key: str
    table: str
    kind: str
    title_key: str
    x: tuple[str, ...]
    y: tuple[str, ...]
    series: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict, hash=False)
    focus: tuple[str, ...] = ALMATY
    y_units: tuple[str, ...] = ()  # fallback: the first measure with one of these units
    derive_deficit: bool = False  # place deficit = pupils − capacity when no deficit column exists
    stack_by_status: bool = False  # no "done" column: places stacked by project status
    titles: dict = field(default_factory=dict, hash=False)


CHARTS: list[ChartSpec] = [
    ChartSpec(
        "budget",
        "education_budget",
        "line",
        "chart_budget",
        x=YEAR_COLUMNS,
        y=(
            "executed_kzt",
            "spent_kzt",
            "actual_kzt",
            "execution_kzt",
            "expenditure_kzt",
            "amount_kzt",
            "approved_kzt",
            "planned_kzt",
            "plan_kzt",
            "budget_kzt",
        ),
        series=("kato_code",),
        y_units=tuple(MONEY_UNITS),
    ),
    ChartSpec(
        "free_meals",
        "free_meals",
        "line",
        "chart_free_meals",
        x=YEAR_COLUMNS,
        y=(
            "coverage_ratio",
            "coverage_share",
            "coverage_rate",
            "share_covered",
            "covered_share",
            "coverage_percent",
            "coverage_pct",
            "pupils_covered",
            "covered_pupils",
            "pupils_fed",
            "recipients_count",
            "pupils_count",
        ),
        series=("kato_code",),
        y_units=tuple(RATIO_UNITS | PERCENT_UNITS),
    ),
    ChartSpec(
        "comfortable_school",
        "comfortable_school",
        "bar",
        "chart_comfortable_school",
        x=(TERRITORY,),
        y=(
            "places_delivered",
            "places_completed",
            "completed_places",
            "places_commissioned",
            "commissioned_places",
            "places_built",
            "finished_places",
            "places_opened",
            "places_finished",
        ),
        target=("target_places", "places_target", "planned_places", "places_planned", "target_places_2025"),
        stack_by_status=True,
    ),
    ChartSpec(
        "place_deficit",
        "school_capacity",
        "bar",
        "chart_place_deficit",
        x=(TERRITORY,),
        y=("place_deficit", "deficit_places", "places_deficit", "place_shortage", "shortage_places", "deficit"),
        derive_deficit=True,
    ),
    ChartSpec(
        "schools",
        "school_counts",
        "line",
        "chart_schools",
        x=("academic_year", "year"),
        y=("schools_count",),
        series=("kato_code",),
        filters={"population_type": ["total"], "territory_basis": ["as_published"]},
        focus=(*ALMATY, "330000000"),
    ),
]

STATUS_COLUMNS = ("current_status", "status", "project_status", "stage", "construction_status")
PLACES_COLUMNS = ("places", "design_places", "places_count", "capacity_places", "planned_places")
PUPIL_COLUMNS = ("pupils", "pupils_count", "enrolled_pupils", "students_count", "contingent")
CAPACITY_COLUMNS = ("design_capacity", "capacity", "capacity_places", "design_places", "places")


def _first(candidates, columns) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _meta_specs(snapshot: ReleaseSnapshot) -> list[ChartSpec]:
    """Chart specs models declare in ``meta.portal.charts`` (they replace defaults with the same key)."""
    found = []
    for name, table in sorted(snapshot.tables.items()):
        for i, hint in enumerate(((table.spec.meta.get("portal") or {}).get("charts")) or []):
            as_tuple = lambda v: tuple(v) if isinstance(v, list | tuple) else ((v,) if v else ())  # noqa: E731
            found.append(
                ChartSpec(
                    key=str(hint.get("key") or f"{name}_{i}"),
                    table=name,
                    kind=str(hint.get("kind") or "line"),
                    title_key=str(hint.get("title_key") or f"chart_{hint.get('key')}"),
                    x=as_tuple(hint.get("x")),
                    y=as_tuple(hint.get("y")),
                    series=as_tuple(hint.get("series")),
                    target=as_tuple(hint.get("target")),
                    filters=dict(hint.get("filters") or {}),
                    titles={lang: hint[f"title_{lang}"] for lang in ("kk", "ru", "en") if hint.get(f"title_{lang}")},
                )
            )
    return found


def chart_specs(snapshot: ReleaseSnapshot) -> list[ChartSpec]:
    declared = _meta_specs(snapshot)
    merged = []
    for spec in CHARTS:
        own = next((d for d in declared if d.key == spec.key), None)
        merged.append(replace(own, title_key=spec.title_key) if own and not own.titles else own or spec)
    return merged + [d for d in declared if d.key not in {s.key for s in CHARTS}]
