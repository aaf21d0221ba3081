"""Press articles: number phrases in Russian and Kazakh, site noise, the claims registry, broken files."""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal

import psycopg
import pytest

from edu_wh.config import DBT_PROJECT_DIR
from ingest.base import ParseReport, Row, SourceFormatError
from ingest.loader import load_file
from ingest.press import SOURCE, claim_matches, classify_lines, load_registry, split_sentences
from ingest.press_numbers import find_numbers, text_language
from tests.conftest import SAMPLES

PRESS = SAMPLES / "press"
DOCS = sorted(PRESS.glob("*.txt"))
COLUMNS = SOURCE.raw_table.columns
SEEDS = DBT_PROJECT_DIR / "seeds"
DBT_PRESS = [
    "build",
    "--select",
    "+stg_press__claims",
    "+stg_press__unregistered_numbers",
    "territories",
    "--indirect-selection",
    "cautious",
]


def parse(path, data: bytes | None = None, name: str | None = None) -> tuple[list[dict], ParseReport]:
    import io

    report = ParseReport()
    items = list(SOURCE.parse(io.BytesIO(data if data is not None else path.read_bytes()), name or path.name, report))
    return [dict(zip(COLUMNS, i.values)) | {"line": i.row_number} for i in items if isinstance(i, Row)], report


def doc(prefix: str):
    [path] = [p for p in DOCS if p.name.startswith(prefix)]
    return path


@pytest.fixture(scope="module")
def rules(template_db):
    """A connection to a warehouse where dbt ran once (``dbt seed`` of the registry): its on-run-start
    creates reference.press_claim_matches, the one matching rule (macros/press_claims.sql)."""
    from edu_wh.dbt_runner import dbt_command
    from tests.conftest import admin_url, drop_database, new_database

    name = new_database(template_db, prefix="press_rules")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("EDU_WH_DATABASE_URL", admin_url(name))
            dbt_command(["seed", "--select", "press_claims_registry"])
        with psycopg.connect(admin_url(name), autocommit=True) as conn:
            yield conn
    finally:
        drop_database(name)


def carried(conn, claims, mentions: list[dict]) -> dict[str, list[dict]]:
    """claim_id → the mentions that carry it, by the warehouse's rule."""
    found: dict[str, list[dict]] = {}
    for claim_id, index in sorted(claim_matches(conn, claims, mentions), key=lambda hit: hit[1]):
        found.setdefault(claim_id, []).append(mentions[index])
    return found


def one(mentions: list[dict], phrase: str) -> dict:
    found = [m for m in mentions if m["phrase"] == phrase]
    assert found, f"{phrase!r} not among {[m['phrase'] for m in mentions]}"
    return found[0]


# --- number phrases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, language, phrase, value, unit, qualifier",
    [
        ("бюджеті 394 млрд. теңгені құрады", "kk", "394 млрд. теңгені", "394000000000", "kzt", None),
        ("үшін 4 млрд. 529 млн теңге бөлінді", "kk", "4 млрд. 529 млн теңге", "4529000000", "kzt", None),
        ("үшін 2 млрд.172 млн теңге бөлінді", "kk", "2 млрд.172 млн теңге", "2172000000", "kzt", None),
        ("бюджеттен 756,0 млн. теңге бөлінді", "kk", "756,0 млн. теңге", "756000000", "kzt", None),
        ("қуаты 68 200 оқушыға арналған", "kk", "68 200 оқушыға", "68200", "pupils", None),
        ("сыныптардың 113\u00a0240 оқушысына тегін", "kk", "113\u00a0240 оқушысына", "113240", "pupils", None),
        ("22 школ на 37 тысяч ученических мест", "ru", "37 тысяч ученических мест", "37000", "places", None),
        ("снизить дефицит почти на 23 тысячи до 2025 года", "ru", "почти на 23 тысячи", "23000", None, "almost"),
        ("госзаказ более чем на 20 тысяч мест", "ru", "более чем на 20 тысяч мест", "20000", "places", "more than"),
        ("где обучаются свыше 40 тысяч детей", "ru", "свыше 40 тысяч детей", "40000", "children", "over"),
        ("50 мектепті, 66 мың оқушыны", "kk", "66 мың оқушыны", "66000", "pupils", None),
        ("с контингентом порядка 14 тысяч учащихся", "ru", "порядка 14 тысяч учащихся", "14000", "pupils", "about"),
        ("около двухсот школ получат кабинеты", "ru", "около двухсот школ", "200", "schools", "about"),
        ("строительство двух новых колледжей", "ru", "двух новых колледжей", "2", "colleges", None),
        ("строительство четырех центров", "ru", "четырех центров", "4", "centres", None),
        ("мәселесі – үш ауысымды мектептер", "kk", "үш ауысымды", "3", "shifts", None),
        ("қалған екі мектеп 2024 жылға ауысады", "kk", "екі мектеп", "2", "schools", None),
        (
            "үш бірдей оқушылар үйінің құрылысы",
            "kk",
            "үш бірдей оқушылар үйінің",
            "3",
            "houses_of_schoolchildren",
            None,
        ),
        ("екі жүз мектеп", "kk", "екі жүз мектеп", "200", "schools", None),
        ("40 мыңнан астам оқушы оқиды", "kk", "40 мыңнан астам оқушы", "40000", "pupils", "more than"),
        ("разработать трехлетнюю программу", "ru", "трехлетнюю", "3", "years", None),
        ("в ближайшие три года сеть школ", "ru", "три года", "3", "years", None),
        ("нет ни одной организации", "ru", "ни одной организации", "0", "organisations", None),
        ("только один дом школьников", "ru", "один дом школьников", "1", "houses_of_schoolchildren", None),
        ("для обеспечения 100% охвата", "ru", "100%", "100", "percent", None),
        ("привлекла свыше 2,5 трлн тенге", "ru", "свыше 2,5 трлн тенге", "2500000000000", "kzt", "over"),
        ("двадцать пять школ", "ru", "двадцать пять школ", "25", "schools", None),
    ],
)
def test_number_phrases_parse_into_base_units(text, language, phrase, value, unit, qualifier):
    found = one([m.__dict__ for m in find_numbers(text, language)], phrase)
    assert (found["value_text"], found["unit"], found["qualifier"], found["kind"]) == (
        value,
        unit,
        qualifier,
        "quantity",
    )


@pytest.mark.parametrize(
    "text, language, phrase, value, kind",
    [
        ("на 2023-2029 годы", "ru", "2023-2029 годы", "2023-2029", "year_range"),
        ("с 2013 года", "ru", "2013 года", "2013", "year"),
        ("2025 жылға дейін", "kk", "2025 жылға", "2025", "year"),
        ("Алматы. 19 августа. Центр", "ru", "19 августа", "--08-19", "date"),
        ("1 қыркүйекке дейін", "kk", "1 қыркүйекке", "--09-01", "date"),
        ("шешім қабылдады 24.03.2022, Sputnik", "kk", "24.03.2022", "2022-03-24", "date"),
    ],
)
def test_years_and_dates_are_kept_apart(text, language, phrase, value, kind):
    found = one([m.__dict__ for m in find_numbers(text, language)], phrase)
    assert (found["value_text"], found["kind"]) == (value, kind)


@pytest.mark.parametrize(
    "text, language",
    [
        ("фактор образования должен стать одним из ключевых", "ru"),  # 'one of'
        ("Он отметил, что", "ru"),  # Kazakh 'он' (ten) is the Russian 'he'
        ("мәселелерінің бірі – үшін", "kk"),  # 'бірі' (one of) and 'үшін' (for) are not numbers
        ("подробнее на https://sputnik.kz/20220324/news-23700256.html и +74956456601", "ru"),
        ("создавать сотни детских площадок", "ru"),  # vague
    ],
)
def test_words_that_are_not_numbers(text, language):
    assert find_numbers(text, language) == []


def test_language_and_sentences():
    assert text_language(doc("004").read_text()) == "kk" and text_language(doc("001").read_text()) == "ru"
    text = "Алматы. 19 августа. Аким г. Алматы сказал.Потом 4 млрд. 529 млн теңге. Қонаев Г.А. жаңа"
    assert [text[a:b] for a, b in split_sentences(text, 0, len(text))] == [
        "Алматы. 19 августа.",
        "Аким г. Алматы сказал.",
        "Потом 4 млрд. 529 млн теңге.",
        "Қонаев Г.А. жаңа",
    ]


# --- the real articles ---------------------------------------------------------------------


def test_site_noise_is_extracted_but_marked_and_never_a_claim(rules):
    # Given article 001 with a currency ticker on top and unrelated headlines below
    rows, report = parse(doc("001"))
    # Then the ticker's 0.0 and the headlines' numbers are extracted, in their noise blocks
    kinds = {(r["phrase"], r["block_kind"]) for r in rows}
    assert ("0.0", "ticker") in kinds
    assert ("Более 30 тысяч", "related_headlines") in kinds and ("3-4 февраля", "related_headlines") in kinds
    assert [r["block_kind"] for r in rows if r["phrase"] == "0.0"] == ["ticker"] * 4
    assert "numbers in site noise, never claims: related_headlines 13, ticker 4" in report.notes
    # And a noise number never matches a claim, even with the right quote and value
    claim = {"claim_id": "c", "source_document": rows[0]["document_file"], "quote": "0.0", "value": "0", "unit": "kzt"}
    assert claim_matches(rules, [claim], [rows[0]]) == set()
    assert claim_matches(rules, [claim], [rows[0] | {"block_kind": "body"}]) == {("c", 0)}
    # View counters and page metadata are noise too
    counter = one(parse(doc("000"))[0], "2891")
    assert counter["block_kind"] == "standalone_number"
    blocks = classify_lines("• USD/KZT\n    0.0\nhttps://sputnik.kz/x\nkk_KK\nru Более 30 тысяч\nТекст.")
    assert [kind for _, _, kind in blocks] == ["ticker", "ticker", "metadata", "metadata", "related_headlines", "body"]


def test_raw_rows_carry_document_sentence_phrase_value_and_offsets():
    rows, _ = parse(doc("004"))
    text = doc("004").read_text(encoding="utf-8")
    meals = one(rows, "4 млрд. 529 млн теңге")
    assert meals["value_text"] == "4529000000" and meals["unit"] == "kzt" and meals["language"] == "kk"
    assert meals["document_sha256"] == hashlib.sha256(doc("004").read_bytes()).hexdigest()
    assert text[int(meals["char_start"]) : int(meals["char_end"])] == "4 млрд. 529 млн теңге"
    assert text[int(meals["sentence_start"]) :].startswith(meals["sentence"])
    assert meals["sentence"].startswith("— Бастауыш сыныптардың 113 240 оқушысына")
    assert meals["line"] == text[: int(meals["char_start"])].count("\n") + 1
    assert len({r["char_start"] for r in rows}) == len(rows)


def test_every_registry_claim_is_carried_by_an_extracted_number(rules):
    registry = load_registry()
    mentions = [m for path in DOCS for m in parse(path)[0]]
    found = carried(rules, registry, mentions)
    for claim in registry:
        hits = found.get(claim["claim_id"], [])
        assert hits, f"{claim['claim_id']}: no extracted number {claim['value']} in a sentence with {claim['quote']!r}"
        assert Decimal(hits[0]["value_text"]) == Decimal(claim["value"])


def test_the_registry_covers_every_figure_of_the_seed_documents():
    """DOMAIN.md's table of the seed documents, figure by figure (document, value in the base unit)."""
    figures = {
        "004": [394e9, 78e9, 113240, 4529e6, 2172e6, 36, 53, 68200, 16, 15750, 9, 5, 2, 3, 50, 66000, 2500, 756e6],
        "003": [22, 37000, 30, 9, 23000, 50, 200, 35000, 20000, 2, 300, 1400, 4, 2, 18000, 9000, 450, 4000, 600, 85],
        "001": [40000, 1, 14000, 0, 2],
        "000": [3, 3],
        "002": [2, 3],
    }
    registered: dict[str, list[Decimal]] = {}
    for claim in load_registry():
        registered.setdefault(claim["source_document"][:3], []).append(Decimal(claim["value"]))
    for prefix, values in figures.items():
        remaining = list(registered[prefix])
        for value in values:
            assert Decimal(str(int(value))) in remaining, f"{prefix}: {value} is not in the registry"
            remaining.remove(Decimal(str(int(value))))


def test_registry_keys_territories_and_indicators_are_known():
    registry = load_registry()
    ids = [c["claim_id"] for c in registry]
    assert len(ids) == len(set(ids))
    with open(SEEDS / "territories.csv", encoding="utf-8") as fh:
        territories = {r["kato_code"] for r in csv.DictReader(fh)}
    with open(SEEDS / "indicators.csv", encoding="utf-8") as fh:
        indicators = {r["indicator_code"]: r for r in csv.DictReader(fh)}
    assert {c["kato_code"] for c in registry} <= territories
    assert {c["indicator_code"] for c in registry} <= set(indicators)
    required = {
        "education_budget_kzt", "education_budget_change_kzt", "free_meals_pupils", "free_meals_cost_kzt",
        "pupil_transport_cost_kzt", "buses_leased", "comfortable_school_schools", "comfortable_school_places",
        "comfortable_school_schools_under_construction", "comfortable_school_places_under_construction",
        "comfortable_school_schools_finished", "comfortable_school_schools_delayed", "school_place_deficit_reduction",
        "schools_count", "pupils_count",
    }  # fmt: skip
    assert required <= set(indicators)
    assert all(row["label_kk"] and row["label_ru"] and row["label_en"] for row in indicators.values())


def test_almaty_oblast_and_city_claims_follow_the_language_of_the_text():
    """004 (Kazakh) is about 'Алматы облысы', the oblast; 003 (Russian) about 'г. Алматы', the city."""
    from ingest.reference import resolve_territory

    by_document = {c["source_document"][:3]: c["kato_code"] for c in load_registry() if c["claim_id"][-2:] == "01"}
    assert "Алматы облысының әкімі" in doc("004").read_text(encoding="utf-8")
    assert resolve_territory("Алматы облысы", "kk") == resolve_territory("Алматы", "kk") == by_document["004"]
    assert "Программы развития г. Алматы" in doc("003").read_text(encoding="utf-8")
    assert resolve_territory("г. Алматы", "ru") == resolve_territory("Алматы", "ru") == by_document["003"]


def test_a_registry_without_its_columns_is_refused(tmp_path, monkeypatch):
    import ingest.press as press

    (tmp_path / "press_claims_registry.csv").write_text("claim_id,source_document,value\nx,y,1\n", encoding="utf-8")
    monkeypatch.setattr(press, "SEEDS_DIR", tmp_path)
    press.load_registry.cache_clear()
    try:
        with pytest.raises(SourceFormatError, match=r"the claims registry lacks columns \['quote', 'unit'"):
            press.load_registry()
    finally:
        press.load_registry.cache_clear()


def test_documents_register_matches_the_files():
    with open(SEEDS / "press_documents.csv", encoding="utf-8") as fh:
        documents = {r["document_file"]: r for r in csv.DictReader(fh)}
    assert set(documents) == {p.name for p in DOCS}
    for path in DOCS:
        row = documents[path.name]
        assert row["document_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row["language"] == text_language(path.read_text(encoding="utf-8"))
        assert row["date_basis"]
    assert documents["002_9ee41739a39bfc2b.txt"]["url"].startswith("https://sputnik.kz/20220324/")
    assert (
        documents["001_b279a0ff9310ff50.txt"]["published_date"],
        documents["004_5ed07df8b3c5f9b6.txt"]["published_date_precision"],
    ) == ("2019-08-19", "month")


def test_body_numbers_no_registry_claim_carries_are_the_ones_left_over(rules):
    registry = load_registry()
    for prefix, left_over in (("004", ["11 педагог"]), ("003", ["100%"])):
        rows, report = parse(doc(prefix))
        claims = [c for c in registry if c["source_document"] == doc(prefix).name]
        hits = claim_matches(rules, claims, rows)
        # every claim of the article is carried by a number of it
        assert {claim_id for claim_id, _ in hits} == {c["claim_id"] for c in claims}
        covered = {index for _, index in hits}
        quantities = [i for i, r in enumerate(rows) if r["block_kind"] == "body" and r["number_kind"] == "quantity"]
        assert [rows[i]["phrase"] for i in quantities if i not in covered] == left_over
        # the load notes list the body's quantities, whatever the registry says of them
        assert any(n.startswith(f"{len(quantities)} quantities in the body: ") for n in report.notes)


# --- bad input -------------------------------------------------------------------------------


def test_windows_1251_article_is_detected_and_parsed_the_same():
    # Given a Russian article saved in Windows-1251
    path = doc("003")
    utf8_rows, _ = parse(path)
    rows, report = parse(path, path.read_text(encoding="utf-8").encode("cp1251"))
    # Then it reads with the same numbers and says which encoding it was
    assert "ru article, cp1251" in report.notes[0]
    assert [(r["phrase"], r["value_text"]) for r in rows] == [(r["phrase"], r["value_text"]) for r in utf8_rows]


def test_a_utf8_byte_order_mark_changes_nothing_but_the_hash():
    path = doc("004")
    plain, _ = parse(path)
    with_bom, _ = parse(path, b"\xef\xbb\xbf" + path.read_bytes())
    assert [(r["phrase"], r["char_start"]) for r in with_bom] == [(r["phrase"], r["char_start"]) for r in plain]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"<!DOCTYPE html><html><body><p>394</p></body></html>", "an HTML page"),
        ("Текст 394 млрд".encode("utf-16"), "binary or UTF-16"),
        ("Статья без чисел.".encode(), "no numbers found"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary or UTF-16"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, "article.txt")
    assert "article.txt" in str(info.value)


def test_a_file_cut_inside_a_character_is_refused():
    data = doc("004").read_bytes()
    cut = data[: data.index("мектеп".encode()) + 3]  # half of a two-byte letter
    with pytest.raises(SourceFormatError, match="ends inside a UTF-8 character"):
        SOURCE.parse_bytes(cut, "004.txt")


def test_a_truncated_article_loses_the_claims_after_the_cut(rules):
    data = doc("004").read_bytes()
    cut = data[: data.index("Бастауыш".encode())]
    rows, _ = parse(doc("004"), cut, doc("004").name)
    claims = [c for c in load_registry() if c["source_document"] == doc("004").name]
    lost = {c["claim_id"] for c in claims} - set(carried(rules, claims, rows))
    assert {"press-004-11", "press-004-12", "press-004-18"} <= lost and "press-004-01" not in lost


def test_a_wrong_unit_does_not_match_the_claim(rules):
    # Given article 004 where the budget is in dollars instead of tenge
    text = doc("004").read_text(encoding="utf-8").replace("394 млрд. теңгені", "394 млрд. долларды")
    rows, report = parse(doc("004"), text.encode(), doc("004").name)
    # Then the number is extracted with its unit, and the tenge claim is reported as not found
    assert one(rows, "394 млрд. долларды")["unit"] == "usd"
    claims = [c for c in load_registry() if c["source_document"] == doc("004").name]
    found = carried(rules, claims, rows)
    assert "press-004-01" not in found and "press-004-11" in found


# --- against the warehouse -------------------------------------------------------------------


def test_loading_twice_changes_nothing(db):
    first = [load_file(SOURCE, path) for path in DOCS]
    second = [load_file(SOURCE, path) for path in DOCS]
    assert [r.status for r in first] == ["loaded"] * 5 and [r.status for r in second] == ["already_loaded"] * 5
    total = sum(r.rows_loaded for r in first)
    assert total == 6 + 24 + 8 + 28 + 24
    assert db.execute("select count(*) from raw.press_numbers").fetchone()[0] == total
    notes = db.execute("select notes from meta.load_batches where source_file = %s", (doc("004").name,)).fetchone()[0]
    assert "20 quantities in the body: '394 млрд. теңгені'" in notes


def test_an_oversized_file_is_refused_before_parsing(db, monkeypatch):
    monkeypatch.setenv("EDU_WH_MAX_FILE_MB", "0.001")
    with pytest.raises(SourceFormatError, match="MB limit"):
        load_file(SOURCE, doc("001"))
    assert db.execute("select count(*) from raw.press_numbers").fetchone()[0] == 0


def test_staging_matches_every_claim_and_lists_the_unregistered_numbers(db):
    from edu_wh.dbt_runner import dbt_command

    # Given the five real articles loaded
    for path in DOCS:
        load_file(SOURCE, path)
    # When staging is built and tested (a claim whose number is not found fails the build)
    dbt_command(DBT_PRESS)
    claims = {
        r[0]: r[1:]
        for r in db.execute(
            "select claim_id, matched, value, unit, qualifier, language, published_date::text, kato_code, "
            "indicator_code, period, phrase from staging.stg_press__claims"
        ).fetchall()
    }
    # Then every registry claim is matched by an extracted number with its value
    assert len(claims) == len(load_registry()) == 47
    assert all(c[0] for c in claims.values())
    assert claims["press-004-01"] == (
        True, Decimal("394000000000"), "kzt", None, "kk", "2023-08-01", "190000000", "education_budget_kzt", "2023",
        "394 млрд. теңгені",
    )  # fmt: skip
    assert claims["press-003-06"][3:5] == ("almost", "ru")
    assert claims["press-001-01"][6:9] == ("751210000", "pupils_count", "2018/19")
    assert claims["press-001-01"][3] == "over" and claims["press-001-03"][3] == "about"
    # And the numbers no claim names are listed with a reason, site noise included
    unregistered = db.execute(
        "select document_file, phrase, block_kind, reason from staging.stg_press__unregistered_numbers"
    ).fetchall()
    to_review = {(d[:3], p) for d, p, _, reason in unregistered if reason.startswith("a number in the article")}
    assert to_review == {("000", "трехлетняя"), ("000", "три года"), ("003", "100%"), ("004", "11 педагог")}
    assert sum(1 for _, _, kind, _ in unregistered if kind == "ticker") == 4
    numbers = db.execute("select count(*) from staging.stg_press__numbers").fetchone()[0]
    matched_mentions = db.execute(
        "select count(*) from staging.stg_press__numbers n where not exists "
        "(select 1 from staging.stg_press__unregistered_numbers u where u.mention_id = n.mention_id)"
    ).fetchone()[0]
    assert numbers == 90 and matched_mentions + len(unregistered) == numbers


def test_a_claim_whose_number_is_missing_fails_the_build(db, tmp_path):
    from edu_wh.dbt_runner import dbt_command
    from edu_wh.errors import UserError

    # Given every article, but a newer delivery of 004 that lost its second half
    for path in DOCS:
        load_file(SOURCE, path)
    data = doc("004").read_bytes()
    cut = tmp_path / doc("004").name
    cut.write_bytes(data[: data.index("Бастауыш".encode())])
    load_file(SOURCE, cut)
    # When staging is built, the newest delivery wins and the test of the registry fails
    with pytest.raises(UserError, match="assert_every_press_claim_is_matched"):
        dbt_command(DBT_PRESS)
    missing = db.execute("select claim_id from staging.stg_press__claims where not matched order by 1").fetchall()
    assert [m[0] for m in missing] == [f"press-004-{n:02d}" for n in range(11, 19)]


def test_the_ingest_dag_loads_the_articles_that_landed(db, dagbag):
    from edu_wh.config import settings
    from tests.conftest import run_dag

    # Given the five articles in landing/press/
    landing = settings().landing_dir / "press"
    landing.mkdir(parents=True)
    for path in DOCS:
        (landing / path.name).write_bytes(path.read_bytes())
    # When the ingest DAG runs
    run = run_dag(dagbag, "ingest_press")
    # Then every article is loaded once
    assert str(run.state) == "success"
    loaded = db.execute("select count(*), sum(rows_loaded) from meta.load_batches where source = 'press'").fetchone()
    assert loaded == (5, 90)
