"""The KATO classifier source: the reader on the real classifier (full and derived extract) and on broken
variants, loading, staging and its DAG, and its raw suite (``expectations/suites/raw_kato.py``) on the real
classifier and on broken ones."""

from __future__ import annotations

import csv
from datetime import date

import psycopg
import pytest

from expectations.suites.raw_kato import SUITE
from ingest.base import ParseReport, Rejected, Row, SourceFormatError
from ingest.kato import SOURCE, classifier_date, code_level
from ingest.loader import load_file
from ingest.reference import resolve_territory
from tests.conftest import SAMPLES
from tests.expectations.conftest import (
    assert_fails,
    assert_passes,
    assert_publication_blocked,
    batch_of,
    gate,
    sql,
)

FULL = SAMPLES / "reference" / "kato_2022-10-17_full_ru.csv"
DERIVED = SAMPLES / "reference" / "kato_2022-10-17_almaty_almaty-oblast_zhetysu_ru.csv"
COLUMNS = SOURCE.raw_table.columns
FULL_NAME = "kato_2022-10-17_full_ru.csv"


def rows_of(items) -> dict[str, dict]:
    return {i.values[2]: dict(zip(COLUMNS, i.values)) | {"line": i.row_number} for i in items if isinstance(i, Row)}


def rejected(items) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def small_file(*lines: str, header: str = "id;parent_id;code;name") -> bytes:
    return ("\ufeff" + "\n".join([header, *lines]) + "\n").encode("utf-8")


ALMATY = [
    "1;0;190000000;Алматинская область",
    "2;1;191000000;Қонаев Г.А.",
    "3;2;191010000;г.Қонаев",
    "4;0;750000000;г.Алматы",
    "5;4;751810000;Наурызбайский район",
]


def test_real_classifier_loads_every_row_with_parent_and_date():
    # Given the real KATO classifier of 17.10.2022 (16,264 rows, ';', UTF-8 with BOM)
    report = ParseReport()
    items = list(SOURCE.parse(FULL.open("rb"), FULL_NAME, report))
    rows = rows_of(items)
    # Then every row arrives, none is quarantined, and the date comes from the file name
    assert len(rows) == 16264 and not rejected(items)
    assert report.period == "2022-10-17"
    assert "encoding utf-8-sig" in report.notes[0] and "published layout" in report.notes[0]
    # And the Almaty territories carry the classifier's own names and their parents' codes
    assert rows["750000000"]["name_ru"] == "г.Алматы" and rows["750000000"]["parent_kato_code"] is None
    assert (rows["751810000"]["name_ru"], rows["751810000"]["parent_kato_code"]) == ("Наурызбайский район", "750000000")
    assert (rows["191000000"]["name_ru"], rows["191000000"]["parent_kato_code"]) == ("Қонаев Г.А.", "190000000")
    assert rows["190000000"]["name_ru"] == "Алматинская область"
    assert rows["331000000"]["parent_kato_code"] == "330000000"
    assert {r["classifier_date"] for r in rows.values()} == {"2022-10-17"}


def test_derived_extract_is_the_same_classifier_in_another_layout():
    # Given the derived comma-separated Almaty extract (src_id,src_parent_id,kato_code,name_ru, no BOM, CRLF)
    derived = rows_of(SOURCE.parse_bytes(DERIVED.read_bytes(), DERIVED.name))
    full = rows_of(SOURCE.parse_bytes(FULL.read_bytes(), FULL_NAME))
    # Then every row of it is the full classifier's row (code, name, parent)
    assert len(derived) == 1175
    assert {r["file_layout"] for r in derived.values()} == {"derived"}
    for code, row in derived.items():
        assert code[:2] in {"19", "33", "75"}
        assert (row["name_ru"], row["parent_kato_code"]) == (full[code]["name_ru"], full[code]["parent_kato_code"])


def test_kato_names_of_the_almaty_territories_resolve_to_the_same_codes():
    """The classifier's own spellings ('Қонаев Г.А.', 'г.Алматы', 'область Жетісу') are in territory_names."""
    full = rows_of(SOURCE.parse_bytes(FULL.read_bytes(), FULL_NAME))
    with open(SAMPLES.parent.parent / "dbt_project" / "seeds" / "territories.csv", encoding="utf-8") as fh:
        current = [
            r
            for r in csv.DictReader(fh)
            if date.fromisoformat(r["valid_from"]) <= date(2022, 10, 17)
            and (not r["valid_to"] or date.fromisoformat(r["valid_to"]) >= date(2022, 10, 17))
            and r["kato_code"][:2] in {"19", "33", "75"}
        ]
    assert len(current) == 1 + 10 + 1 + 10 + 1 + 8  # oblast, its 10 units, Zhetysu + 10, the city + 8 districts
    for territory in current:
        kato_name = full[territory["kato_code"]]["name_ru"]
        assert resolve_territory(kato_name, "ru") == territory["kato_code"], kato_name


def test_levels_follow_the_code_structure():
    assert [code_level(c) for c in ("190000000", "191000000", "191010000", "191033100", "751810000")] == [1, 2, 3, 4, 3]
    assert classifier_date("KATO_17.10.2022_ru.csv") == "2022-10-17"
    assert classifier_date("kato_2024-01-01_full_ru.csv") == "2024-01-01"


def test_windows_1251_is_detected_and_lost_kazakh_letters_are_quarantined():
    # Given the Almaty rows exported in Windows-1251 (which cannot hold 'Қ': it becomes '?')
    data = "\n".join(["id;parent_id;code;name", *ALMATY]).encode("cp1251", errors="replace")
    report = ParseReport()
    items = list(SOURCE.parse(__import__("io").BytesIO(data), "kato_2022-10-17_cp1251.csv", report))
    rows = rows_of(items)
    # Then the encoding is detected and Russian names arrive intact
    assert "encoding cp1251" in report.notes[0]
    assert rows["750000000"]["name_ru"] == "г.Алматы" and rows["751810000"]["name_ru"] == "Наурызбайский район"
    # And names that lost a Kazakh letter are quarantined, not loaded as '?онаев Г.А.'
    reasons = {r.record["code"]: r.reason for r in rejected(items)}
    assert set(reasons) == {"191000000", "191010000"}
    assert "Windows-1251 lost a Kazakh letter" in reasons["191000000"]


def test_utf8_with_and_without_bom_give_the_same_rows():
    with_bom = rows_of(SOURCE.parse_bytes(small_file(*ALMATY), FULL_NAME))
    without = rows_of(SOURCE.parse_bytes(small_file(*ALMATY)[3:], FULL_NAME))
    assert with_bom.keys() == without.keys() and with_bom["191000000"]["name_ru"] == "Қонаев Г.А."
    assert {r["encoding"] for r in with_bom.values()} == {"utf-8-sig"}
    assert {r["encoding"] for r in without.values()} == {"utf-8"}


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", FULL_NAME, "the file is empty"),
        ("id;parent_id;code;name\n1;0;190000000;Алматинская".encode("utf-16"), FULL_NAME, "UTF-16 or binary"),
        (small_file(*ALMATY), "classifier_ru.csv", "no classifier date in the file name"),
        (small_file(*ALMATY, header="id;parent;code;name"), FULL_NAME, r"unexpected columns .*'parent'"),
        (small_file(*ALMATY, header="id;parent_id;code"), FULL_NAME, "unexpected columns"),
        (b"\xff\xfe\xfd" * 50, FULL_NAME, "UTF-16 or binary|neither UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, name, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, name)
    assert name in str(info.value)


def test_renamed_column_names_the_expected_header():
    with pytest.raises(SourceFormatError, match=r"row 1: .*expected id;parent_id;code;name or src_id,src_parent_id"):
        SOURCE.parse_bytes(small_file(*ALMATY, header="id;parent_id;kato;name"), FULL_NAME)


def test_duplicate_codes_are_quarantined():
    # Given a repeated identical row and a code given to two different names
    items = SOURCE.parse_bytes(
        small_file(
            *ALMATY, "5;4;751810000;Наурызбайский район", "6;4;751910000;Турксибский район", "7;4;751910000;Турксиб"
        ),
        FULL_NAME,
    )
    reasons = {r.row_number: r.reason for r in rejected(items)}
    rows = rows_of(items)
    # Then the repeated row keeps its first copy only
    assert rows["751810000"]["line"] == 6 and reasons[7] == "duplicate row: repeats line 6"
    # And both copies of the conflicting code are refused, each naming the other
    assert "751910000" not in rows
    assert reasons[8] == reasons[9] == "duplicate KATO code 751910000 (line 8: 'Турксибский район'; line 9: 'Турксиб')"


def test_bad_codes_and_unresolvable_parents_are_quarantined():
    items = SOURCE.parse_bytes(
        small_file(
            *ALMATY,
            "6;4;75181000;Восьмизначный",  # 8 digits
            "7;4;75А810000;Буква",  # text in the code
            "8;99;751990000;Сирота",  # parent id not in the file
            "9;4;191990000;Чужой район",  # code not under its parent 750000000
            "10;4",  # a cut line
        ),
        FULL_NAME,
    )
    reasons = {r.row_number: r.reason for r in rejected(items)}
    assert reasons[7] == "not a 9-digit KATO code: '75181000'"
    assert "not a 9-digit KATO code" in reasons[8]
    assert reasons[9] == "parent id '99' of KATO code 751990000 is not a row of the file"
    assert reasons[10] == "KATO code 191990000 is not under its parent's code 750000000"
    assert reasons[11].startswith("expected 4 fields, found 2")
    assert len(rows_of(items)) == len(ALMATY)


def test_truncated_file_quarantines_the_cut_row():
    # Given the real classifier cut ten bytes into a line
    data = FULL.read_bytes()
    cut = data[: data.index(b"\n", len(data) // 2) + 10]  # ten bytes into a line
    items = SOURCE.parse_bytes(cut, FULL_NAME)
    # Then the complete lines load and the cut one is quarantined with its line number
    complete = cut.count(b"\n") - 1
    assert len(rows_of(items)) == complete
    assert [(r.row_number, r.reason.split(",")[0]) for r in rejected(items)] == [(complete + 2, "expected 4 fields")]


# --- against the warehouse -------------------------------------------------------------------


def test_loading_twice_changes_nothing(db):
    # Given the real classifier loaded once
    first = load_file(SOURCE, FULL)
    assert first.status == "loaded" and first.rows_loaded == 16264 and first.rows_quarantined == 0
    # When the same bytes are loaded again
    second = load_file(SOURCE, FULL)
    # Then nothing doubles
    assert second.status == "already_loaded" and second.batch_id == first.batch_id
    assert db.execute("select count(*) from raw.kato_rows").fetchone()[0] == 16264
    period = db.execute("select period from meta.load_batches where batch_id = %s", (first.batch_id,)).fetchone()[0]
    assert period == "2022-10-17"


def test_a_truncated_new_version_is_refused_by_the_volume_guard(db, tmp_path):
    # Given the full classifier of 2022-10-17 loaded
    load_file(SOURCE, FULL)
    # When a "newer" classifier of the same stream arrives cut to a third
    data = FULL.read_bytes()
    cut = tmp_path / "kato_2023-01-01_full_ru.csv"
    cut.write_bytes(data[: data.index(b"\n", len(data) // 3) + 1])
    # Then it is refused as a whole and nothing of it is visible
    with pytest.raises(SourceFormatError, match="a drop of more than 50%"):
        load_file(SOURCE, cut)
    assert db.execute("select count(*) from raw.kato_rows where classifier_date = '2023-01-01'").fetchone()[0] == 0


def test_an_oversized_file_is_refused_before_parsing(db, monkeypatch):
    monkeypatch.setenv("EDU_WH_MAX_FILE_MB", "0.1")
    with pytest.raises(SourceFormatError, match="over the 0 MB limit"):
        load_file(SOURCE, FULL)
    assert db.execute("select status from meta.load_batches").fetchone()[0] == "rejected"


def test_staging_builds_the_classifier_with_levels_and_parents(db):
    from edu_wh.dbt_runner import dbt_command

    # Given both real files loaded (the derived extract repeats rows of the full classifier)
    load_file(SOURCE, FULL)
    load_file(SOURCE, DERIVED)
    # When staging is built and tested
    dbt_command(["build", "--select", "+stg_kato__classifier"])
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "select kato_code, name_ru, parent_kato_code, level, region_kato_code, classifier_date "
            "from staging.stg_kato__classifier"
        ).fetchall()
    }
    # Then there is one row per code of the classifier date, the newest delivery winning
    assert len(rows) == 16264
    assert rows["750000000"] == ("г.Алматы", None, 1, "750000000", date(2022, 10, 17))
    assert rows["191000000"][:4] == ("Қонаев Г.А.", "190000000", 2, "190000000")
    assert rows["751810000"][1:3] == ("750000000", 3)
    # And the SQL level is the Python one for every code
    assert all(level == code_level(code) for code, (_, _, level, _, _) in rows.items())


def test_the_reference_dag_loads_the_classifier_that_landed(db, dagbag):
    from edu_wh.config import settings
    from tests.conftest import run_dag

    # Given the classifier in landing/kato/
    landing = settings().landing_dir / "kato"
    landing.mkdir(parents=True)
    (landing / FULL.name).write_bytes(FULL.read_bytes())
    # When the reference ingest DAG runs
    run = run_dag(dagbag, "ingest_reference")
    # Then it is loaded as one batch
    assert str(run.state) == "success"
    assert db.execute("select count(*) from raw.kato_rows").fetchone()[0] == 16264


# --- the raw suite (expectations/suites/raw_kato.py) against the warehouse ------------------


def test_the_real_classifier_and_its_almaty_extract_pass(seeded):
    # Given the real classifier (16,264 codes) and the derived extract of Almaty, Almaty oblast and Zhetysu
    load_file(SOURCE, FULL)
    load_file(SOURCE, DERIVED)
    # When the raw suite runs
    report = gate(SUITE)
    # Then every check passes: every territory the warehouse publishes is in both, for the regions each covers
    assert_passes(report)
    assert {b.source_file for b in report.suites[0].batches} == {FULL.name, DERIVED.name}


def test_an_extract_missing_a_published_district_is_caught(seeded, tmp_path):
    # Given the Almaty extract as of a later date without the Medeu district's row (its children are
    # then quarantined by the parser, their parent being missing)
    load_file(SOURCE, DERIVED)
    lines = DERIVED.read_text(encoding="utf-8").splitlines()
    later = tmp_path / DERIVED.name.replace("2022-10-17", "2022-11-01")
    later.write_text("\n".join(line for line in lines if ",751710000," not in line) + "\n", encoding="utf-8")
    bad = load_file(SOURCE, later).batch_id
    # When the raw suite runs
    report = gate(SUITE)
    # Then the territory the warehouse publishes is named as missing from that classifier
    assert_fails(
        report,
        "every territory of seeds/territories.csv valid on the classifier's date is in it",
        shows="Medeu district (751710000) is missing from the classifier of 2022-11-01",
        batch=bad,
    )
    assert_publication_blocked(report)


def test_rows_that_reached_raw_past_the_parser_are_caught(seeded):
    # Given the Almaty extract, changed in raw by hand
    load_file(SOURCE, DERIVED)
    batch = batch_of(seeded, DERIVED.name)
    sql(seeded, "update raw.kato_rows set kato_code = '19100000' where kato_code = '191010000'")  # 8 digits
    sql(seeded, "update raw.kato_rows set parent_kato_code = '759990000' where kato_code = '751110000'")
    sql(seeded, "update raw.kato_rows set parent_kato_code = '190000000' where kato_code = '751210000'")
    sql(seeded, "update raw.kato_rows set file_layout = 'xml', name_ru = null where kato_code = '751310000'")
    with psycopg.connect(seeded) as conn:
        src_id = conn.execute("select src_id from raw.kato_rows where kato_code = '751410000'").fetchone()[0]
    sql(seeded, "update raw.kato_rows set src_id = %s where kato_code = '751510000'", (src_id,))
    sql(seeded, "insert into raw.kato_rows select * from raw.kato_rows where kato_code = '751910000'")
    # When the raw suite runs
    report = gate(SUITE)
    # Then each change fails the check that protects against it
    assert_fails(report, "every KATO code is 9 digits", shows="not a 9-digit code: 19100000", batch=batch)
    assert_fails(report, "the hierarchy holds", shows=["the parent 759990000 is not in the classifier"])
    assert_fails(report, "the hierarchy holds", shows=["the code 751210000 does not sit under its parent 190000000"])
    assert_fails(report, "in a layout the warehouse knows", shows='"file_layout": "xml"')
    assert_fails(report, "every classifier row has its", shows="empty: name_ru")
    assert_fails(report, "one row per classifier row id", shows=f'"src_id": "{src_id}"')
    assert_fails(report, "one row per KATO code", shows='"kato_code": "751910000"')
    assert_fails(report, "complete in raw", shows="raw holds 1176 rows, the load counted 1175")
    assert_publication_blocked(report)


def test_a_classifier_dated_in_the_future_is_caught(seeded):
    load_file(SOURCE, DERIVED)
    sql(seeded, "update raw.kato_rows set classifier_date = '2099-01-01'")
    report = gate(SUITE)
    assert_fails(report, "says the date it is valid from", shows="classifier date 2099-01-01 is not a date up to today")
