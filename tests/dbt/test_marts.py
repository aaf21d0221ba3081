"""The marts and the published contract, built by the real dbt from a generated scale-1 drop and the
real samples (tests/dbt/conftest.py): the seed figures of the press articles come out of the data,
every claim gets a status, current-borders series are re-based as documented, and the
incremental marts equal a full refresh."""

from __future__ import annotations

from decimal import Decimal

import pytest


def one(conn, query: str, params: tuple = ()):
    row = conn.execute(query, params).fetchone()
    assert row is not None, f"no row for {query} {params}"
    return row[0] if len(row) == 1 else row


# --- the seed figures (DOMAIN.md), from the candidate tables the release publishes --------------------


def test_almaty_oblast_2023_education_budget_is_394_bn_78_bn_more_than_2022(marts):
    plan, change = one(
        marts,
        "select sum(plan_kzt), sum(plan_change_kzt) from candidate.education_budget "
        "where kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'",
    )
    assert plan == 394_000_000_000
    assert change == 78_000_000_000
    plan_2022 = one(
        marts,
        "select sum(plan_kzt) from candidate.education_budget "
        "where kato_code = '190000000' and year = 2022 and territory_basis = 'as_published'",
    )
    assert plan - plan_2022 == change


def test_almaty_oblast_2023_free_meals_113240_pupils_for_4529_mn_tenge(marts):
    pupils, cost, coverage, per_pupil, calendar_year = one(
        marts,
        "select pupils_served, meal_cost_kzt, coverage_percent, cost_per_pupil_kzt, calendar_year "
        "from candidate.free_meals where kato_code = '190000000' and academic_year = '2023/24' "
        "and territory_basis = 'as_published'",
    )
    assert (pupils, cost, calendar_year) == (113_240, 4_529_000_000, 2023)
    eligible = one(
        marts,
        "select sum(pupils_grades_1_4) from candidate.schools where academic_year = '2023/24' "
        "and region_kato_code = '190000000'",
    )
    assert coverage == round(Decimal(100 * pupils) / eligible, 2)
    assert per_pupil == round(Decimal(cost) / pupils, 2)


def test_almaty_oblast_2023_pupil_transport_2172_mn_tenge_and_36_leased_buses(marts):
    cost, buses, pupils, per_pupil = one(
        marts,
        "select transport_cost_kzt, buses_leased, pupils_transported, cost_per_pupil_kzt "
        "from candidate.pupil_transport where kato_code = '190000000' and year = 2023 "
        "and territory_basis = 'as_published'",
    )
    assert (cost, buses) == (2_172_000_000, 36)
    assert per_pupil == round(Decimal(cost) / pupils, 2)


def test_comfortable_school_53_schools_68200_places_in_the_oblast_22_37000_in_the_city(marts):
    rows = {
        r[0]: r[1:]
        for r in marts.execute(
            "select kato_code, projects_registered, places_registered, target_schools, target_places "
            "from candidate.comfortable_school where year = 2025 and territory_basis = 'as_published' "
            "and kato_code in ('190000000', '750000000')"
        ).fetchall()
    }
    assert rows["190000000"] == (53, 68_200, 53, 68_200)
    assert rows["750000000"] == (22, 37_000, 22, 37_000)


def test_comfortable_school_oblast_2023_matches_the_august_report(marts):
    # 16 schools / 15,750 places built in 2023, 9 finished by 1 September, 5 more by the year end,
    # 2 delayed to 2024
    row = one(
        marts,
        "select projects_under_construction_in_year, places_under_construction_in_year, "
        "projects_finished_by_school_year_start, projects_finished_after_school_year_start, "
        "projects_delayed_in_year from candidate.comfortable_school "
        "where kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'",
    )
    assert row == (16, 15_750, 9, 5, 2)
    districts = {
        r[0]
        for r in marts.execute(
            "select kato_code from candidate.comfortable_school where region_kato_code = '190000000' "
            "and aggregation_level = 'district' and year = 2023 and territory_basis = 'as_published' "
            "and projects_finished_by_school_year_start > 0"
        ).fetchall()
    }
    # Karasai, Enbekshikazakh, Ili, Zhambyl districts and Konaev city
    assert districts == {"195200000", "194000000", "196800000", "194200000", "191000000"}


def test_bns_almaty_oblast_2021_22_is_800_as_published_and_457_in_current_borders(marts):
    rows = {
        (r[0], r[1]): r[2:]
        for r in marts.execute(
            "select published.kato_code, published.territory_basis, published.schools_count, "
            "facts.schools_count_exact, published.rebase_method from candidate.school_counts as published "
            "join marts.fct_school_counts as facts using (kato_code, academic_year, population_type, territory_basis) "
            "where published.academic_year = '2021/22' and published.population_type = 'total' "
            "and published.kato_code in ('190000000', '330000000')"
        ).fetchall()
    }
    assert rows[("190000000", "as_published")][0] == 800
    # the shares of the first year both successors are published: 2022/23, 464 and 349 schools
    after = dict(
        marts.execute(
            "select kato_code, schools_count from candidate.school_counts where academic_year = '2022/23' "
            "and population_type = 'total' and territory_basis = 'as_published' "
            "and kato_code in ('190000000', '330000000')"
        ).fetchall()
    )
    assert after == {"190000000": 464, "330000000": 349}
    oblast, exact, method = rows[("190000000", "current_borders")]
    assert method == "split_ratio"
    assert abs(exact - Decimal(800 * 464) / 813) < Decimal("0.01")
    assert oblast == round(800 * 464 / 813) == 457
    zhetysu = rows[("330000000", "current_borders")][0]
    assert zhetysu == 343 and oblast + zhetysu == 800
    assert rows[("330000000", "as_published")][0] is None  # Zhetysu did not exist yet


def test_every_table_says_where_its_rows_come_from_and_whether_they_are_synthetic(marts):
    tables = [
        r[0]
        for r in marts.execute(
            "select table_name from information_schema.columns where table_schema = 'candidate' "
            "and column_name = 'is_synthetic'"
        ).fetchall()
    ]
    assert {"education_budget", "free_meals", "pupil_transport", "comfortable_school", "school_capacity"} <= set(tables)
    for table in tables:
        missing = one(
            marts,
            f"select count(*) from candidate.{table} where is_synthetic is null or source_name is null "
            "or source_reference is null",
        )
        assert missing == 0, table
    # the generated world is flagged synthetic, the real BNS table is not
    assert one(marts, "select bool_and(is_synthetic) from candidate.free_meals")
    assert not one(marts, "select bool_or(is_synthetic) from candidate.school_counts")


def test_every_scorecard_figure_carries_its_own_source_and_synthetic_flag(marts):
    groups = ["schools", "bns_schools", "budget", "free_meals", "transport", "comfortable_school"]
    flags = ", ".join(f"{g}_source_name, {g}_is_synthetic" for g in groups)
    rows = marts.execute(f"select kato_code, year, territory_basis, source_name, is_synthetic, {flags} "
                         "from candidate.scorecard").fetchall()  # fmt: skip
    assert rows
    generator = "synthetic generator (edu-wh synth)"
    for row in rows:
        key, source_name, is_synthetic, per_figure = row[:3], row[3], row[4], row[5:]
        pairs = list(zip(per_figure[0::2], per_figure[1::2]))
        # a synthetic figure is named after the generator, never after a publisher; a real one after its publisher
        for name, synthetic in pairs:
            assert (name is None) == (synthetic is None), key
            if synthetic:
                assert name == generator, key
            elif synthetic is False:
                assert name != generator, key
        # the row is synthetic when one of its figures is, and its source lists the figures' sources
        assert is_synthetic == any(synthetic for _, synthetic in pairs), key
        assert source_name == "; ".join(name for name, _ in pairs if name is not None), key
    # the real BNS count beside the generated NEDB figures of the same row: each says what it is
    oblast_2022 = one(
        marts,
        "select array[bns_schools_source_name, schools_source_name, bns_schools_is_synthetic::text, "
        "schools_is_synthetic::text] from candidate.scorecard where kato_code = '190000000' and year = 2022 "
        "and territory_basis = 'as_published'",
    )
    assert oblast_2022 == ["BNS dynamic table", generator, "false", "true"]


# --- claims -----------------------------------------------------------------------------------------

#: the claims the generator's world has a figure for: before issue 13 they were all "confirmed", by
#: synthetic figures derived from the press figures themselves
SYNTHETIC_ONLY = {
    "press-003-02",  # Almaty city Comfortable School: 22 schools
    "press-003-03",  # ... 37,000 places
    "press-004-03",  # three-shift schools exist
    "press-004-04",  # Comfortable School 68,200 places by 2025
    "press-004-05",  # 53 schools
    "press-004-06",  # 16 under construction (August 2023)
    "press-004-07",  # 15,750 places under construction
    "press-004-08",  # 9 finished by 1 September
    "press-004-09",  # 5 more by the year end
    "press-004-10",  # 2 delayed to 2024
    "press-004-11",  # 113,240 pupils with free meals
    "press-004-12",  # 4 bn 529 mn tenge
    "press-004-13",  # 2 bn 172 mn tenge for transport
    "press-004-14",  # 36 buses by leasing
}
#: the budget claims (a plan) against the Ministry of Finance's real execution
DIFFERENT_BASIS = {"press-004-01", "press-004-02"}


def test_every_claim_is_published_once_with_a_status(marts):
    registry = one(marts, "select count(*) from reference.press_claims_registry")
    claims, distinct, statuses = one(
        marts,
        "select count(*), count(distinct claim_id), count(status) from candidate.claims",
    )
    assert claims == distinct == statuses == registry > 0
    status = dict(marts.execute("select claim_id, status from candidate.claims").fetchall())
    assert {c for c, s in status.items() if s == "unverifiable_synthetic"} == SYNTHETIC_ONLY
    assert {c for c, s in status.items() if s == "different_basis"} == DIFFERENT_BASIS
    assert set(status.values()) == {"unverifiable_synthetic", "different_basis", "no_official_figure"}
    # claims the warehouse has no data for (houses of schoolchildren, the 2018/19 contingent, ...)
    assert status["press-001-01"] == status["press-003-01"] == "no_official_figure"


def test_no_claim_is_confirmed_or_refuted_by_a_synthetic_figure(marts):
    rows = marts.execute(
        "select claim_id, status, official_source, difference, is_synthetic from candidate.claims "
        "where official_is_synthetic"
    ).fetchall()
    assert {r[0] for r in rows} == SYNTHETIC_ONLY
    assert {(r[1], r[2], r[3], r[4]) for r in rows} == {
        ("unverifiable_synthetic", "synthetic generator (edu-wh synth)", None, True)
    }


def test_the_2023_budget_claims_are_shown_against_the_real_execution_on_stated_borders(marts):
    # 394 bn (a plan) against the Ministry of Finance's executed 2023: 390,464.79202783 million tenge;
    # +78 bn against 2023 minus 2022 (314,683.85142176 million), both without Zhetysu
    rows = {
        r[0]: r[1:]
        for r in marts.execute(
            "select claim_id, status, official_value, difference, official_indicator_code, claimed_basis, "
            "official_basis, official_source, official_is_synthetic, official_source_reference from candidate.claims "
            "where claim_id in ('press-004-01', 'press-004-02')"
        ).fetchall()
    }
    budget, change = rows["press-004-01"], rows["press-004-02"]
    assert budget[:7] == (
        "different_basis",
        Decimal("390464792027.8300"),
        Decimal("-3535207972.1700"),
        "education_budget_executed_kzt",
        "plan",
        "execution",
        "Ministry of Finance, Statistical Bulletin",
    )
    assert change[:7] == (
        "different_basis",
        Decimal("75780940606.0700"),
        Decimal("-2219059393.9300"),
        "education_budget_executed_change_kzt",
        "plan",
        "execution",
        "Ministry of Finance, Statistical Bulletin",
    )
    assert budget[7] is False and change[7] is False
    assert "Almaty oblast without Zhetysu" in change[8] and "same borders" in change[8]


def test_the_budget_table_shows_plan_and_execution_side_by_side_with_their_sources(marts):
    row = one(
        marts,
        "select array[planned_kzt is not null, plan_is_synthetic, executed_is_synthetic, is_synthetic]::text, "
        "plan_source_name, executed_source_name, executed_kzt, borders from candidate.education_budget_annual "
        "where kato_code = '190000000' and year = 2023",
    )
    assert row == (
        "{t,t,f,t}",
        "synthetic generator (edu-wh synth)",
        "Ministry of Finance, Statistical Bulletin",
        Decimal("390464792027.83"),
        "almaty_oblast_after_split",
    )
    # before the split the bulletin's Almaty oblast includes today's Zhetysu, and says so
    assert (
        one(
            marts, "select borders from candidate.education_budget_annual where kato_code = '190000000' and year = 2021"
        )
        == "almaty_oblast_with_zhetysu"
    )


def test_claims_about_the_same_figure_stay_separate(marts):
    # the city's Comfortable School target appears as two claims (schools, places) of one article;
    # neither replaces the other, and each keeps its document and language
    rows = marts.execute(
        "select claim_id, indicator_code, value, source_document, language from candidate.claims "
        "where kato_code = '750000000' and indicator_code like 'comfortable_school%' order by claim_id"
    ).fetchall()
    assert [(r[0], r[1], int(r[2])) for r in rows] == [
        ("press-003-02", "comfortable_school_schools", 22),
        ("press-003-03", "comfortable_school_places", 37000),
    ]
    assert {(r[3], r[4]) for r in rows} == {("003_97ac62daf8c75279.txt", "ru")}


# --- comparable series --------------------------------------------------------------------------------


def test_current_borders_move_whole_districts_exactly(marts):
    # NEDB 2021/22: the as-published Almaty oblast = today's Almaty oblast + today's Zhetysu
    rows = dict(
        marts.execute(
            "select kato_code || ' ' || territory_basis, pupils_total from candidate.school_capacity "
            "where academic_year = '2021/22' and aggregation_level = 'region' "
            "and kato_code in ('190000000', '330000000')"
        ).fetchall()
    )
    assert rows["190000000 as_published"] == rows["190000000 current_borders"] + rows["330000000 current_borders"]
    # Taldykorgan's schools (191000000 until 2022) are in 331000000, Kapchagay's (191600000) in Konaev
    taldykorgan = one(
        marts,
        "select count(*) from candidate.schools where academic_year = '2021/22' and kato_code = '191000000' "
        "and current_kato_code = '331000000' and current_region_kato_code = '330000000'",
    )
    kapchagay = one(
        marts,
        "select count(*) from candidate.schools where academic_year = '2021/22' and kato_code = '191600000' "
        "and current_kato_code = '191000000'",
    )
    assert taldykorgan > 0 and kapchagay > 0
    names = dict(
        marts.execute(
            "select territory_basis, territory_name_ru from candidate.school_capacity "
            "where academic_year = '2021/22' and kato_code = '191000000'"
        ).fetchall()
    )
    assert names == {"as_published": "Талдыкорган Г.А.", "current_borders": "Конаев Г.А."}


def test_region_level_budget_before_the_split_is_apportioned_by_the_school_ratio(marts):
    rows = dict(
        marts.execute(
            "select kato_code || ' ' || territory_basis, sum(plan_kzt) from candidate.education_budget "
            "where year = 2021 group by 1"
        ).fetchall()
    )
    published = rows["190000000 as_published"]
    assert rows["190000000 current_borders"] == pytest.approx(published * Decimal("0.570726"), abs=1)
    assert rows["190000000 current_borders"] + rows["330000000 current_borders"] == pytest.approx(published, abs=1)
    # from 2022 on (31 December after the split) both bases are the same
    assert (
        one(
            marts,
            "select count(*) from candidate.education_budget where year = 2022 and territory_basis = 'current_borders' "
            "and kato_code = '330000000'",
        )
        == 0
    )


def test_every_territory_year_measure_exists_on_both_bases(marts):
    for table, period in [
        ("school_counts", "academic_year"),
        ("education_budget", "year"),
        ("free_meals", "academic_year"),
        ("pupil_transport", "year"),
        ("comfortable_school", "year"),
        ("school_capacity", "academic_year"),
        ("scorecard", "year"),
    ]:
        missing = marts.execute(
            f"select kato_code, {period} from candidate.{table} where territory_basis = 'as_published' "
            f"and kato_code in ('190000000', '750000000') except select kato_code, {period} "
            f"from candidate.{table} where territory_basis = 'current_borders'"
        ).fetchall()
        assert missing == [], f"{table}: no current-borders row for {missing}"


def test_district_rows_add_up_to_their_region(marts):
    for table, measure, period in [
        ("free_meals", "pupils_served", "academic_year"),
        ("school_capacity", "place_deficit", "academic_year"),
        ("pupil_transport", "pupils_transported", "year"),
        ("comfortable_school", "places_finished", "year"),
    ]:
        wrong = marts.execute(
            f"""
            select d.region_kato_code, d.{period}, d.territory_basis, sum(d.{measure}), max(r.{measure})
            from candidate.{table} as d
            join candidate.{table} as r
              on r.kato_code = d.region_kato_code and r.{period} = d.{period}
             and r.territory_basis = d.territory_basis and r.aggregation_level = 'region'
            where d.aggregation_level = 'district'
            group by 1, 2, 3
            having sum(d.{measure}) is distinct from max(r.{measure})
            """
        ).fetchall()
        assert wrong == [], f"{table}.{measure}: {wrong[:3]}"


def test_scorecard_totals_are_the_sums_of_the_facts(marts):
    wrong = marts.execute(
        """
        select s.kato_code, s.year, s.territory_basis
        from candidate.scorecard as s
        join (
            select kato_code, year, territory_basis, sum(plan_kzt) as plan_kzt
            from candidate.education_budget group by 1, 2, 3
        ) as b using (kato_code, year, territory_basis)
        where abs(s.education_budget_plan_kzt - b.plan_kzt) > 1
        """
    ).fetchall()
    assert wrong == []
    row = one(
        marts,
        "select pupils_total, education_budget_per_pupil_kzt, education_budget_plan_kzt, place_deficit, "
        "free_meals_coverage_percent from candidate.scorecard "
        "where kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'",
    )
    pupils, per_pupil, plan, deficit, coverage = row
    assert per_pupil == round(plan / pupils, 2)
    assert deficit == one(
        marts,
        "select sum(place_shortage) from candidate.schools where academic_year = '2023/24' "
        "and region_kato_code = '190000000'",
    )
    assert coverage == one(
        marts,
        "select coverage_percent from candidate.free_meals where kato_code = '190000000' "
        "and academic_year = '2023/24' and territory_basis = 'as_published'",
    )


# --- incremental marts --------------------------------------------------------------------------------


def test_the_incremental_run_equals_a_full_refresh(marts_world):
    incremental, full = marts_world.snapshots["incremental"], marts_world.snapshots["full_refresh"]
    for table in incremental:
        assert len(incremental[table]) == len(full[table]) > 0, table
        assert incremental[table] == full[table], table
    # the run did bring in the held-back data
    years = {row[1] for row in full["marts.fct_school_years"]}
    months = {(row[1], row[2]) for row in full["marts.fct_education_budget_monthly"]}
    assert "2024/25" in years and (2024, 12) in months


def test_the_incremental_run_touched_only_the_new_batches(marts_world):
    before, after = marts_world.row_versions["before"], marts_world.row_versions["after"]
    schools_before, schools_after = before["fct_school_years"], after["fct_school_years"]
    assert not any(key.endswith("2024/25") for key in schools_before)
    new = {key for key in schools_after if key not in schools_before}
    assert new and all(key.endswith("2024/25") for key in new)
    assert all(schools_after[key] == xmin for key, xmin in schools_before.items())  # old rows untouched
    budget_before, budget_after = before["fct_education_budget_monthly"], after["fct_education_budget_monthly"]
    new_budget = {key for key in budget_after if key not in budget_before}
    assert new_budget and all(" 2024 12 " in key for key in new_budget)
    assert all(budget_after[key] == xmin for key, xmin in budget_before.items())


def test_a_full_build_at_scale_1_takes_well_under_a_minute(marts_world):
    seconds = marts_world.seconds
    print(f"dbt build at scale 1: {seconds}")
    assert seconds["full_refresh_build"] < 60, seconds
    assert seconds["incremental_build"] < 60, seconds


def test_large_marts_have_their_indexes(marts):
    indexed = {
        (r[0], r[1])
        for r in marts.execute(
            "select tablename, indexdef from pg_indexes where schemaname in ('marts', 'candidate')"
        ).fetchall()
    }
    definitions = {table: [d for t, d in indexed if t == table] for table, _ in indexed}
    assert any("(bin, academic_year)" in d and "UNIQUE" in d for d in definitions["fct_school_years"])
    assert any("(current_kato_code, academic_year)" in d for d in definitions["fct_school_years"])
    assert any("(kato_code, year, month)" in d for d in definitions["fct_education_budget_monthly"])
    assert any("(kato_code, academic_year)" in d for d in definitions["schools"])


def test_the_headlines_show_the_seed_figures(marts):
    from publication.headlines import headline_figures

    figures = {f["key"]: f for f in headline_figures(marts, schema="candidate")}
    values = {key: f["value"] for key, f in figures.items()}
    assert values["education_budget_almaty_oblast_2023"] == 394_000_000_000
    assert values["education_budget_change_almaty_oblast_2023"] == 78_000_000_000
    assert values["free_meals_pupils_almaty_oblast_2023"] == 113_240
    assert values["free_meals_cost_almaty_oblast_2023"] == 4_529_000_000
    assert values["pupil_transport_cost_almaty_oblast_2023"] == 2_172_000_000
    assert values["buses_leased_almaty_oblast_2023"] == 36
    assert (values["comfortable_school_schools_almaty_oblast"], values["comfortable_school_places_almaty_oblast"]) == (
        53,
        68_200,
    )
    assert (values["comfortable_school_schools_almaty_city"], values["comfortable_school_places_almaty_city"]) == (
        22,
        37_000,
    )
    oblast_2021 = figures["schools_almaty_oblast_2021"]
    assert (
        oblast_2021["value"] == 800 and oblast_2021["note_en"] == "in today's borders: 457 (estimated by split ratio)"
    )
    assert oblast_2021["note_ru"] == "в текущих границах: 457 (оценка по доле при разделении)"
    budget = figures["education_budget_almaty_oblast_2023"]
    nbsp = "\u00a0"
    assert (budget["display_ru"], budget["display_kk"], budget["display_en"]) == (
        f"394{nbsp}млрд{nbsp}₸",
        f"394{nbsp}млрд{nbsp}теңге",
        f"394{nbsp}bn{nbsp}KZT",
    )
    assert (
        budget["exact_ru"] == f"394{nbsp}000{nbsp}000{nbsp}000{nbsp}₸"
        and budget["exact_en"] == f"394,000,000,000{nbsp}KZT"
    )
    # the generated plan is named as the generator's, never as the open-budgets report's, in each language
    assert budget["is_synthetic"] is True
    assert budget["source_ru"] == "синтетический генератор (edu-wh synth)" and budget["territory_kk"] == "Алматы облысы"
    # what was built is a figure of its own, next to what is in the programme
    finished = figures["comfortable_school_schools_finished_almaty_oblast"]
    assert finished["value"] <= values["comfortable_school_schools_almaty_oblast"] and "built" in finished["label_en"]
