"""The portal's charts on a full release (every published table: the real samples and a synthetic
scale-1 drop through every ingest DAG and ``transform_publish``), in headless Chromium, in each
language at 320, 768, 1,100 and 1,600 px: charts that do not mislead.

* the 2022 split of Almaty oblast is marked on the budget chart, at the year it took effect, and the
  series keep one point per year (a year given as "2022" once put every point on the first year);
* no chart draws an empty series, and every series drawn has its points;
* every chart says its period and its territories;
* districts of Almaty city and Almaty oblast ranked together carry their region and a note says so;
* legends and break labels cover neither the plot nor the axis labels, and nothing is cut off.

The answer keys are read from ``published`` with SQL, not from the portal's code.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.publication.browser import open_portal, serving

WIDTHS = (320, 768, 1100, 1600)
ALMATY_OBLAST = "190000000"

CHARTS_JS = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; };
  const overlap = (a, b) => Math.max(0, Math.min(a.r, b.r) - Math.max(a.l, b.l)) * Math.max(0, Math.min(a.b, b.b) - Math.max(a.t, b.t));
  const centre = b => (b.l + b.r) / 2;
  return Array.from(document.querySelectorAll('.chart-card[data-available="true"]')).map(card => {
    const div = card.querySelector('.js-plotly-plot');
    const plot = box(div.querySelector('.draglayer .xy .nsewdrag'));
    const svg = box(div.querySelector('svg.main-svg'));
    const ticks = Array.from(div.querySelectorAll('.xtick text, .ytick text')).map(t => ({ text: t.textContent, box: box(t) }));
    const legends = Array.from(div.querySelectorAll('g.legend')).map(box);
    const lines = a => Array.from(a.querySelectorAll('tspan.line')).map(t => t.textContent).join(' ') || a.textContent;
    const notes = Array.from(div.querySelectorAll('.annotation')).map(a => ({ text: lines(a), box: box(a) }));
    // where each category sits on the x axis, in page pixels
    const xa = div._fullLayout.xaxis, left = svg.l + div._fullLayout._size.l;
    const positions = Object.fromEntries((xa._categories || []).map((c, i) => [c, left + xa.l2p(i)]));
    // the names of the categories as written beside their bars or points (a ranking is horizontal)
    const ranked = div._fullLayout.yaxis.type === 'category';
    const labels = Array.from(div.querySelectorAll(ranked ? '.ytick text' : '.xtick text')).map(t => t.textContent);
    const categories = (ranked ? div._fullLayout.yaxis : xa)._categories || [];
    const dashed = Array.from(div.querySelectorAll('.shapelayer path'))
      .filter(p => (p.style.strokeDasharray || p.getAttribute('stroke-dasharray') || '') !== '').map(box);
    return {
      key: card.id.replace('chart-card-', ''),
      subtitle: (card.querySelector('.chart-subtitle') || {}).innerText || '',
      notes: Array.from(card.querySelectorAll('.chart-note')).map(n => n.innerText),
      series: (div.data || []).map(t => ({
        visible: t.visible === undefined ? true : t.visible,
        points: (t.y || []).filter(v => v !== null && v !== undefined).length,
      })),
      // each drawn line trace: the distinct horizontal positions of its markers
      positions: Array.from(div.querySelectorAll('.scatterlayer .trace')).map(g =>
        new Set(Array.from(g.querySelectorAll('path.point')).map(p => Math.round(box(p).l))).size),
      bars: Array.from(div.querySelectorAll('.barlayer .trace')).map(g => g.querySelectorAll('path').length),
      labels: labels,
      categories: categories.length,
      categoryAt: positions,
      breaks: dashed.map(centre),
      breakLabels: notes.map(n => n.text),
      legendOverPlot: legends.reduce((s, l) => s + overlap(l, plot), 0),
      legendOverTicks: legends.reduce((s, l) => s + ticks.reduce((t, k) => t + overlap(l, k.box), 0), 0),
      labelsOverTicks: notes.reduce((s, n) => s + ticks.reduce((t, k) => t + overlap(n.box, k.box), 0), 0),
      cut: notes.concat(ticks, Array.from(div.querySelectorAll('.g-xtitle text, .g-ytitle text')).map(e => ({ text: e.textContent, box: box(e) })))
        .filter(n => n.box.l < svg.l - 1 || n.box.r > svg.r + 1 || n.box.t < svg.t - 1).map(n => n.text),
    };
  });
}"""


@pytest.fixture(scope="module")
def full_release(released_db):
    """The full release's files, exported from the released warehouse, and the answer keys from SQL."""
    from publication.release_files import export_release

    with pytest.MonkeyPatch.context() as mp:
        for key, value in released_db.items():
            mp.setenv(key, value)
        folder = export_release()
    with psycopg.connect(released_db["EDU_WH_DATABASE_URL"]) as conn:
        names = {
            code: {"kk": kk, "ru": ru, "en": en}
            for code, kk, ru, en in conn.execute(
                "select distinct on (kato_code) kato_code, name_kk, name_ru, name_en from published.territories "
                "order by kato_code, valid_from desc"
            ).fetchall()
        }
        split = conn.execute(
            "select valid_from from published.territories where kato_code = %s order by valid_from offset 1 limit 1",
            (ALMATY_OBLAST,),
        ).fetchone()[0]
        budget_years = conn.execute(
            "select min(year), max(year), count(distinct year) from published.education_budget "
            "where territory_basis = 'as_published' and kato_code = %s",
            (ALMATY_OBLAST,),
        ).fetchone()
        latest = conn.execute(
            "select max(academic_year) from published.school_capacity where territory_basis = 'as_published'"
        ).fetchone()[0]
        deficit_regions = {
            r[0]
            for r in conn.execute(
                "select distinct region_kato_code from published.school_capacity where academic_year = %s "
                "and territory_basis = 'as_published' and aggregation_level = 'district' and place_deficit > 0",
                (latest,),
            ).fetchall()
        }
    with serving(folder) as url:
        yield {
            "url": url,
            "names": names,
            "split": split,
            "budget_years": budget_years,
            "latest": latest,
            "deficit_regions": deficit_regions,
        }


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_charts_do_not_mislead_in_every_language_at_every_width(browser, full_release, lang):
    names = {code: n[lang] for code, n in full_release["names"].items()}
    first_year, last_year, years = full_release["budget_years"]
    split = full_release["split"]
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        open_portal(page, f"{full_release['url']}/portal/index.html?lang={lang}")
        page.wait_for_selector("#chart-budget svg.main-svg")
        charts = {c["key"]: c for c in page.evaluate(CHARTS_JS)}
        page.close()
        where = f"{lang} at {width}px"
        assert errors == [], where
        # a full release draws every chart
        assert {"budget", "free_meals", "comfortable_school", "place_deficit", "schools"} <= set(charts), where
        for key, c in charts.items():
            # never an empty series, and every series drawn has its points
            assert c["series"] and all(s["points"] > 0 for s in c["series"]), (where, key, c["series"])
            # the period and the territories
            assert any(str(y) in c["subtitle"] for y in range(1990, 2040)), (where, key, c["subtitle"])
            assert any(n and n in c["subtitle"] for n in names.values()), (where, key, c["subtitle"])
            # legends and labels over nothing, nothing cut off
            assert c["legendOverPlot"] == 0 and c["legendOverTicks"] == 0, (where, key)
            assert c["labelsOverTicks"] == 0 and c["cut"] == [], (where, key, c["cut"])
        # the budget chart: its years, one point per year, and the 2022 split at the year it took effect
        budget = charts["budget"]
        assert f"{first_year}–{last_year}" in budget["subtitle"], where
        assert budget["positions"] and all(p == years for p in budget["positions"]), (where, budget["positions"])
        assert len(budget["breaks"]) == 1, where
        assert abs(budget["breaks"][0] - budget["categoryAt"][str(split.year)]) < 3, (where, budget["categoryAt"])
        label = " ".join(budget["breakLabels"])
        assert split.strftime("%d.%m.%Y") in label and names[ALMATY_OBLAST] in label.replace("  ", " "), (where, label)
        assert budget["notes"], where  # what the line means, in words
        # districts of several regions ranked together: each carries its region, and a note names them
        deficit = charts["place_deficit"]
        assert full_release["latest"] in deficit["subtitle"], where
        assert len(full_release["deficit_regions"]) > 1  # the release does mix them
        regions = [names[r] for r in sorted(full_release["deficit_regions"])]
        assert deficit["labels"] and len(deficit["labels"]) == deficit["categories"], where  # every bar named
        assert all(any(t.endswith(f"({r})") for r in regions) for t in deficit["labels"]), (where, deficit["labels"])
        assert any(all(r in n for r in regions) for n in deficit["notes"]), (where, deficit["notes"])
