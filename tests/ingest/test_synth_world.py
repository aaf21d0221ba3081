"""The generator's world: seed invariants exact at every scale, deterministic, realistic at scale 1."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest

from ingest.synth.alloc import allocate, allocate_capped
from ingest.synth.names import bin_check_digit
from ingest.synth.world import build_world, invariant_figures, region_of
from ingest.territory_codes import code_changes, code_valid_on, known_kato_codes

OBLAST, CITY = "190000000", "750000000"

SEED_FIGURES = {
    "oblast_2023_free_meal_pupils": 113_240,
    "oblast_2023_meal_cost_kzt": 4_529_000_000,
    "oblast_2023_buses_leased": 36,
    "oblast_budget_plan_2023_kzt_thousands": Decimal("394000000.0"),
    "oblast_budget_plan_2022_kzt_thousands": Decimal("316000000.0"),
    "oblast_transport_executed_2023_kzt_thousands": Decimal("2172000.0"),
    "oblast_projects": 53,
    "oblast_project_places": 68_200,
    "oblast_under_construction_2023_08_25": 16,
    "oblast_under_construction_places": 15_750,
    "oblast_finished_by_2023_09_01": 9,
    "oblast_finished_by_2023_12_31": 14,  # the 9, then 5 more by the end of the year
    "oblast_delayed_to_2024": 2,
    # Konaev city, Enbekshikazakh, Zhambyl, Karasai and Ili districts
    "oblast_first_finished_districts": ["191000000", "194000000", "194200000", "195200000", "196800000"],
    "city_projects": 22,
    "city_project_places": 37_000,
    "city_funding": ["republican"],
}


@pytest.fixture(scope="module")
def world():
    return build_world(1, 2023)


@pytest.mark.parametrize("scale", [1, 3, 10])
def test_the_seed_figures_hold_exactly_at_every_scale(scale):
    # Given the world at this scale, When its seed figures are summed from its rows, Then they are exact
    assert invariant_figures(build_world(scale, 2023)) == SEED_FIGURES


def test_another_seed_changes_the_details_but_not_the_seed_figures():
    other = build_world(1, 7)
    assert invariant_figures(other) == SEED_FIGURES
    assert [s.bin for s in other.schools[:20]] != [s.bin for s in build_world(1, 2023).schools[:20]]


def test_the_world_is_deterministic(world):
    again = build_world(1, 2023)
    assert again.schools == world.schools
    assert again.school_years == world.school_years
    assert again.budget_lines == world.budget_lines
    assert again.projects == world.projects
    assert again.kindergartens == world.kindergartens


def test_the_oblast_2023_figures_are_sums_over_schools_not_a_stored_total(world):
    oblast = [sy for sy in world.school_years if sy.academic_year == "2023/24" and region_of(sy.kato_code) == OBLAST]
    assert len(oblast) > 400
    assert sum(1 for sy in oblast if sy.pupils_free_meals) > 300  # spread over many schools
    assert max(sy.buses_leased_in_year for sy in oblast) <= 3


def _by_region_year(world):
    schools = {s.school_id: s for s in world.schools}
    agg = defaultdict(Counter)
    for sy in world.school_years:
        a = agg[(region_of(sy.kato_code), sy.academic_year)]
        school = schools[sy.school_id]
        a["schools"] += 1
        a["state"] += school.ownership == "state"
        a["urban"] += school.is_urban
        a["pupils"] += sy.pupils_total
        a["three_shift"] += sy.shifts == 3
        a["free_meals"] += sy.pupils_free_meals
        a["meal_cost"] += sy.meal_cost_kzt
        a["buses"] += sy.buses_in_service
    return agg


def test_magnitudes_at_scale_1_are_those_of_domain_md(world):
    agg = _by_region_year(world)
    assert world.academic_years == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    city, oblast = agg[(CITY, "2023/24")], agg[(OBLAST, "2022/23")]
    assert 330 <= city["schools"] <= 370 and 205 <= city["state"] <= 225
    assert 320_000 <= city["pupils"] <= 360_000
    assert 130_000 <= city["free_meals"] <= 145_000 and 19e9 <= city["meal_cost"] <= 23e9
    assert 100 <= city["buses"] <= 200
    assert (oblast["schools"], oblast["urban"]) == (464, 51)
    assert 350_000 <= agg[(OBLAST, "2023/24")]["pupils"] <= 370_000
    for year in ("2022/23", "2023/24", "2024/25"):
        assert 28 <= agg[(OBLAST, year)]["three_shift"] <= 50, year
        assert agg[(CITY, year)]["three_shift"] == 0, year
    # before the split the oblast still had the Zhetysu districts: BNS counts 800 schools in 2021/22
    assert 780 <= agg[(OBLAST, "2021/22")]["schools"] <= 820
    assert {r for r, _ in agg} == {CITY, OBLAST}  # Zhetysu schools never appear under 330000000


def test_city_districts_have_30_to_60k_pupils(world):
    pupils = Counter()
    for sy in world.school_years:
        if sy.academic_year == "2023/24" and region_of(sy.kato_code) == CITY:
            pupils[sy.kato_code] += sy.pupils_total
    assert len(pupils) == 8
    assert all(30_000 <= n <= 60_000 for n in pupils.values()), pupils


def test_codes_follow_the_2022_split_and_konaev_was_kapchagay(world):
    schools = {s.school_id: s for s in world.schools}
    codes = defaultdict(set)
    for sy in world.school_years:
        codes[(schools[sy.school_id].district_kato, sy.academic_year)].add(sy.kato_code)
    assert codes[("191000000", "2021/22")] == {"191600000"}
    assert codes[("191000000", "2022/23")] == {"191000000"}
    # Taldykorgan's schools are in the oblast under its pre-2022 code, and gone afterwards
    taldykorgan_old = code_valid_on("331000000", date(2021, 9, 1))
    assert codes[("331000000", "2021/22")] == {taldykorgan_old} and taldykorgan_old.startswith("19")
    assert ("331000000", "2022/23") not in codes
    # the mapping is the seed's where it has one
    seeded = {c.new_code: c.old_code for c in code_changes() if c.effective == date(2022, 6, 8)}
    assert codes[("333600000", "2021/22")] == {seeded["333600000"]}


def test_every_row_is_internally_consistent(world):
    known = known_kato_codes()
    bins = [s.bin for s in world.schools]
    assert len(set(bins)) == len(bins)
    assert all(len(b) == 12 and b.isdigit() and bin_check_digit(b[:11]) == int(b[11]) for b in bins)
    for sy in world.school_years:
        assert sy.kato_code in known, sy
        assert 1 <= sy.shifts <= 3
        assert 0 <= sy.pupils_free_meals <= sy.pupils_primary
        assert 0 <= sy.buses_leased_in_year <= sy.buses_in_service
        assert sy.pupils_transported <= sy.pupils_total
        assert (sy.meal_cost_kzt > 0) == (sy.pupils_free_meals > 0)
    assert all(k.district_kato in known and k.children >= 0 and k.places > 0 for k in world.kindergartens)


def test_budget_execution_is_monthly_cumulative_and_95_to_99_5_percent_by_december(world):
    programmes = defaultdict(list)
    for line in world.budget_lines:
        assert line.functional_group == "04"
        programmes[(line.region_kato, line.year, line.administrator, line.program)].append(line)
    names = {line.program_name_ru for line in world.budget_lines}
    assert any("подвоз" in n.lower() for n in names) and any("питани" in n.lower() for n in names)
    for key, lines in programmes.items():
        lines.sort(key=lambda b: b.month)
        assert [b.month for b in lines] == list(range(1, 13)), key
        executed = [b.executed_kzt_thousands for b in lines]
        assert executed == sorted(executed), key
        assert all(b.executed_kzt_thousands <= b.plan_kzt_thousands for b in lines), key
        assert Decimal("0.95") <= lines[-1].executed_kzt_thousands / lines[-1].plan_kzt_thousands <= Decimal("0.995")
    assert len({b.plan_kzt_thousands for b in programmes[(OBLAST, 2023, "261", "003")]}) > 1  # the plan is refined


def test_construction_projects_have_ordered_histories(world):
    for project in world.projects:
        dates = [e.on for e in project.events]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert project.events[0].status == "planned"
        assert project.places % 50 == 0 and project.target_year <= 2025
    city = [p for p in world.projects if p.region_kato == CITY]
    assert all(next(e.on for e in p.events if e.status == "under_construction") >= date(2023, 1, 1) for p in city)


def test_history_grows_with_scale():
    world = build_world(3, 2023)
    assert world.academic_years[0] == "2015/16" and len(world.academic_years) == 10
    agg = _by_region_year(world)
    # N times the schools, the same regional totals
    assert agg[(OBLAST, "2022/23")]["schools"] == 3 * 464
    assert 350_000 <= agg[(OBLAST, "2023/24")]["pupils"] <= 370_000
    # Kegen was part of Raiymbek before 31 March 2018
    kegen_before = {sy.kato_code for sy in world.school_years if sy.academic_year == "2017/18"}
    assert "194400000" not in kegen_before and "195800000" in kegen_before


def test_scale_10_builds_ten_times_the_schools():
    # how fast it builds is a benchmark's business (make bench), not a unit test's
    assert len(build_world(10, 2023).schools) > 10_000


@pytest.mark.parametrize(
    ("total", "weights"),
    [(113_240, [3.5, 0.1, 7, 0, 12.25]), (7, [1, 1, 1]), (0, [1, 2]), (5, [0, 0, 0])],
)
def test_allocation_is_exact(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)


def test_capped_allocation_respects_caps():
    parts = allocate_capped(100, [10, 1, 1], [20, 50, 50])
    assert sum(parts) == 100 and parts[0] == 20
    with pytest.raises(ValueError):
        allocate_capped(10, [1], [5])
