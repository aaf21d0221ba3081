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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


def build_world(scale: int = 1, seed: int = 2023) -> World:  # pragma: no cover - implemented in ingest/synth
    raise NotImplementedError
