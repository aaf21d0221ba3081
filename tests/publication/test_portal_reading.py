"""The portal as a reader sees it in headless Chromium: each language at 320, 768, 1,100 and 1,600 px,
no English word in Kazakh or Russian mode outside proper names and codes, nothing wider than its
card or the window, and the figures of ``published`` written as people write them."""

from __future__ import annotations

import psycopg
import pytest

from tests.publication.browser import open_portal, serving
from tests.publication.release_scenario import two_releases

WIDTHS = (320, 768, 1100, 1600)
NBSP = "\u00a0"
# proper names, file formats and units that stay Latin in every language
PROPER = {
    "English",
    "CSV",
    "XLSX",
    "JSON",
    "Parquet",
    "Markdown",
    "HTML",
    "SHA",
    "UTC",
    "KB",
    "MB",
    "dbt",
    "docs",
    "Excel",
    "README",
}

# every element wider than the window or than its own box; tables scroll inside .scroll on purpose
OVERFLOW_JS = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push(`page ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  const name = e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : ''}`;
  document.querySelectorAll('body *').forEach(e => {
    if ((e.parentElement && e.parentElement.closest('.scroll')) || e.closest('noscript, script') || (e.parentElement && e.parentElement.closest('svg'))) return;
    const box = e.getBoundingClientRect();
    if (box.width && box.right > window.innerWidth + 1) out.push(`${name(e)} ends at ${Math.round(box.right)}`);
    else if (e.matches('.card, .chart-card, .table-card') && e.scrollWidth > e.clientWidth + 1)
      out.push(`${name(e)} content ${e.scrollWidth} > ${e.clientWidth}`);
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest('.scroll, noscript, script, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    if (box.width && box.right > window.innerWidth + 1)
      out.push(`text "${n.textContent.trim().slice(0, 40)}" in ${name(parent)} ends at ${Math.round(box.right)}`);
  }
  return out.slice(0, 12);
}"""

# Latin words a reader sees: text nodes and chart texts, leaving out code (identifiers, file names),
# the data preview (values as stored, e.g. name_en) and links to files
LATIN_WORDS_JS = """() => {
  const words = [];
  const skip = n => n.parentElement && n.parentElement.closest('code, script, style, noscript, tbody, a.download, .modebar');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (skip(n)) continue;
    const style = n.parentElement && getComputedStyle(n.parentElement);
    if (style && (style.display === 'none' || style.visibility === 'hidden')) continue;
    const text = n.textContent.replace(/[\\w.-]+\\.(json|csv|xlsx|md|html|parquet)\\b/g, " ");  // file names
    for (const m of text.matchAll(/[A-Za-z]{2,}/g)) words.push(m[0]);
  }
  return words;
}"""


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("reading")) as s:
        yield s


@pytest.fixture(scope="module")
def served(scenario):
    with serving(scenario.folder(scenario.second)) as url:
        yield url


def _page(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    open_portal(page, url)
    page.wait_for_selector("#chart-schools svg.main-svg")
    return page, problems


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_every_language_at_every_width_reads_without_english_or_overflow(browser, served, lang):
    for width in WIDTHS:
        page, problems = _page(browser, f"{served}/portal/index.html?lang={lang}", width)
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow == [], (lang, width, overflow)
        if lang != "en":
            english = sorted(set(page.evaluate(LATIN_WORDS_JS)) - PROPER)
            assert english == [], f"{lang} {width}: {' '.join(english)}"
        assert problems == [], (lang, width)
        page.close()


@pytest.mark.browser
def test_the_figures_of_published_are_shown_as_written_with_the_exact_value(browser, served, scenario):
    with psycopg.connect(scenario.url) as conn:
        city = conn.execute(
            "select schools_count from published.school_counts where kato_code = '750000000' "
            "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'"
        ).fetchone()[0]
    page, problems = _page(browser, f"{served}/portal/index.html?lang=ru", 1100)
    card = page.locator('.card.headline[data-key="schools_almaty_city_2022"]')
    assert card.locator(".card-value").inner_text() == str(city)
    context = card.locator(".card-context").inner_text()
    assert context == "2022/23 · город Алматы · в границах того времени"
    assert card.locator(".card-source").inner_text().startswith("Источник: динамическая таблица БНС")
    # the Kazakh page says the same about the same figure
    page.click("button[data-lang=kk]")
    assert card.locator(".card-context").inner_text() == "2022/23 · Алматы қаласы · сол кездегі шекарада"
    # the schools chart says its years, its territories and its basis, and marks the 2022 split
    page.click("button[data-lang=ru]")
    subtitle = page.locator("#chart-card-schools .chart-subtitle").inner_text()
    # the years of the BNS file (number_of_schools_by_region_2000-2023_ru.xlsx), the regions drawn, the basis
    assert subtitle == "2000/01–2023/24 · Алматинская область, область Жетісу, город Алматы · в границах того времени"
    assert "08.06.2022: изменились границы (Алматинская область)" in page.locator("#chart-schools").text_content()
    assert "нельзя" in page.locator("#chart-card-schools .chart-note").inner_text()
    # the test table's money: short on the card, exact beside it
    page.select_option("#measure-territory", "750000000")
    page.select_option("#measure-year", "2023")
    money = page.locator('.card.measure[data-column="amount_kzt"]')
    assert money.locator(".card-value").inner_text() == f"−1{NBSP}500,25{NBSP}₸".replace("−", "-")
    assert problems == []
