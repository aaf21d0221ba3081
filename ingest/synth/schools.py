"""Schools, school years and kindergartens of the synthetic world.

Top-down and exact: every district gets its pupil total per academic year (scale-independent),
split over its open schools by weight with largest-remainder allocation; regional totals of free
meals, meal cost, transported pupils, buses and leased buses are likewise fixed per year and split
over schools, with caps (free-meal pupils ≤ primary pupils, leased buses ≤ buses in service).
Scale N makes N times as many schools sharing the same totals.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from ingest.synth.alloc import allocate, allocate_capped
from ingest.synth.geography import CITY, DISTRICTS, OBLAST, ZHETYSU, DistrictSpec, settlements
from ingest.synth.names import CITY_MICRODISTRICTS, PRIVATE_BRANDS, kindergarten_names, make_bin, school_names
from ingest.territory_codes import code_valid_on

# --- seed invariants (DOMAIN.md, press article 004) and magnitudes --------------------------------
INVARIANT_YEAR = 2023  # academic year 2023/24
OBLAST_FREE_MEALS = 113_240
OBLAST_MEAL_COST_KZT = 4_529_000_000
OBLAST_BUSES_LEASED = 36
CITY_FREE_MEALS = 138_000  # DOMAIN.md: ~138k pupils, ~20.9 bn tenge (2023/24)
CITY_MEAL_COST_KZT = 20_900_000_000
LAST_SPLIT_YEAR = 2021  # the Zhetysu territories are in the world up to academic year 2021/22

THREE_SHIFT_SCHOOLS = {
    "city": {2019: 12, 2020: 9, 2021: 6, 2022: 0},  # none since December 2022
    "oblast": {2019: 45, 2020: 47, 2021: 50, 2022: 44, 2023: 38, 2024: 30},
    "zhetysu": {2019: 16, 2020: 15, 2021: 14},
}
BUSES_LEASED = {
    "oblast": {2019: 10, 2020: 12, 2021: 18, 2022: 24, 2023: OBLAST_BUSES_LEASED, 2024: 28},
    "zhetysu": {2019: 5, 2020: 6, 2021: 8},
    "city": {2022: 0, 2023: 12, 2024: 8},
}
BUSES_IN_SERVICE = {"oblast": 420, "zhetysu": 210, "city": 140}  # 2023 level, +2 %/year
PUPILS_TRANSPORTED = {"oblast": 12_500, "zhetysu": 7_000, "city": 1_800}  # 2023 level, +2 %/year
MEAL_PRICE_GROWTH = 1.08  # cost per pupil per year
FREE_MEALS_GROWTH = 1.035


def by_year(table: dict[int, int], year: int) -> int:
    """The table's value for ``year``; before / after the table, its first / last value."""
    if year in table:
        return table[year]
    keys = sorted(table)
    return table[keys[0]] if year < keys[0] else table[keys[-1]]


def group_of(spec: DistrictSpec) -> str:
    return {CITY: "city", OBLAST: "oblast", ZHETYSU: "zhetysu"}[spec.region_kato]


@dataclass
class SchoolPlan:
    """Everything decided about one school before its yearly figures are allocated."""

    index: int
    spec: DistrictSpec
    group: str
    is_state: bool
    is_urban: bool
    opened_year: int
    closed_year: int | None
    weight: float
    primary_share: float
    upper_share: float
    teacher_ratio: float
    utilisation: float
    remote: float
    two_shift: bool
    meal_price: float
    language: str
    lat: float
    lon: float
    bin: str = ""
    name_ru: str = ""
    name_kk: str = ""
    design_capacity: int = 0
    peak_pupils: int = 0
    school_id: str = ""

    def __post_init__(self) -> None:
        self.school_id = f"SYN{self.index:06d}"

    def active(self, year: int) -> bool:
        if self.group == "zhetysu" and year > LAST_SPLIT_YEAR:
            return False
        return self.opened_year <= year and (self.closed_year is None or year < self.closed_year)


def _language(rng: random.Random, group: str, is_state: bool) -> str:
    if group == "city":
        options = (
            ((0.50, "kk"), (0.35, "kk_ru"), (0.15, "ru")) if is_state else ((0.15, "kk"), (0.40, "kk_ru"), (0.45, "ru"))
        )
    else:
        options = (
            ((0.72, "kk"), (0.22, "kk_ru"), (0.06, "ru")) if is_state else ((0.20, "kk"), (0.50, "kk_ru"), (0.30, "ru"))
        )
    x = rng.random()
    for p, value in options:
        if x < p:
            return value
        x -= p
    return options[-1][1]


def plan_schools(scale: int, seed: int) -> list[SchoolPlan]:
    plans: list[SchoolPlan] = []
    used_bins: set[str] = set()
    city_number = 0
    for spec in DISTRICTS:
        rng = random.Random(f"{seed}/schools/{spec.kato_code}")
        group = group_of(spec)
        ref = LAST_SPLIT_YEAR if group == "zhetysu" else 2022
        g = spec.growth
        n_base = spec.schools * scale
        state = [True] * (spec.state_schools * scale) + [False] * ((spec.schools - spec.state_schools) * scale)
        rng.shuffle(state)
        # urban schools: private ones first (they are in towns), then state ones
        order = sorted(range(n_base), key=lambda i: (state[i], rng.random()))
        urban_set = set(order[: spec.urban_schools * scale])
        specs: list[tuple[bool, bool, int, int | None]] = []  # is_state, is_urban, opened, closed
        for i in range(n_base):
            if g >= 0.02:
                opened = ref - int(rng.expovariate(g * 0.6))
            else:
                opened = rng.randint(1936, ref - 3)
            specs.append((state[i], i in urban_set, max(opened, 1936), None))
        if group != "zhetysu":
            urban_share = spec.urban_schools / spec.schools
            for year in (2023, 2024):
                for _ in range(round(spec.schools * max(g, 0.0) * 0.5) * scale):
                    specs.append((True, rng.random() < urban_share, year, None))
        if g <= 0.01:
            for _ in range(round(spec.schools * 0.04) * scale):
                specs.append((True, False, rng.randint(1936, 1990), rng.randint(2008, ref)))
        names = settlements().get(spec.kato_code) or ()
        micro = CITY_MICRODISTRICTS.get(spec.kato_code, ())
        district_number = 0
        private_number = 0
        for is_state, is_urban, opened, closed in specs:
            if group == "city":
                weight = rng.lognormvariate(0, 0.35) * (2.2 if is_state else 0.8)
            elif is_urban:
                weight = rng.lognormvariate(0, 0.35) * (1.8 if is_state else 0.6)
            else:
                weight = rng.lognormvariate(0, 0.6) * (0.6 if is_state else 0.4)
            growing = g >= 0.03
            if not is_state:
                utilisation = rng.uniform(0.6, 0.95)
            elif growing:
                utilisation = rng.uniform(1.0, 1.8)
            elif group == "city":
                utilisation = rng.uniform(0.9, 1.35)  # the city is short of 20-33k places
            else:
                utilisation = rng.uniform(0.6, 1.15)
            remote = 0.0
            if group != "city" and not is_urban and rng.random() < 0.6:
                remote = rng.uniform(0.03, 0.15)
            elif group == "city" and is_state and spec.kato_code in ("751210000", "751810000") and rng.random() < 0.4:
                remote = rng.uniform(0.02, 0.06)
            plan = SchoolPlan(
                index=len(plans) + 1,
                spec=spec,
                group=group,
                is_state=is_state,
                is_urban=is_urban or group == "city",
                opened_year=opened,
                closed_year=closed,
                weight=weight,
                primary_share=rng.uniform(0.40, 0.47),
                upper_share=rng.uniform(0.10, 0.14) if is_urban or group == "city" else rng.uniform(0.07, 0.12),
                teacher_ratio=(rng.uniform(12.5, 16) if group == "city" or is_urban else rng.uniform(7, 11))
                * (0.7 if not is_state else 1.0),
                utilisation=utilisation,
                remote=remote,
                two_shift=is_state and rng.random() < (0.45 if group == "city" else 0.55),
                meal_price=rng.uniform(0.92, 1.08),
                language=_language(rng, group, is_state),
                lat=round(spec.lat + rng.gauss(0, 0.03 if group == "city" else 0.12), 6),
                lon=round(spec.lon + rng.gauss(0, 0.04 if group == "city" else 0.15), 6),
            )
            registered = opened if opened >= 2008 else rng.randint(2007, 2013)
            plan.bin = make_bin(rng, registered, used_bins)
            if is_state:
                if group == "city":
                    city_number += 1
                    number = city_number
                else:
                    district_number += 1
                    number = district_number
                place = None if plan.is_urban else (rng.choice(names) if names else None)
                plan.name_ru, plan.name_kk = school_names(number, place, True, plan.is_urban)
            else:
                brand = PRIVATE_BRANDS[private_number % len(PRIVATE_BRANDS)]
                brand += (
                    f"-{private_number // len(PRIVATE_BRANDS) + 1}" if private_number >= len(PRIVATE_BRANDS) else ""
                )
                if micro:
                    brand += f" ({rng.choice(micro)})"
                private_number += 1
                plan.name_ru, plan.name_kk = school_names(0, None, False, True, brand=f"{brand}")
                if group != "city":
                    plan.name_ru = plan.name_ru[:-1] + f", {spec.name_ru}»"
                    plan.name_kk = f"{spec.name_kk}, " + plan.name_kk
            plans.append(plan)
    return plans


@dataclass
class YearRow:
    """Mutable figures of one school in one academic year, filled step by step."""

    plan: SchoolPlan
    year: int
    kato_code: str
    primary: int = 0
    basic: int = 0
    upper: int = 0
    shifts: int = 1
    teachers: int = 0
    free_meals: int = 0
    meal_cost: int = 0
    transported: int = 0
    buses: int = 0
    leased: int = 0

    @property
    def total(self) -> int:
        return self.primary + self.basic + self.upper


def _ramp(plan: SchoolPlan, year: int) -> float:
    return {0: 0.6, 1: 0.85}.get(year - plan.opened_year, 1.0)


def allocate_pupils(plans: list[SchoolPlan], years: list[int], seed: int) -> dict[tuple[str, int], list[YearRow]]:
    """Pupils per school and year: district totals (scale-independent) split by weight."""
    rows: dict[tuple[str, int], list[YearRow]] = {}
    by_district: dict[str, list[SchoolPlan]] = {}
    for plan in plans:
        by_district.setdefault(plan.spec.kato_code, []).append(plan)
    for spec in DISTRICTS:
        group = group_of(spec)
        pupils_ref = LAST_SPLIT_YEAR if group == "zhetysu" else INVARIANT_YEAR
        for year in years:
            active = [p for p in by_district[spec.kato_code] if p.active(year)]
            if not active:
                continue
            rng = random.Random(f"{seed}/pupils/{spec.kato_code}/{year}")
            total = round(spec.pupils_2023 * (1 + spec.growth) ** (year - pupils_ref))
            weights = [p.weight * _ramp(p, year) * min(1.2, max(0.8, 1 + 0.05 * rng.gauss(0, 1))) for p in active]
            on = date(year, 9, 1)
            for plan, pupils in zip(active, allocate(total, weights)):
                upper = plan.upper_share if pupils >= 40 else 0.0
                primary, basic, upper_n = allocate(pupils, [plan.primary_share, 1 - plan.primary_share - upper, upper])
                row = YearRow(plan, year, code_valid_on(spec.kato_code, on, pick=plan.index), primary, basic, upper_n)
                row.teachers = max(1, round(pupils / plan.teacher_ratio))
                plan.peak_pupils = max(plan.peak_pupils, pupils)
                rows.setdefault((group, year), []).append(row)
    for plan in plans:
        expected = plan.peak_pupils or max(1, round(plan.spec.pupils_2023 * plan.weight / (plan.spec.schools * 2)))
        capacity = max(1, round(expected / plan.utilisation))
        plan.design_capacity = capacity if capacity < 100 else 5 * round(capacity / 5)
    return rows


def assign_shifts(rows: dict[tuple[str, int], list[YearRow]], scale: int) -> None:
    for (group, year), group_rows in rows.items():
        k = by_year(THREE_SHIFT_SCHOOLS[group], year) * scale
        candidates = sorted(
            (r for r in group_rows if r.plan.is_state and r.total > 0),
            key=lambda r: (-r.total / r.plan.design_capacity, r.plan.index),
        )
        three = {id(r) for r in candidates[:k]}
        for r in group_rows:
            if id(r) in three:
                r.shifts = 3
            elif r.total > 0 and (r.total / r.plan.design_capacity > 1.0 or r.plan.two_shift):
                r.shifts = 2
            else:
                r.shifts = 1


def _primary_caps(rows: list[YearRow]) -> tuple[list[float], list[int]]:
    return [r.primary * (1.0 if r.plan.is_state else 0.5) for r in rows], [r.primary for r in rows]


def assign_meals(rows: dict[tuple[str, int], list[YearRow]], years: list[int]) -> None:
    """Free hot meals for primary pupils and their cost; oblast 2023/24 exactly the seed figures."""
    primary = {key: sum(r.primary for r in rs) for key, rs in rows.items()}
    for year in years:
        step = year - INVARIANT_YEAR
        targets: dict[str, tuple[int, int]] = {}
        meals = round(OBLAST_FREE_MEALS * FREE_MEALS_GROWTH**step) if step else OBLAST_FREE_MEALS
        cost = round(OBLAST_MEAL_COST_KZT * meals / OBLAST_FREE_MEALS * MEAL_PRICE_GROWTH**step)
        targets["oblast"] = (meals, cost)
        if ("zhetysu", year) in rows and primary.get(("oblast", year)):
            zh_meals = round(meals * primary[("zhetysu", year)] / primary[("oblast", year)])
            targets["zhetysu"] = (zh_meals, round(cost * zh_meals / meals))
        if ("city", year) in rows and primary.get(("city", INVARIANT_YEAR)):
            c_meals = round(CITY_FREE_MEALS * primary[("city", year)] / primary[("city", INVARIANT_YEAR)])
            targets["city"] = (c_meals, round(CITY_MEAL_COST_KZT * c_meals / CITY_FREE_MEALS * MEAL_PRICE_GROWTH**step))
        for group, (meal_total, cost_total) in targets.items():
            group_rows = rows.get((group, year))
            if not group_rows:
                continue
            weights, caps = _primary_caps(group_rows)
            meal_total = min(meal_total, sum(caps))
            for r, n in zip(group_rows, allocate_capped(meal_total, weights, caps)):
                r.free_meals = n
            costs = allocate(cost_total, [r.free_meals * r.plan.meal_price for r in group_rows])
            for r, c in zip(group_rows, costs):
                r.meal_cost = c


def assign_transport(rows: dict[tuple[str, int], list[YearRow]], seed: int) -> None:
    """Pupils brought from remote settlements, buses in service and buses leased in the year."""
    for (group, year), group_rows in sorted(rows.items()):
        growth = 1.02 ** (year - INVARIANT_YEAR)
        rng = random.Random(f"{seed}/transport/{group}/{year}")
        weights = [r.plan.remote * r.total for r in group_rows]
        caps = [r.total // 2 if r.plan.remote else 0 for r in group_rows]
        target = min(round(PUPILS_TRANSPORTED[group] * growth), sum(caps))
        for r, n in zip(group_rows, allocate_capped(target, weights, caps)):
            r.transported = n
        buses = round(BUSES_IN_SERVICE[group] * growth)
        if not any(r.transported for r in group_rows):
            continue
        for r, n in zip(group_rows, allocate(buses, [r.transported for r in group_rows])):
            r.buses = n
        leased = min(by_year(BUSES_LEASED[group], year), sum(r.buses for r in group_rows))
        jitter = [r.buses * rng.uniform(0.5, 1.5) for r in group_rows]
        for r, n in zip(group_rows, allocate_capped(leased, jitter, [r.buses for r in group_rows])):
            r.leased = n


@dataclass
class KindergartenPlan:
    index: int
    spec: DistrictSpec
    name_ru: str
    name_kk: str
    places: int
    children: int
    opened_year: int
    lat: float
    lon: float


def plan_kindergartens(scale: int, seed: int) -> list[KindergartenPlan]:
    """Kindergartens in current borders (the egov datasets describe today's organisations)."""
    out: list[KindergartenPlan] = []
    for spec in DISTRICTS:
        group = group_of(spec)
        if group == "zhetysu":
            continue
        rng = random.Random(f"{seed}/kindergartens/{spec.kato_code}")
        n = round(spec.schools * (2.0 if group == "city" else 1.6)) * scale
        children_total = round(spec.pupils_2023 * 0.32)
        state = [i < n * (0.35 if group == "city" else 0.7) for i in range(n)]
        weights = [rng.lognormvariate(0, 0.5) * (2.0 if s else 0.6) for s in state]
        children = allocate(children_total, weights)
        for i, (is_state, kids) in enumerate(zip(state, children)):
            number = i + 1
            brand = PRIVATE_BRANDS[(i * 7) % len(PRIVATE_BRANDS)] + f"-{number}"
            name_ru, name_kk = kindergarten_names(number, is_state, brand)
            places = max(1, round(kids * rng.uniform(0.85, 1.05)))
            out.append(
                KindergartenPlan(
                    index=len(out) + 1,
                    spec=spec,
                    name_ru=name_ru if group == "city" else f"{name_ru[:-1]}, {spec.name_ru}»",
                    name_kk=name_kk if group == "city" else f"{spec.name_kk}, {name_kk}",
                    places=places,
                    children=kids,
                    opened_year=rng.randint(1965, 2024) if not is_state else rng.randint(1950, 2022),
                    lat=round(spec.lat + rng.gauss(0, 0.03 if group == "city" else 0.12), 6),
                    lon=round(spec.lon + rng.gauss(0, 0.04 if group == "city" else 0.15), 6),
                )
            )
    return out


def history_years(scale: int, last: int = 2024) -> list[int]:
    """Start years of the academic years the world covers: 6 at scale 1, ``6 + 3·log2(N)`` at N."""
    count = max(6, int(6 + 3 * math.log2(max(scale, 1))))
    return list(range(last - count + 1, last + 1))
