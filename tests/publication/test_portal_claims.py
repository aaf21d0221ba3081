"""Claims against official figures, across two MinFin deliveries, and in the portal.

The scenario (``claims_scenario``): the five real press articles and the real MinFin series split in
two deliveries (editions 2013-2022, then 2023), a release after each. Answer keys from reading
``data/samples/minfin/local_budget_execution_education_2013-2023.csv`` (million tenge, cumulative, the
December edition is the year): Almaty oblast (ALM) 2023-12 390,464.79202783 and 2022-12 314,683.85142176
(both without Zhetysu, which left after the 2022-09 edition); Almaty city (ALA) 2023-12 420,141.00506447.
Claim press-004-01 says "394 млрд. теңге" (a plan) for 2023, press-004-02 "+78 млрд." on 2022.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal

import psycopg
import pytest

from tests.publication.browser import open_portal, serving
from tests.publication.claims_scenario import claims_releases, published

CODE_LABELS = "dbt_project/seeds/code_labels.csv"


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with claims_releases(template_db, tmp_path_factory.mktemp("claims")) as s:
        yield s


def _by(rows: list[dict], *key: str) -> dict:
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in rows}


def test_a_second_minfin_delivery_extends_the_series_and_re_evaluates_the_claims(scenario):
    before_claims = _by(scenario.before["claims"], "claim_id")
    before_annual = _by(scenario.before["education_budget_annual"], "kato_code", "year", "borders")
    after_claims = _by(published(scenario.url, "claims"), "claim_id")
    after_rows = published(scenario.url, "education_budget_annual")
    after_annual = _by(after_rows, "kato_code", "year", "borders")

    # two releases, each its own swap
    assert scenario.second > scenario.first
    # nothing duplicated: the grains are unique in the new release, and no claim appears twice
    assert len(after_annual) == len(after_rows)
    assert len(after_claims) == len(published(scenario.url, "claims")) == len(before_claims) > 40

    # the series is extended by 2023 (the second delivery), earlier years unchanged
    years_before = {(k[0], k[1]) for k in before_annual if k[0] in ("190000000", "750000000")}
    years_after = {(k[0], k[1]) for k in after_annual if k[0] in ("190000000", "750000000")}
    assert years_after - years_before == {("190000000", 2023), ("750000000", 2023)}
    assert max(y for _, y in years_before) == 2022
    for key, row in before_annual.items():
        assert after_annual[key]["executed_kzt"] == row["executed_kzt"], key
    oblast = next(r for k, r in after_annual.items() if k[:2] == ("190000000", 2023))
    city = next(r for k, r in after_annual.items() if k[:2] == ("750000000", 2023))
    assert oblast["executed_kzt"] == Decimal("390464792027.83")
    assert oblast["executed_change_kzt"] == Decimal("75780940606.07")
    assert city["executed_kzt"] == Decimal("420141005064.47")
    assert oblast["executed_is_synthetic"] is False

    # the budget claims had no official figure before 2023's editions arrived...
    for claim_id in ("press-004-01", "press-004-02"):
        assert before_claims[claim_id]["status"] == "no_official_figure", claim_id
        assert before_claims[claim_id]["official_value"] is None
    # ...and are re-evaluated in the next release: a plan claimed, the execution official
    budget, change = after_claims["press-004-01"], after_claims["press-004-02"]
    assert (budget["status"], budget["official_value"], budget["difference"]) == (
        "different_basis",
        Decimal("390464792027.8300"),
        Decimal("-3535207972.1700"),
    )
    assert (change["status"], change["official_value"], change["difference"]) == (
        "different_basis",
        Decimal("75780940606.0700"),
        Decimal("-2219059393.9300"),
    )
    assert budget["official_source"] == "Ministry of Finance, Statistical Bulletin"
    assert budget["official_is_synthetic"] is False and budget["is_synthetic"] is False
    # no other claim changed its verdict (the second delivery has only 2023 budget figures)
    changed = {c for c, r in after_claims.items() if r["status"] != before_claims[c]["status"]}
    assert changed == {"press-004-01", "press-004-02"}
    # the loaded batches of both deliveries are in the release's inputs
    with psycopg.connect(scenario.url) as conn:
        inputs = conn.execute(
            "select input_batches::text from meta.releases where release_id = %s", (scenario.second,)
        ).fetchone()[0]
    assert all(f'"batch_id": {b}' in inputs or f'"batch_id":{b}' in inputs for b in scenario.minfin_batches)


# --- the portal's view ---------------------------------------------------------------------------------

# Latin words a reader sees in the claims section (only identifiers in <code> are left out: file names,
# claim ids and the official source's verbatim locator)
LATIN_IN_CLAIMS_JS = """() => {
  const words = [];
  const root = document.getElementById('claims');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest('code')) continue;
    for (const m of n.textContent.matchAll(/[A-Za-z]{2,}/g)) words.push(m[0]);
  }
  return words;
}"""
#: proper names: the tool that generates synthetic data
PROPER = {"edu", "wh", "synth"}


def _labels(column: str) -> dict[str, dict[str, str]]:
    with open(CODE_LABELS, encoding="utf-8", newline="") as fh:
        return {
            r["code"]: {lang: r[f"label_{lang}"] for lang in ("kk", "ru", "en")}
            for r in csv.DictReader(fh)
            if r["table_name"] == "claims" and r["column_name"] == column
        }


@pytest.fixture(scope="module")
def served(scenario):
    with serving(scenario.folder(scenario.second)) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_portal_shows_the_warehouse_verdict_of_every_claim(browser, served, scenario, lang):
    with psycopg.connect(scenario.url) as conn:
        status = dict(conn.execute("select claim_id, status from published.claims").fetchall())
        names = conn.execute("select publisher, article_title from published.claims").fetchall()
    verdicts = _labels("status")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    open_portal(page, f"{served}/portal/index.html?lang={lang}")
    rows = page.locator("#claims-table tbody tr")
    shown = {
        r["id"]: r
        for r in rows.evaluate_all(
            "trs => trs.map(tr => ({id: tr.dataset.claimId, status: tr.querySelector('.verdict').dataset.status, "
            "text: tr.querySelector('.verdict').textContent}))"
        )
    }
    # every claim of published.claims, once, with its verdict as the warehouse decided it
    assert rows.count() == len(status) > 40
    assert {c: r["status"] for c, r in shown.items()} == status
    assert {c: r["text"] for c, r in shown.items()} == {c: verdicts[s][lang] for c, s in status.items()}
    assert Counter(status.values())["different_basis"] == 2
    # the 394 bn claim: written as people write it, exact value beside, the official figure and its difference
    row = page.locator('#claims-table tr[data-claim-id="press-004-01"]')
    text = row.inner_text()
    nbsp = "\u00a0"
    expected = {
        "kk": (f"394{nbsp}млрд{nbsp}теңге", f"390{nbsp}млрд{nbsp}теңге", f"390{nbsp}464{nbsp}792{nbsp}027,83"),
        "ru": (f"394{nbsp}млрд{nbsp}₸", f"390{nbsp}млрд{nbsp}₸", f"390{nbsp}464{nbsp}792{nbsp}027,83{nbsp}₸"),
        "en": (f"394{nbsp}bn{nbsp}KZT", f"390{nbsp}bn{nbsp}KZT", "390,464,792,027.83"),
    }[lang]
    for piece in expected:
        assert piece in text, (piece, text)
    assert expected[2] in row.locator(".figure-shown").nth(1).get_attribute("title")
    if lang != "en":
        allowed = PROPER | {w for n in names for v in n if v for w in re.findall(r"[A-Za-z]{2,}", v)}
        english = sorted(set(page.evaluate(LATIN_IN_CLAIMS_JS)) - allowed)
        assert english == [], f"{lang}: {' '.join(english)}"
    assert problems == []
    page.close()
