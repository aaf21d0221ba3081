"""A small synthetic world built by hand for the networked-source tests (egov, budget).

Small enough to reason about in assertions: 4 districts (2 in Almaty city, 2 in Almaty oblast,
written as the generator writes them, e.g. ``г. Конаев``), 10 state and 3 private schools (one in
a Zhetysu district, outside the registers' scope; one closed), 5 kindergartens, and 2023's monthly
budget execution of three education programmes in each region.
"""

from __future__ import annotations

from decimal import Decimal

from ingest.synth.world import BudgetLine, District, Kindergarten, School, SchoolYear, World

DISTRICTS = [
    District("751110000", "750000000", "Алмалинский район", "Алмалы ауданы", True),
    District("751710000", "750000000", "Медеуский район", "Медеу ауданы", True),
    District("191000000", "190000000", "г. Конаев", "Қонаев қаласы", True, pre2022_kato_code="191600000"),
    District("196800000", "190000000", "Илийский район", "Іле ауданы", False),
    District("333200000", "330000000", "Аксуский район", "Ақсу ауданы", False, pre2022_region_kato="190000000"),
]
DISTRICT_CYCLE = ["751110000", "751710000", "191000000", "196800000"]

PROGRAMMES = [
    ("02", "261", "003", "Общеобразовательное обучение", "Жалпы білім беру"),
    ("02", "261", "011", "Подвоз обучающихся до организаций образования", "Білім алушыларды тасымалдау"),
    ("09", "261", "001", "Услуги по реализации государственной политики", "Мемлекеттік саясатты іске асыру"),
]
#: annual plan 2023, thousand tenge: region → programme → plan
PLANS = {
    "190000000": {"003": Decimal("250000000.0"), "011": Decimal("2400000.0"), "001": Decimal("51000.0")},
    "750000000": {"003": Decimal("310000000.0"), "011": Decimal("150000.0"), "001": Decimal("51000.0")},
}


def _schools() -> tuple[list[School], list[SchoolYear]]:
    schools, years = [], []
    for n in range(1, 14):
        ownership = "private" if n > 10 else "state"
        district = "333200000" if n == 13 else DISTRICT_CYCLE[n % 4]
        opened = 2023 if n == 9 else 1970 + n  # school 9 opens in 2023/24: only in the last year
        closed = 2023 if n == 12 else None
        school = School(
            school_id=f"SYN{n:06d}",
            bin=f"{990140000000 + n:012d}",
            name_ru=f"Школа-гимназия № {n}",
            name_kk=f"№ {n} мектеп-гимназия",
            district_kato=district,
            ownership=ownership,
            language=["kk", "ru", "kk_ru"][n % 3],
            is_urban=district.startswith("75") or district == "191000000",
            opened_year=opened,
            design_capacity=600 + 100 * n,
            lat=43.2 + n / 1000,
            lon=76.9 + n / 1000,
            closed_year=closed,
        )
        schools.append(school)
        for year, factor in (("2022/23", 0), ("2023/24", 1)):
            if year == "2022/23" and opened == 2023:
                continue
            pupils = 500 + 37 * n + 11 * factor * n
            years.append(
                SchoolYear(
                    school.school_id,
                    year,
                    district,
                    pupils // 3,
                    pupils // 3,
                    pupils - 2 * (pupils // 3),
                    shifts=1 + n % 2,
                    teachers=pupils // 15,
                    pupils_free_meals=pupils // 4,
                    meal_cost_kzt=pupils * 1000,
                    pupils_transported=0,
                    buses_in_service=0,
                    buses_leased_in_year=0,
                )
            )
    return schools, years


def _kindergartens() -> list[Kindergarten]:
    return [
        Kindergarten(
            kindergarten_id=f"KG{n:05d}",
            name_ru=f"Ясли-сад № {n}",
            name_kk=f"№ {n} бөбекжай",
            district_kato=DISTRICT_CYCLE[n % 4],
            places=120 + 10 * n,
            children=110 + 9 * n,
            opened_year=2023 if n == 5 else 1990 + n,
            lat=43.25 + n / 1000,
            lon=76.95 + n / 1000,
        )
        for n in range(1, 6)
    ]


def _budget_lines() -> list[BudgetLine]:
    lines = []
    for region, plans in PLANS.items():
        for subgroup, admin, program, name_ru, name_kk in PROGRAMMES:
            plan = plans[program]
            for month in range(1, 13):
                executed = (plan * month / 12 * Decimal("0.97")).quantize(Decimal("0.1"))
                lines.append(
                    BudgetLine(region, 2023, month, "04", subgroup, admin, program, name_ru, name_kk, plan, executed)
                )
    return lines


def small_world() -> World:
    schools, school_years = _schools()
    return World(
        scale=1,
        seed=7,
        academic_years=["2022/23", "2023/24"],
        budget_years=[2023],
        districts=DISTRICTS,
        schools=schools,
        school_years=school_years,
        kindergartens=_kindergartens(),
        budget_lines=_budget_lines(),
        projects=[],
    )
