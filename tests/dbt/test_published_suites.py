"""The published suites of the GX gate on the marts world (tests/dbt/conftest.py): they pass on a
consistent release, and they catch a release whose districts no longer add up to their region."""

from __future__ import annotations

import pytest

MY_TABLES = [
    "territories",
    "school_counts",
    "education_budget",
    "education_budget_annual",
    "free_meals",
    "pupil_transport",
    "comfortable_school",
    "comfortable_school_projects",
    "school_capacity",
    "schools",
    "claims",
    "scorecard",
]


def suites(*tables):
    from expectations.framework import discover_suites

    found = {s.table: s for s in discover_suites("published")}
    missing = [t for t in tables if t not in found]
    assert not missing, f"no published suite for {missing}"
    return [found[t] for t in tables]


def test_every_published_table_has_a_suite_that_passes_on_the_release(marts):
    from expectations.gate import run_gate

    report = run_gate("candidate", suites=suites(*MY_TABLES), raise_on_failure=False)
    failed = [(r.dataset, r.protects, r.observed, r.examples[:2]) for r in report.results if not r.success]
    assert failed == []
    checked = {r.dataset for r in report.results}
    assert checked == {f"candidate.{t}" for t in MY_TABLES}
    # every check says what it protects and how to resolve it, with a severity
    assert all(r.protects and r.resolve and r.severity in ("critical", "warning") for r in report.results)


@pytest.fixture
def tampered(marts):
    """A copy of free_meals (and territories) where one district lost pupils its region still counts."""
    marts.execute("set role edu_wh_transformer")
    marts.execute("drop schema if exists tampered cascade")
    marts.execute("create schema tampered")
    marts.execute("create table tampered.territories as select * from candidate.territories")
    marts.execute("create table tampered.free_meals as select * from candidate.free_meals")
    marts.execute(
        "update tampered.free_meals set pupils_served = pupils_served - 100 "
        "where kato_code = '195200000' and academic_year = '2023/24' and territory_basis = 'as_published'"
    )
    marts.execute(
        "update tampered.free_meals set pupils_served = pupils_served - 100 "
        "where kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published'"
    )
    marts.execute(
        "update tampered.free_meals set cost_per_pupil_kzt = round(meal_cost_kzt / pupils_served, 2) "
        "where academic_year = '2023/24' and pupils_served > 0"
    )
    yield "tampered"
    marts.execute("drop schema if exists tampered cascade")
    marts.execute("reset role")


def test_a_release_that_does_not_add_up_fails_the_gate(tampered):
    from expectations.gate import run_gate

    report = run_gate(tampered, suites=suites("free_meals"), raise_on_failure=False)
    failed = {r.protects: r.severity for r in report.results if not r.success}
    # the region row was lowered too: the districts still add up, but the oblast no longer equals
    # Almaty oblast + Zhetysu in current borders; no check compares the figure with the press (113,240)
    assert failed.get("free_meals: the districts' pupils_served add up to their region's") is None
    assert not [p for p in failed if "press" in p]
    assert any("re-basing to current borders neither loses nor adds pupils_served" in p for p in failed)
    assert not report.success  # a critical check failed: the release would not be published


def test_districts_that_do_not_add_up_to_their_region_fail(marts, tampered):
    from expectations.gate import run_gate

    marts.execute(
        "update tampered.free_meals set pupils_served = pupils_served + 100 "
        "where kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published'"
    )
    marts.execute(
        "update tampered.free_meals set cost_per_pupil_kzt = round(meal_cost_kzt / pupils_served, 2) "
        "where academic_year = '2023/24' and pupils_served > 0"
    )
    report = run_gate(tampered, suites=suites("free_meals"), raise_on_failure=False)
    critical = [r for r in report.results if not r.success and r.severity == "critical"]
    assert [r.protects for r in critical] == ["free_meals: the districts' pupils_served add up to their region's"]
    example = critical[0].examples[0]
    assert example["region_kato_code"] == "190000000" and example["academic_year"] == "2023/24"
