"""The release portal: what it computes from a release, and the page in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from publication.contract import ColumnSpec, TableSpec
from publication.portal.builder import match_claims
from publication.snapshot import ReleaseSnapshot, TableData
from tests.publication.browser import open_portal, serving
from tests.publication.release_scenario import EXTRA_TABLE, two_releases


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("portal")) as s:
        yield s


def page_data(folder: Path) -> dict:
    html = (folder / "portal" / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script id="release-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_charts_are_drawn_only_for_tables_in_the_release(scenario):
    data = page_data(scenario.folder(scenario.second))
    charts = {c["key"]: c for c in data["charts"]}
    for key in ("budget", "free_meals", "comfortable_school", "place_deficit"):
        assert charts[key]["available"] is False and charts[key]["reason"] == "not_in_release"
    schools = charts["schools"]
    assert schools["available"] and schools["filters"] == {
        "population_type": "total",
        "territory_basis": "as_published",
    }
    city = next(t for t in schools["traces"] if t["name"]["en"] == "Almaty city")
    assert city["visible"] is True and city["y"][city["x"].index("2022/23")] == 340
    assert city["name"]["kk"] == "Алматы қаласы"
    oblast = next(t for t in schools["traces"] if t["name"]["ru"] == "Алматинская область")
    assert oblast["y"][oblast["x"].index("2021/22")] == 800
    hidden = [t for t in schools["traces"] if t["visible"] == "legendonly"]
    assert hidden and all(t["name"]["en"] not in ("Almaty city", "Almaty Region") for t in hidden)
    # a new table's own chart, declared in its model's meta, is drawn without any code naming it
    spending = charts["test_spending"]
    assert spending["available"] and spending["synthetic"] is True
    assert spending["titles"]["ru"] == "Тестовые расходы"
    assert {t["name"]["en"]: t["y"] for t in spending["traces"]}["Almaty city"] == [1234567.5, -1500.25]


def test_measures_by_territory_and_year_and_synthetic_marks(scenario):
    data = page_data(scenario.folder(scenario.second))
    measures = {t["table"]: t for t in data["measures"]["tables"]}
    assert data["measures"]["territories"][0]["code"] == "750000000"
    assert measures["school_counts"]["values"]["190000000"]["2022/23"] == {"schools_count": 464}
    assert measures["school_counts"]["measures"][0]["unit"] == {"kk": "бірлік", "ru": "единиц", "en": "number"}
    assert measures[EXTRA_TABLE]["values"]["750000000"]["2023"] == {"amount_kzt": -1500.25, "change_share": -0.031}
    assert measures[EXTRA_TABLE]["synthetic"] == {"190000000": {"2023": True}}
    assert data["release"]["is_synthetic"] is True
    assert next(t for t in data["tables"] if t["name"] == EXTRA_TABLE)["synthetic_rows"] == 1


def test_quality_and_changes_are_in_the_page(scenario):
    import psycopg

    data = page_data(scenario.folder(scenario.second))
    with psycopg.connect(scenario.url) as conn:
        gate_run_id, n = conn.execute(
            "select r.gate_run_id, (select count(*) from meta.gate_results g where g.gate_run_id = r.gate_run_id) "
            "from meta.releases r where release_id = %s",
            (scenario.second,),
        ).fetchone()
    assert data["quality"]["gate_run_id"] == gate_run_id
    assert data["quality"]["total"] == n == data["quality"]["passed"] and data["quality"]["critical"] == 0
    assert data["changes"]["previous_release_id"] == scenario.first
    assert data["claims_present"] is False


def _snapshot_with_claims(claims: list[tuple]) -> ReleaseSnapshot:
    cols = [
        "claim_id",
        "quote",
        "value",
        "unit",
        "kato_code",
        "indicator_code",
        "period",
        "source_document",
        "status",
        "difference",
    ]
    spec = TableSpec("claims", "pub_claims", "model.x", "", ("claim_id",), "", "", "",
                     tuple(ColumnSpec(c, "text", "", "", "") for c in cols))  # fmt: skip
    headline = {"key": "schools_almaty_oblast_2022", "label_kk": "", "label_ru": "", "label_en": "", "value": 464,
                "display": "464 schools", "unit": "schools", "source": "BNS", "kato_code": "190000000",
                "period": "2022/23", "claim_keys": ["schools_count"], "is_synthetic": False}  # fmt: skip
    return ReleaseSnapshot(
        release={"release_id": 9}, schema="published", tables={"claims": TableData("claims", spec, claims)},
        read_at=None, headlines=[headline],
    )  # fmt: skip


def test_press_claims_are_listed_under_headline_figures_with_the_warehouse_verdict():
    # the verdict and the difference are the warehouse's (published.claims), never recomputed: "500"
    # against 464 is shown as 'confirmed' here because the table says so
    snapshot = _snapshot_with_claims(
        [
            ("c1", "464 мектеп", 464, "schools", "190000000", "schools_count", "2022/23", "004.txt", "differs", 3),
            ("c2", "500-ге жуық", 500, "schools", "190000000", "schools_count", "2022/23", "005.txt", "confirmed", -36),
            ("c3", "460 мектеп", 460, "schools", "750000000", "schools_count", "2022/23", "006.txt", "differs", 4),
            ("c4", "бюджет", 394e9, "kzt", "190000000", "education_budget_kzt", "2023", "004.txt", "differs", 1),
        ]
    )
    present, headlines = match_claims(snapshot)
    assert present is True
    claims = headlines[0]["claims"]
    assert [(c["source"], c["verdict"], c["difference"]) for c in claims] == [
        ("004.txt", "differs", 3),
        ("005.txt", "confirmed", -36),
    ]


@pytest.fixture
def served(scenario):
    with serving(scenario.folder(scenario.second)) as url:
        yield url


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    open_portal(page, url)
    return page, problems


@pytest.mark.browser
def test_the_portal_in_chromium(browser, served, tmp_path):
    page, problems = _open(browser, served + "/")
    assert page.url == served + "/portal/index.html"
    page.wait_for_selector("#chart-schools svg.main-svg")

    # Kazakh by default; the switch changes interface labels, data labels and chart titles
    assert page.locator("h1").inner_text() == "Білім беру статистикасы: Алматы қаласы және Алматы облысы"
    assert page.locator("#chart-card-schools h3").inner_text() == "Өңірлер бойынша мектептер саны, жылдар бойынша"
    assert page.locator("#chart-card-budget .not-in-release").inner_text() == "Бұл шығарылымда жоқ"
    assert "Мектептер саны (бірлік)" in page.locator("#table-school_counts thead").text_content()
    page.screenshot(path=str(tmp_path / "portal-kk.png"), full_page=True)

    page.click("button[data-lang=ru]")
    assert page.locator("h1").inner_text() == "Статистика образования: город Алматы и Алматинская область"
    assert page.locator("#chart-card-schools h3").inner_text() == "Число школ по регионам и годам"
    assert page.locator("#chart-card-budget .not-in-release").inner_text() == "Нет в этом выпуске"
    assert page.locator("#quality h2").inner_text() == "Отчёт о качестве"
    assert "Число школ (единиц)" in page.locator("#table-school_counts thead").text_content()
    legend = page.locator("#chart-schools .legend").text_content()
    assert "город Алматы" in legend and "Алматинская область" in legend
    assert page.locator("#synthetic-banner").inner_text().startswith("Внимание: в этом выпуске есть синтетические")
    page.screenshot(path=str(tmp_path / "portal-ru.png"), full_page=True)

    page.click("button[data-lang=en]")
    assert page.locator("h1").inner_text() == "Education statistics: Almaty city and Almaty oblast"

    # charts render as Plotly SVG: schools by region, and the new table's declared chart
    for key in ("schools", "test_spending"):
        assert page.locator(f"#chart-{key} svg.main-svg").count() > 0
        assert page.locator(f"#chart-{key} .scatterlayer .trace").count() > 0
    assert page.locator(".chart-card.unavailable").count() == 4

    # the measure cards follow the territory and year chosen
    page.select_option("#measure-territory", "190000000")
    page.select_option("#measure-year", "2021/22")
    assert page.locator('.card.measure[data-column="schools_count"] .card-value').inner_text().startswith("800")

    # every download link resolves to a non-empty file
    links = page.eval_on_selector_all("a[data-download]", "els => els.map(e => e.href)")
    assert len(links) >= 8 + 3 * 3
    for link in sorted(set(links)):
        with urllib.request.urlopen(link, timeout=10) as resp:
            assert resp.status == 200 and len(resp.read()) > 0, link
    assert problems == []
    page.screenshot(path=str(tmp_path / "portal-en.png"), full_page=True)
    assert (tmp_path / "portal-kk.png").stat().st_size > 50_000
    print(f"screenshots: {tmp_path}")


@pytest.mark.browser
def test_the_portal_opens_from_a_file_without_a_server(browser, scenario, tmp_path):
    folder = tmp_path / "copied"
    shutil.copytree(scenario.folder(scenario.second), folder)  # anywhere: nothing points outside the folder
    page, problems = _open(browser, (folder / "portal" / "index.html").as_uri() + "?lang=ru")
    page.wait_for_selector("#chart-schools svg.main-svg")
    assert page.locator("h1").inner_text() == "Статистика образования: город Алматы и Алматинская область"
    assert page.locator("#headline-cards .card").count() == 3
    assert problems == []


# --- charts of tables other areas are adding, found by their columns ------------------------------------


def _table(name: str, columns: list[tuple[str, str, str | None]], rows: list[tuple], grain: tuple) -> TableData:
    cols = tuple(ColumnSpec(c, t, c, c, c, unit=u) for c, t, u in columns)
    return TableData(name, TableSpec(name, f"pub_{name}", "", "", grain, name, name, name, cols), rows)


def _charts(*tables: TableData) -> dict:
    from publication.portal.charts import build_charts

    territories = _table(
        "territories",
        [("kato_code", "text", None), ("name_kk", "text", None), ("name_ru", "text", None), ("name_en", "text", None)],
        [("750000000", "Алматы қаласы", "город Алматы", "Almaty city"),
         ("751210000", "Алатау ауданы", "Алатауский район", "Alatau district"),
         ("751810000", "Наурызбай ауданы", "Наурызбайский район", "Nauryzbay district")],
        ("kato_code",),
    )  # fmt: skip
    snapshot = ReleaseSnapshot({"release_id": 1}, "published", {t.name: t for t in (territories, *tables)}, None)
    return {c["key"]: c for c in build_charts(snapshot)}


def test_monthly_cumulative_budget_reports_chart_the_last_report_of_each_year():
    budget = _table(
        "education_budget",
        [("kato_code", "text", None), ("year", "integer", None), ("month", "integer", None),
         ("plan_kzt", "numeric", "kzt"), ("executed_kzt", "numeric", "kzt")],
        [("750000000", 2022, 6, 900, 400), ("750000000", 2022, 12, 1000, 950),
         ("750000000", 2023, 3, 1200, 300), ("750000000", 2023, 9, 1200, 800)],
        ("kato_code", "year", "month"),
    )  # fmt: skip
    chart = _charts(budget)["budget"]
    assert chart["available"] and chart["filters"] == {"month": "latest"}
    (trace,) = chart["traces"]
    assert (trace["name"]["ru"], trace["x"], trace["y"]) == ("город Алматы", ["2022", "2023"], [950, 800])


def test_comfortable_school_projects_stack_places_by_status_per_district():
    projects = _table(
        "comfortable_school",
        [("project_id", "text", None), ("kato_code", "text", None), ("places", "integer", "places"),
         ("current_status", "text", None), ("target_year", "integer", None)],
        [("p1", "751210000", 1200, "finished", 2024), ("p2", "751210000", 900, "under_construction", 2025),
         ("p3", "751810000", 600, "finished", 2024)],
        ("project_id",),
    )  # fmt: skip
    chart = _charts(projects)["comfortable_school"]
    assert chart["available"]
    by_status = {t["name"]["en"]: t for t in chart["traces"]}
    assert by_status["finished"]["x_by_lang"]["en"] == ["Alatau district", "Nauryzbay district"]
    assert by_status["finished"]["y"] == [1200, 600] and by_status["under_construction"]["y"] == [900, None]


def test_place_deficit_is_derived_from_pupils_and_capacity_for_the_latest_year():
    capacity = _table(
        "school_capacity",
        [("school_id", "text", None), ("kato_code", "text", None), ("year", "integer", None),
         ("pupils_count", "integer", "pupils"), ("design_capacity", "integer", "places")],
        [("s1", "751210000", 2023, 1500, 1000), ("s2", "751210000", 2023, 800, 900),
         ("s3", "751810000", 2023, 1300, 1200), ("s1", "751210000", 2022, 9000, 1000)],
        ("school_id", "year"),
    )  # fmt: skip
    chart = _charts(capacity)["place_deficit"]
    assert chart["filters"] == {"year": "2023"}
    (trace,) = chart["traces"]
    assert trace["x_by_lang"]["ru"] == ["Алатауский район", "Наурызбайский район"] and trace["y"] == [500.0, 100.0]


def test_a_table_without_the_columns_a_chart_needs_says_so():
    odd = _table("free_meals", [("kato_code", "text", None), ("note", "text", None)], [("750000000", "x")], ())
    chart = _charts(odd)["free_meals"]
    assert chart["available"] is False and chart["reason"] == "columns_missing"
    assert "year" in chart["columns"]


# --- measures by territory and year: what may be added up -----------------------------------------------


def test_a_territory_year_sums_counts_and_tenge_but_never_months_ratios_or_costs_per_pupil():
    # Given: Almaty oblast's 2023 budget as 14 programmes, each with its December report (month 12),
    # an execution % and a cost per pupil per row
    from publication.portal.builder import build_measures
    from publication.portal.charts import Territories

    budget = _table(
        "education_budget",
        [("kato_code", "text", None), ("year", "integer", None), ("program_key", "text", None),
         ("last_month", "integer", None), ("plan_kzt", "numeric", "kzt"),
         ("execution_percent", "numeric", "percent"), ("cost_per_pupil_kzt", "numeric", "kzt_per_pupil")],
        [("190000000", 2023, f"04-02-261-{n:03d}", 12, 1_000_000 * n, 90 + n / 10, 100 + n) for n in range(1, 15)],
        ("kato_code", "year", "program_key"),
    )  # fmt: skip
    snapshot = ReleaseSnapshot({"release_id": 1}, "published", {"education_budget": budget}, None)
    # When: the portal's territory panel combines the rows of the oblast and the year
    (table,) = build_measures(snapshot, Territories(snapshot))["tables"]
    cell = table["values"]["190000000"]["2023"]
    # Then: the plan is the sum of the programmes' plans (1 + 2 + ... + 14 million = 105 million), the last
    # reporting month is 12 (not 14 × 12 = 168), and neither a percent nor a cost per pupil is added up
    assert cell == {"plan_kzt": 105_000_000, "last_month": 12}


def test_a_declared_aggregate_wins_and_a_month_that_differs_between_rows_is_not_shown_as_a_sum():
    from publication.portal.builder import build_measures
    from publication.portal.charts import Territories

    cols = (
        ColumnSpec("kato_code", "text", "", "", ""),
        ColumnSpec("year", "integer", "", "", ""),
        ColumnSpec("program_key", "text", "", "", ""),
        ColumnSpec("last_month", "integer", "", "", "", aggregate="min"),
        ColumnSpec("closing_month", "integer", "", "", ""),
    )
    spec = TableSpec("budget", "pub_budget", "", "", ("kato_code", "year", "program_key"), "b", "b", "b", cols)
    rows = [("750000000", 2024, "a", 5, 5), ("750000000", 2024, "b", 4, 4)]
    snapshot = ReleaseSnapshot({"release_id": 1}, "published", {"budget": TableData("budget", spec, rows)}, None)
    (table,) = build_measures(snapshot, Territories(snapshot))["tables"]
    # min of 5 and 4 is the month every programme has reached; an undeclared month that differs is left out,
    # never added up
    assert table["values"]["750000000"]["2024"] == {"last_month": 4}


def test_every_published_measure_without_an_additive_unit_is_never_summed(dbt_manifest):
    # Given: the real contract; When: each measure column says how it combines; Then: only counts and
    # tenge are summed, and a column without a unit (a month, a coordinate, a claimed value) never is
    from publication.contract import ADDITIVE_UNITS, published_models

    summed_without_unit = [
        f"{t.name}.{c.name}"
        for t in published_models(json.loads(Path(dbt_manifest).read_text())).values()
        for c in t.columns
        if c.is_measure and c.combine == "sum" and c.unit not in ADDITIVE_UNITS
    ]
    assert summed_without_unit == []
    spec = published_models(json.loads(Path(dbt_manifest).read_text()))["education_budget"]
    assert spec.column("last_month").combine == "min"
    assert spec.column("execution_percent").combine == "none"
