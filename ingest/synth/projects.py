"""Comfortable School (Жайлы мектеп) construction projects and their status history.

Almaty oblast: 53 projects, 68,200 places, target year ≤ 2025. As of 2023-08-25, 16 are under
construction (15,750 places): 9 finish by 2023-09-01 (in Karasai, Enbekshikazakh, Ili and Zhambyl
districts and Konaev city), 5 by 2023-12-31, 2 are delayed to 2024; the other 37 are planned and
start in 2024-2025. Almaty city: 22 projects, 37,000 places, republican budget, construction
starting in 2023. The counts do not change with scale (they are the programme itself); places are
whole multiples of 50.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ingest.synth.alloc import allocate
from ingest.synth.geography import BY_CODE, CITY, OBLAST, settlements
from ingest.synth.names import CITY_MICRODISTRICTS, project_names

AS_OF = date(2023, 8, 25)  # the akimat's report the press article quotes
OBLAST_PROJECTS, OBLAST_PLACES = 53, 68_200
UNDER_CONSTRUCTION, UNDER_CONSTRUCTION_PLACES = 16, 15_750
CITY_PROJECTS, CITY_PLACES = 22, 37_000
WORLD_END = date(2025, 8, 31)

# where the nine projects finished by 1 September 2023 stand (press: Karasai, Enbekshikazakh, Ili,
# Zhambyl districts and Konaev city)
FIRST_NINE = ("195200000", "195200000", "194000000", "194000000", "196800000", "196800000", "194200000",
              "194200000", "191000000")  # fmt: skip
# other oblast projects follow pupil growth
OBLAST_WEIGHTS = {"195200000": 9, "196800000": 9, "196200000": 6, "194000000": 5, "191000000": 3, "194200000": 3,
                  "196600000": 1, "193600000": 1, "194400000": 1, "195800000": 1}  # fmt: skip
CITY_WEIGHTS = {"751210000": 7, "751810000": 6, "751310000": 3, "751910000": 3, "751410000": 1, "751510000": 1,
                "751710000": 1}  # fmt: skip


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _places(total: int, count: int, base: int, rng: random.Random) -> list[int]:
    """Multiples of 50, at least ``base`` each, adding up to ``total``."""
    units = total // 50
    extra = allocate(units - count * (base // 50), [rng.uniform(0.3, 1.7) for _ in range(count)])
    return [base + 50 * e for e in extra]


def _pick_district(rng: random.Random, weights: dict[str, int]) -> str:
    codes = sorted(weights)
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def build_projects(seed: int, project_type, event_type) -> list:
    rng = random.Random(f"{seed}/comfortable_school")
    projects = []

    def add(region: str, code: str, places: int, funding: str, target: int, events: list) -> None:
        number = sum(1 for p in projects if p.region_kato == region) + 1
        spec = BY_CODE[code]
        if region == CITY:
            place = rng.choice(CITY_MICRODISTRICTS.get(code) or ("мкр. Центральный",))
        else:
            names = settlements().get(code) or (spec.name_ru,)
            place = rng.choice(names)
        name_ru, name_kk = project_names(places, place, spec.name_ru, spec.name_kk, region == CITY)
        dates = [e.on for e in events]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), events
        projects.append(
            project_type(
                project_id=f"KSH-{region[:2]}-{number:03d}",
                name_ru=name_ru,
                name_kk=name_kk,
                kato_code=code,
                region_kato=region,
                places=places,
                funding_source=funding,
                target_year=target,
                events=tuple(events),
            )
        )

    ev = event_type
    # --- Almaty oblast -------------------------------------------------------------------------
    active_places = _places(UNDER_CONSTRUCTION_PLACES, UNDER_CONSTRUCTION, 300, rng)
    planned_places = _places(OBLAST_PLACES - UNDER_CONSTRUCTION_PLACES, OBLAST_PROJECTS - UNDER_CONSTRUCTION, 300, rng)
    for i in range(UNDER_CONSTRUCTION):
        planned = _day(rng, date(2022, 9, 1), date(2022, 11, 30))
        started = _day(rng, date(2022, 12, 15), date(2023, 4, 30))
        events = [ev("planned", planned), ev("under_construction", started)]
        if i < 9:
            code = FIRST_NINE[i]
            events.append(ev("finished", _day(rng, date(2023, 8, 26), date(2023, 9, 1)), "введена к 1 сентября 2023"))
            target = 2023
        elif i < 14:
            code = _pick_district(rng, OBLAST_WEIGHTS)
            events.append(ev("finished", _day(rng, date(2023, 10, 1), date(2023, 12, 29))))
            target = 2023
        else:
            code = _pick_district(rng, OBLAST_WEIGHTS)
            delayed = _day(rng, date(2023, 10, 15), date(2023, 12, 15))
            events.append(ev("delayed", delayed, "срок ввода перенесён на 2024 год"))
            events.append(ev("finished", _day(rng, date(2024, 5, 15), date(2024, 8, 30))))
            target = 2024
        funding = "republican" if rng.random() < 0.75 else "local"
        add(OBLAST, code, active_places[i], funding, target, events)
    for i, places in enumerate(planned_places):
        code = _pick_district(rng, OBLAST_WEIGHTS)
        events = [ev("planned", _day(rng, date(2023, 1, 10), date(2023, 7, 31)))]
        if i < 30:
            events.append(ev("under_construction", _day(rng, date(2024, 2, 1), date(2024, 10, 31))))
            if i < 12:
                events.append(ev("finished", _day(rng, date(2025, 6, 1), date(2025, 8, 30))))
        else:
            events.append(ev("under_construction", _day(rng, date(2025, 3, 1), date(2025, 5, 31))))
        funding = "republican" if rng.random() < 0.75 else "local"
        add(OBLAST, code, places, funding, 2025 if i >= 5 else 2024, events)
    # --- Almaty city: republican budget, construction from 2023 ------------------------------------
    for i, places in enumerate(_places(CITY_PLACES, CITY_PROJECTS, 600, rng)):
        code = _pick_district(rng, CITY_WEIGHTS)
        events = [
            ev("planned", _day(rng, date(2022, 12, 1), date(2023, 2, 28))),
            ev("under_construction", _day(rng, date(2023, 3, 15), date(2023, 12, 15))),
        ]
        if i < 8:
            events.append(ev("finished", _day(rng, date(2024, 7, 1), date(2024, 8, 30))))
        elif i < 10:
            events.append(ev("delayed", _day(rng, date(2024, 9, 1), date(2024, 11, 30)), "перенос на 2025 год"))
            events.append(ev("finished", _day(rng, date(2025, 6, 1), date(2025, 8, 30))))
        elif i < 18:
            events.append(ev("finished", _day(rng, date(2025, 5, 1), date(2025, 8, 30))))
        add(CITY, code, places, "republican", 2024 if i < 8 else 2025, events)
    assert all(e.on <= WORLD_END for p in projects for e in p.events)
    return projects


def status_on(project, on: date) -> str | None:
    """The project's status on a date (None before it was first reported)."""
    status = None
    for event in project.events:
        if event.on <= on:
            status = event.status
    return status
