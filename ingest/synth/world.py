"""The synthetic world: the one set of facts every generated file is rendered from.

Invariants that ``build_world`` must hold exactly, at every scale (they are the official figures the
seed press articles report, so the marts must be able to reproduce them from the data):

Almaty oblast (region KATO 190000000, current borders), academic year 2023/24 / calendar 2023:

* sum of ``SchoolYear.pupils_free_meals`` = **113,240**; sum of ``meal_cost_kzt`` = **4,529,000,000**;
* sum of ``SchoolYear.buses_leased_in_year`` = **36**;
* open-budget execution, functional group 04, year 2023: sum of the annual ``plan_kzt_thousands`` over
  all programmes = **394,000,000.0** (394 bn tenge); year 2022 = **316,000,000.0** (so +78 bn);
  the pupil-transport programme's executed amount for 2023 (December cumulative) = **2,172,000.0**;
* Comfortable School register: **53** projects, **68,200** places, target year ≤ 2025; as of
  2023-08-25: **16** projects under construction with **15,750** places, of which **9** finished by
  2023-09-01 (districts Karasai, Enbekshikazakh, Ili, Zhambyl and Konaev city), **5** finished by
  2023-12-31 and **2** delayed to 2024; the other 37 planned.

Almaty city (750000000): Comfortable School **22** projects, **37,000** places, republican budget,
construction starting 2023; roughly 138k pupils with free meals, ~20.9 bn tenge in 2023/24.

Magnitudes at scale 1 (``DOMAIN.md``): Almaty city ~350 schools (≈215 state), ~320-360k pupils,
8 districts; Almaty oblast ~464 schools (51 urban, 413 rural), ~350-370k pupils, 9 districts +
Konaev; 28-50 three-shift schools in the oblast, none in the city from 2022/23. Scale N multiplies
the number of schools by N (keeping the invariant *totals* above by scaling per-school values) and
extends the history: academic years 2019/20-2024/25 at scale 1, ``max(6, 6 + 3 * log2(N))`` years
at scale N. Deterministic for a given (scale, seed).

Territory history: before 8 June 2022 Almaty oblast also had the districts that became Zhetysu
oblast. The world includes their schools for academic years before 2022/23 (pre-2022 district
codes, region 190000000) so that "as published" and "current borders" series differ as they do in
BNS (800 → 464 schools). Konaev city was Kapchagay (KATO 191600000) before 2022.

How it is built (``ingest/synth/``): ``geography.py`` holds each district's magnitudes at scale 1,
``schools.py`` allocates district totals over schools and years, ``budget_lines.py`` the budget,
``projects.py`` the construction register; every split uses exact integer largest-remainder
allocation (``alloc.py``). Decisions the contract leaves open:

* **every territorial total is scale-independent**, not only the invariants: pupils per district
  and year, free meals and their cost, transported pupils, buses, budgets and the 75 construction
  projects are the same at scale N; the N× schools share them (smaller per-school figures);
* ``SchoolYear.kato_code`` is the code valid on 1 September of that year, from
  :func:`ingest.territory_codes.code_valid_on` (``territory_changes.csv`` first, a built-in list for
  what it lacks): Zhetysu territories carry their pre-2022 codes, Nauryzbay schools Auezov's or
  Bostandyk's before 2014/15, Kegen schools Raiymbek's before 2018/19. Schools of the Zhetysu
  territories have ``School.district_kato`` = their current 33… code and school-years only up to
  2021/22. Alatau city (2024) is not modelled: Ili district keeps its schools;
* budget: month 12 carries the final refined plan and the annual execution (the plan changes in
  spring and autumn); amounts are ``Decimal`` with one decimal place;
* the free-meal programme executes exactly the NEDB meal cost of the oblast (4,529,000.0 thousand
  tenge in 2023) and the city's (20,900,000.0), so budget and school data agree.

:func:`invariant_figures` computes the seed figures from a world; ``GENERATOR_VERSION`` changes
whenever the same (scale, seed) would give different data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class District:
    kato_code: str  # code valid at the end of the period the world covers
    region_kato: str  # 750000000, 190000000 or 330000000
    name_ru: str
    name_kk: str
    is_urban: bool
    pre2022_kato_code: str | None = None  # code before 8 June 2022, when different
    pre2022_region_kato: str | None = None  # region before 8 June 2022, when different
    valid_from: date | None = None  # e.g. Nauryzbay district 2014-07-02
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class School:
    school_id: str  # stable synthetic identifier, e.g. "SYN000123"
    bin: str  # 12-digit business identification number, unique
    name_ru: str
    name_kk: str
    district_kato: str  # current district code
    ownership: str  # "state" | "private"
    language: str  # "kk" | "ru" | "kk_ru"
    is_urban: bool
    opened_year: int
    design_capacity: int
    lat: float
    lon: float
    closed_year: int | None = None


@dataclass(frozen=True, slots=True)
class SchoolYear:
    """One school in one academic year: one row of the NEDB-style registry extract."""

    school_id: str
    academic_year: str  # "2023/24"
    kato_code: str  # district code valid during that year (pre-2022 code where it changed)
    pupils_primary: int  # grades 1-4
    pupils_basic: int  # grades 5-9
    pupils_upper: int  # grades 10-11
    shifts: int  # 1, 2 or 3
    teachers: int
    pupils_free_meals: int  # primary pupils given free hot meals
    meal_cost_kzt: int  # cost of those meals over the year, tenge
    pupils_transported: int  # pupils brought to school from remote settlements
    buses_in_service: int
    buses_leased_in_year: int  # buses acquired through leasing in this year

    @property
    def pupils_total(self) -> int:
        return self.pupils_primary + self.pupils_basic + self.pupils_upper


@dataclass(frozen=True)
class Kindergarten:
    kindergarten_id: str
    name_ru: str
    name_kk: str
    district_kato: str
    places: int
    children: int
    opened_year: int
    lat: float
    lon: float


@dataclass(frozen=True)
class BudgetLine:
    """One row of a monthly budget execution report (open budgets), cumulative since 1 January."""

    region_kato: str  # 190000000 or 750000000
    year: int
    month: int  # 1..12; December carries the annual execution
    functional_group: str  # "04" education
    subgroup: str  # e.g. "02" primary, basic and general secondary education
    administrator: str  # budget administrator code, e.g. "261"
    program: str  # budget programme code, e.g. "003"
    program_name_ru: str
    program_name_kk: str
    plan_kzt_thousands: Decimal  # annual plan (refined) in thousand tenge
    executed_kzt_thousands: Decimal  # executed since 1 January, thousand tenge


@dataclass(frozen=True)
class StatusEvent:
    status: str  # "planned" | "under_construction" | "finished" | "delayed"
    on: date
    note: str = ""


@dataclass(frozen=True)
class ComfortableSchoolProject:
    project_id: str
    name_ru: str
    name_kk: str
    kato_code: str  # district (or city) where it is built
    region_kato: str
    places: int
    funding_source: str  # "republican" | "local"
    target_year: int
    events: tuple[StatusEvent, ...]  # in date order
    is_annex: bool = False


@dataclass
class World:
    scale: int
    seed: int
    academic_years: list[str]
    budget_years: list[int]
    districts: list[District]
    schools: list[School]
    school_years: list[SchoolYear]
    kindergartens: list[Kindergarten]
    budget_lines: list[BudgetLine]
    projects: list[ComfortableSchoolProject]
    notes: list[str] = field(default_factory=list)


GENERATOR_VERSION = "1.0"  # bump when the same (scale, seed) would give different data


def academic_year_label(start_year: int) -> str:
    """2023 → "2023/24"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def region_of(kato_code: str) -> str:
    """Region (oblast or city of republican significance) of a KATO code: its first two digits."""
    return kato_code[:2] + "0000000"


def build_world(scale: int = 1, seed: int = 2023) -> World:
    """Decide every fact of the synthetic world once; deterministic for (scale, seed).

    Territorial totals (pupils per district, free meals, buses, budgets, construction projects) do
    not depend on the scale; scale N makes N times as many schools and kindergartens share them
    and extends the history backwards (:func:`ingest.synth.schools.history_years`).
    """
    from ingest.synth import budget_lines, projects, schools
    from ingest.synth.geography import DISTRICTS, OBLAST, ZHETYSU, pre2022_code

    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number ≥ 1, not {scale!r}")
    years = schools.history_years(scale)
    districts = [
        District(
            kato_code=d.kato_code,
            region_kato=d.region_kato,
            name_ru=d.name_ru,
            name_kk=d.name_kk,
            is_urban=d.urban_schools == d.schools,
            pre2022_kato_code=pre2022_code(d.kato_code),
            pre2022_region_kato=OBLAST if d.region_kato == ZHETYSU else None,
            valid_from=d.valid_from,
        )
        for d in DISTRICTS
    ]
    plans = schools.plan_schools(scale, seed)
    rows = schools.allocate_pupils(plans, years, seed)
    schools.assign_shifts(rows, scale)
    schools.assign_meals(rows, years)
    schools.assign_transport(rows, seed)
    school_list = [
        School(
            school_id=p.school_id,
            bin=p.bin,
            name_ru=p.name_ru,
            name_kk=p.name_kk,
            district_kato=p.spec.kato_code,
            ownership="state" if p.is_state else "private",
            language=p.language,
            is_urban=p.is_urban,
            opened_year=p.opened_year,
            design_capacity=p.design_capacity,
            lat=p.lat,
            lon=p.lon,
            closed_year=p.closed_year,
        )
        for p in plans
    ]
    school_years = [
        SchoolYear(
            school_id=r.plan.school_id,
            academic_year=academic_year_label(r.year),
            kato_code=r.kato_code,
            pupils_primary=r.primary,
            pupils_basic=r.basic,
            pupils_upper=r.upper,
            shifts=r.shifts,
            teachers=r.teachers,
            pupils_free_meals=r.free_meals,
            meal_cost_kzt=r.meal_cost,
            pupils_transported=r.transported,
            buses_in_service=r.buses,
            buses_leased_in_year=r.leased,
        )
        for year in years
        for group in ("city", "oblast", "zhetysu")
        for r in rows.get((group, year), [])
    ]
    kindergartens = [
        Kindergarten(
            kindergarten_id=f"SYNK{k.index:06d}",
            name_ru=k.name_ru,
            name_kk=k.name_kk,
            district_kato=k.spec.kato_code,
            places=k.places,
            children=k.children,
            opened_year=k.opened_year,
            lat=k.lat,
            lon=k.lon,
        )
        for k in schools.plan_kindergartens(scale, seed)
    ]
    world = World(
        scale=scale,
        seed=seed,
        academic_years=[academic_year_label(y) for y in years],
        budget_years=list(years),
        districts=districts,
        schools=school_list,
        school_years=school_years,
        kindergartens=kindergartens,
        budget_lines=budget_lines.build_budget_lines(years, seed, BudgetLine),
        projects=projects.build_projects(seed, ComfortableSchoolProject, StatusEvent),
    )
    world.notes.append(
        f"scale {scale}, seed {seed}: {len(school_list):,} schools, {len(school_years):,} school-years "
        f"{world.academic_years[0]}–{world.academic_years[-1]}, {len(kindergartens):,} kindergartens, "
        f"{len(world.budget_lines):,} budget lines, {len(world.projects)} construction projects"
    )
    return world


def invariant_figures(world: World) -> dict[str, object]:
    """The seed figures as the world states them (tests and `edu-wh synth` print these)."""
    from ingest.synth.projects import AS_OF, status_on

    oblast_2023 = [
        sy for sy in world.school_years if sy.academic_year == "2023/24" and region_of(sy.kato_code) == "190000000"
    ]

    def plan_total(region: str, year: int) -> Decimal:
        return sum(
            (
                b.plan_kzt_thousands
                for b in world.budget_lines
                if b.region_kato == region and b.year == year and b.month == 12
            ),
            Decimal("0.0"),
        )

    transport_2023 = [
        b.executed_kzt_thousands
        for b in world.budget_lines
        if b.region_kato == "190000000" and b.year == 2023 and b.month == 12 and b.program == "022"
    ]
    oblast_projects = [p for p in world.projects if p.region_kato == "190000000"]
    city_projects = [p for p in world.projects if p.region_kato == "750000000"]
    under_construction = [p for p in oblast_projects if status_on(p, AS_OF) == "under_construction"]

    def finished_by(projects, on: date) -> list:
        return [p for p in projects if status_on(p, on) == "finished"]

    return {
        "oblast_2023_free_meal_pupils": sum(sy.pupils_free_meals for sy in oblast_2023),
        "oblast_2023_meal_cost_kzt": sum(sy.meal_cost_kzt for sy in oblast_2023),
        "oblast_2023_buses_leased": sum(sy.buses_leased_in_year for sy in oblast_2023),
        "oblast_budget_plan_2023_kzt_thousands": plan_total("190000000", 2023),
        "oblast_budget_plan_2022_kzt_thousands": plan_total("190000000", 2022),
        "oblast_transport_executed_2023_kzt_thousands": sum(transport_2023, Decimal("0.0")),
        "oblast_projects": len(oblast_projects),
        "oblast_project_places": sum(p.places for p in oblast_projects),
        "oblast_under_construction_2023_08_25": len(under_construction),
        "oblast_under_construction_places": sum(p.places for p in under_construction),
        "oblast_finished_by_2023_09_01": len(finished_by(under_construction, date(2023, 9, 1))),
        "oblast_finished_by_2023_12_31": len(finished_by(under_construction, date(2023, 12, 31))),
        "oblast_delayed_to_2024": sum(1 for p in under_construction if any(e.status == "delayed" for e in p.events)),
        "oblast_first_finished_districts": sorted(
            {p.kato_code for p in finished_by(under_construction, date(2023, 9, 1))}
        ),
        "city_projects": len(city_projects),
        "city_project_places": sum(p.places for p in city_projects),
        "city_funding": sorted({p.funding_source for p in city_projects}),
    }
