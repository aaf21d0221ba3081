"""CHANGES.md / changes.json: rows added, changed and removed per table by grain, and headline moves."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.latin_words import latin_words
from tests.publication.release_scenario import CITY_CHANGE, EXTRA_TABLE, SCHOOLS, build_and_publish, two_releases

GRAIN = ["kato_code", "academic_year", "population_type", "territory_basis"]


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("changes")) as s:
        yield s


def sql_diff(url: str, previous: int, table: str, grain: list[str]) -> dict:
    """The same comparison, done independently in SQL between the archive and the published table."""
    on = " and ".join(f"a.{c} = p.{c}" for c in grain)
    with psycopg.connect(url) as conn:
        added = conn.execute(
            f"select count(*) from published.{table} p where not exists "
            f"(select 1 from archive_r{previous}.{table} a where {on})"
        ).fetchone()[0]
        removed = conn.execute(
            f"select count(*) from archive_r{previous}.{table} a where not exists "
            f"(select 1 from published.{table} p where {on})"
        ).fetchone()[0]
        changed = conn.execute(
            f"select count(*) from published.{table} p join archive_r{previous}.{table} a on {on} "
            "where row_to_json(p)::jsonb <> row_to_json(a)::jsonb"
        ).fetchone()[0]
    return {"added": added, "changed": changed, "removed": removed}


def test_changes_count_rows_by_grain_against_the_previous_release(scenario):
    changes = json.loads((scenario.folder(scenario.second) / "changes.json").read_text(encoding="utf-8"))
    assert changes["previous_release_id"] == scenario.first and changes["previous_kept"] is True
    tables = {t["table"]: t for t in changes["tables"]}
    counts = tables["school_counts"]
    assert counts["compared_by"] == GRAIN and counts["by_grain"] is True
    assert {k: counts[k] for k in ("added", "changed", "removed")} == sql_diff(
        scenario.url, scenario.first, "school_counts", GRAIN
    )
    assert (counts["added"], counts["removed"]) == (1, 1) and counts["changed"] > 1
    assert counts["changed_columns"]["schools_count"] == 1
    city = next(e for e in counts["examples_changed"] if e["key"]["kato_code"] == "750000000")
    assert city["changes"]["schools_count"]["after"] - city["changes"]["schools_count"]["before"] == CITY_CHANGE
    assert counts["examples_added"] == [dict(zip(GRAIN, ["750000000", "2023/24", "total", "as_published"]))]
    territories = tables["territories"]
    assert {k: territories[k] for k in ("added", "changed", "removed")} == {"added": 0, "changed": 1, "removed": 0}
    assert territories["changed_columns"] == {"name_en": 1}
    assert tables[EXTRA_TABLE]["status"] == "new" and tables[EXTRA_TABLE]["added"] == 4
    headlines = {h["key"]: h for h in changes["headlines"]}
    assert headlines["schools_almaty_city_2022"]["status"] == "changed"
    assert headlines["schools_almaty_city_2022"]["difference"] == CITY_CHANGE
    assert headlines["schools_almaty_oblast_2022"]["status"] == "unchanged"


def test_changes_md_says_it_in_words(scenario):
    text = (scenario.folder(scenario.second) / "CHANGES.md").read_text(encoding="utf-8")
    title = f"# {scenario.second}-шығарылымдағы өзгерістер / Изменения в выпуске {scenario.second} / Changes in release"
    assert f"{title} {scenario.second}" in text
    assert f"Compared with the previous release, {scenario.first}." in text
    changes = json.loads((scenario.folder(scenario.second) / "changes.json").read_text(encoding="utf-8"))
    counts = next(t for t in changes["tables"] if t["table"] == "school_counts")
    nbsp = "\u00a0"  # thousands grouped by a no-break space: 1 234 reads the same in kk, ru and en
    before, after, changed = (f"{counts[k]:,}".replace(",", nbsp) for k in ("rows_before", "rows_after", "changed"))
    rows = f"{before} | {after} | 1 | {changed} | 1 |"
    assert f"| `school_counts` | өзгерді / изменена / changed | {rows} kato_code × academic_year" in text
    assert (
        "| Алматы қаласының мектептері, 2022/23<br>Школы города Алматы, 2022/23<br>Schools in Almaty city, 2022/23 "
        f"| 333 | {333 + CITY_CHANGE} | +{CITY_CHANGE} (+2.1 %) |" in text
    )
    assert "Изменения в выпуске" in text and "Кестелер / Таблицы / Tables" in text
    assert "`schools_count` 333 → 340" in text
    first = (scenario.folder(scenario.first) / "CHANGES.md").read_text(encoding="utf-8")
    assert "This is the first release" in first


def kazakh_and_russian(markdown: str) -> str:
    """CHANGES.md as a Kazakh or Russian reader reads it: each sentence is three lines (kk, ru, en; a
    Markdown line break between them), each heading, label and cell three parts (" / " or "<br>")."""
    lines, kept, i = markdown.splitlines(), [], 0
    while i < len(lines):
        if lines[i].endswith("  "):  # a sentence: kk and ru lines end in a hard break, en does not
            block = lines[i : i + 3]
            assert len(block) == 3 and block[1].endswith("  ") and not block[2].endswith("  "), block
            kept += block[:2]
            i += 3
            continue
        cells = []
        for cell in lines[i].split("|"):
            parts = cell.split("<br>") if "<br>" in cell else cell.split(" / ")
            assert len(parts) <= 3, cell
            cells.append(" ".join(parts[:-1]) if len(parts) > 1 else cell)
        kept.append("|".join(cells))
        i += 1
    return "\n".join(kept)


def test_changes_md_has_no_english_word_for_a_kazakh_or_russian_reader(scenario):
    # Given: CHANGES.md of both releases; What is data (table and column names, the grain of example rows,
    # values as stored, e.g. an English territory name) is quoted in code spans and shown as written
    for release in (scenario.first, scenario.second):
        text = (scenario.folder(release) / "CHANGES.md").read_text(encoding="utf-8")
        assert sorted(set(latin_words(kazakh_and_russian(text), {"CSV"}))) == [], release
        # the check can fail: the English parts are there
        assert {"Changes", "release"} <= set(latin_words(text, set()))
    assert "- ~ `kato_code=750000000, academic_year=2022/23" in text


def test_when_the_previous_release_is_no_longer_kept_the_summary_says_so(warehouse, dbt_manifest, monkeypatch):
    from ingest.bns_dynamic import SOURCE as BNS
    from ingest.loader import load_file
    from publication.release_files import export_release

    monkeypatch.setenv("EDU_WH_KEEP_RELEASES", "0")
    load_file(BNS, SCHOOLS)
    first = build_and_publish(warehouse).release_id
    second = build_and_publish(
        warehouse, ["update candidate.territories set name_en = 'Almaty' where kato_code = '750000000'"]
    ).release_id
    with psycopg.connect(warehouse) as conn:
        assert (
            conn.execute("select status from meta.releases where release_id = %s", (first,)).fetchone()[0] == "dropped"
        )
    folder = export_release()
    changes = json.loads((folder / "changes.json").read_text(encoding="utf-8"))
    assert (changes["release_id"], changes["previous_release_id"], changes["previous_kept"]) == (second, first, False)
    assert changes["tables"] == []
    assert f"release {first} is no longer kept in the warehouse" in (folder / "CHANGES.md").read_text(encoding="utf-8")
