"""The NEDB extract: parser on generated files and on every kind of bad input, loader, staging."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from ingest import nedb
from ingest.base import CsvChunk, ParseReport, Rejected, SourceFormatError
from ingest.loader import load_file
from ingest.nedb.parser import BlockParser
from ingest.synth.world import build_world, region_of

SOURCE = nedb.SOURCE
COLUMNS = ("_sheet", "_row_number", *SOURCE.raw_table.columns)
GOOD = {
    "bin": "080540012345",
    "name_kk": "«№1 жалпы білім беретін мектеп» КММ",
    "name_ru": "КГУ «Общеобразовательная школа №1»",
    "kato_code": "195200000",
    "ownership": "Государственная",
    "language": "Казахский",
    "design_capacity": "600",
    "pupils_grades_1_4": "250",
    "pupils_grades_5_9": "300",
    "pupils_grades_10_11": "60",
    "shifts": "2",
    "teachers": "55",
    "pupils_free_meals": "200",
    "meal_cost": "8000000",
    "pupils_transported": "12",
    "buses_in_service": "1",
    "buses_leased": "0",
    "academic_year": "2023/24",
}


def extract(rows: list[dict], *, unit: str = "тенге", header: list[str] | None = None, encoding="utf-8-sig") -> bytes:
    """A small NEDB extract: ``rows`` override fields of a valid row; each gets its own BIN."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header or nedb.header_row(unit))
    for i, override in enumerate(rows):
        row = {**GOOD, "bin": f"{80540012345 + i:012d}", **override}
        writer.writerow([row[c] for c in nedb.HEADERS])
    return out.getvalue().encode(encoding)


def parse(data: bytes, name: str = "nedb_schools_2023-24.csv", report: ParseReport | None = None):
    items = list(SOURCE.parse(io.BytesIO(data), name, report or ParseReport()))
    rows = [
        dict(zip(COLUMNS, r))
        for i in items
        if isinstance(i, CsvChunk)
        for r in csv.reader(io.StringIO(i.data.decode()))
    ]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert sum(i.rows for i in items if isinstance(i, CsvChunk)) == len(rows)
    return rows, rejected


@pytest.fixture(scope="module")
def world():
    return build_world(1, 2023)


@pytest.fixture(scope="module")
def rendered(world, tmp_path_factory) -> list[Path]:
    return nedb.render(world, tmp_path_factory.mktemp("nedb"))


# --- the parser on generated extracts ---------------------------------------------------------------


def test_every_generated_extract_parses_completely_and_matches_the_world(world, rendered):
    # Given the per-year extracts rendered from the world
    assert [p.name for p in rendered] == [nedb.file_name(y) for y in world.academic_years]
    expected = Counter(sy.academic_year for sy in world.school_years)
    for path in rendered:
        # When each is parsed
        report = ParseReport()
        rows, rejected = parse(path.read_bytes(), path.name, report)
        # Then every school-year arrives, nothing is quarantined, the period is the file's year
        year = nedb.academic_year_of_file(path.name)
        assert not rejected and len(rows) == expected[year] and report.period == year
        assert {r["academic_year"] for r in rows} == {year}
    # And the oblast 2023/24 figures add up to the seed figures from the delivered text
    rows, _ = parse((rendered[-2]).read_bytes(), rendered[-2].name)
    oblast = [r for r in rows if region_of(r["kato_code"]) == "190000000"]
    assert sum(int(r["pupils_free_meals"]) for r in oblast) == 113_240
    assert sum(int(r["meal_cost"]) for r in oblast) == 4_529_000_000
    assert sum(int(r["buses_leased"]) for r in oblast) == 36
    assert {r["meal_cost_unit"] for r in rows} == {"тенге"} and {r["_sheet"] for r in rows} == {""}


def test_old_extracts_are_windows_1251_and_are_detected(rendered):
    # Given the 2019/20 extract of the old system (Windows-1251, Kazakh letters substituted)
    data = rendered[0].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = ParseReport()
    rows, rejected = parse(data, rendered[0].name, report)
    # Then it is read as Windows-1251 and names arrive as Cyrillic text
    assert not rejected and "encoding cp1251" in report.notes[0]
    assert rows[0]["name_ru"].startswith(("КГУ", "ТОО"))
    # and the 2021/22 extract (UTF-8 with BOM) carries pre-2022 codes: Kapchagay, Taldykorgan
    rows, _ = parse(rendered[2].read_bytes(), rendered[2].name)
    assert {"191600000", "191000000"} <= {r["kato_code"] for r in rows}


def test_row_numbers_are_the_lines_of_the_file():
    # Given an extract whose third data row is bad
    data = extract([{}, {}, {"shifts": "4"}, {}])
    rows, rejected = parse(data)
    # Then the refused row is line 4 of the file (header = line 1) and the others keep their lines
    assert [r.row_number for r in rejected] == [4]
    assert [int(r["_row_number"]) for r in rows] == [2, 3, 5]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"bin": "12345678901"}, "BIN is not 12 digits: '12345678901'"),
        ({"bin": ""}, "missing value: БИН"),
        ({"kato_code": "19520000"}, "KATO code is not 9 digits: '19520000'"),
        ({"kato_code": "999999999"}, "unknown KATO code: '999999999'"),
        ({"pupils_grades_5_9": "-3"}, "not a non-negative whole number: '-3'"),
        ({"teachers": "12.5"}, "not a non-negative whole number: '12.5'"),
        ({"shifts": "4"}, "shifts outside 1-3: '4'"),
        ({"shifts": "0"}, "shifts outside 1-3: '0'"),
        ({"pupils_free_meals": "251"}, "free-meal pupils exceed pupils of grades 1-4: '251'"),
        ({"academic_year": "2025/26"}, "academic year after the file's 2023/24 (future): '2025/26'"),
        ({"academic_year": "2023-2024"}, "academic year is not like 2023/24: '2023-2024'"),
        ({"academic_year": "2023/25"}, "academic year is not like 2023/24: '2023/25'"),
        ({"ownership": "Смешанная"}, "unknown ownership: 'Смешанная'"),
        ({"meal_cost": "8000"}, "meal cost per pupil implausible (unit?): '8000'"),
        ({"pupils_free_meals": "0"}, "meal cost without free-meal pupils: '8000000'"),
    ],
)
def test_bad_rows_are_quarantined_with_a_reason(override, reason):
    # Given an extract with one bad row among good ones
    rows, rejected = parse(extract([{}, override, {}]))
    # Then the bad row is quarantined with its reason and line, the others load
    assert len(rows) == 2 and len(rejected) == 1
    assert rejected[0].reason == reason and rejected[0].row_number == 3
    assert set(rejected[0].record) == set(nedb.header_row())  # the whole row, under its delivered headers


def test_optional_counts_may_be_empty_and_arrive_as_null():
    rows, rejected = parse(extract([{"pupils_transported": "", "buses_leased": ""}]))
    assert not rejected and rows[0]["pupils_transported"] == "" and rows[0]["buses_leased"] == ""


def test_duplicate_school_years_keep_the_first_row_and_name_it(monkeypatch):
    # Given an extract where a school appears twice in the same block and once more much later
    rows = [{} for _ in range(400)]
    rows[5] = {"bin": "080540012345", "teachers": "99"}  # repeats row 2's BIN in the same block
    rows[350] = {"bin": "080540012345", "teachers": "77"}  # and again in a later block
    monkeypatch.setattr(BlockParser, "block_size", 4096)  # many small blocks: the Bloom filter and the second pass
    parsed, rejected = parse(extract(rows))
    # Then the first occurrence loads and both repeats are quarantined naming row 2
    assert sorted(r.row_number for r in rejected) == [7, 352]
    assert all(r.reason == "duplicate (BIN, academic year): 080540012345, 2023/24 already at row 2" for r in rejected)
    assert len(parsed) == 398 and [r for r in parsed if r["bin"] == "080540012345"][0]["teachers"] == "55"


def test_a_school_in_two_years_is_not_a_duplicate():
    parsed, rejected = parse(extract([{"bin": "080540012345"}, {"bin": "080540012345", "academic_year": "2022/23"}]))
    assert not rejected and len(parsed) == 2


def test_many_distinct_schools_in_many_blocks_are_never_taken_for_duplicates(monkeypatch):
    # Given 20,000 distinct schools read in small blocks (the Bloom filter has false positives)
    monkeypatch.setattr(BlockParser, "block_size", 64 << 10)
    data = extract([{} for _ in range(20_000)])
    parsed, rejected = parse(data)
    # Then the second pass clears every false alarm
    assert not rejected and len(parsed) == 20_000
    assert sorted(int(r["_row_number"]) for r in parsed) == list(range(2, 20_002))


def test_thousand_tenge_is_accepted_and_kept_with_its_unit():
    # Given an extract whose meal cost header is in thousand tenge, with amounts in thousands
    rows = [{"meal_cost": "8000"} for _ in range(30)]
    parsed, rejected = parse(extract(rows, unit="тыс. тенге"))
    # Then it loads as delivered, with the unit beside the amount (staging multiplies by 1000)
    assert not rejected and {r["meal_cost_unit"] for r in parsed} == {"тыс. тенге"}
    assert {r["meal_cost"] for r in parsed} == {"8000"}


@pytest.mark.parametrize(
    ("unit", "amount", "message"),
    [
        ("тыс. тенге", "8000000", "1000× off: the median is 40 000 000 tenge"),
        ("тенге", "8000", "1000× off: the median is 40 tenge"),
    ],
)
def test_amounts_1000_times_off_refuse_the_file(unit, amount, message):
    # Given a header unit that disagrees with the amounts
    data = extract([{"meal_cost": amount} for _ in range(30)], unit=unit)
    # Then the whole file is refused, naming the unit and where
    with pytest.raises(SourceFormatError, match=message) as exc:
        parse(data)
    assert exc.value.row == 2 and unit in str(exc.value)


def test_missing_and_renamed_columns_are_named():
    header = nedb.header_row()
    without = [h for h in header if h != "Количество смен"]
    with pytest.raises(SourceFormatError, match="missing column.*'Количество смен'") as exc:
        parse(extract([{}], header=without))
    assert exc.value.row == 1 and exc.value.file == "nedb_schools_2023-24.csv"
    renamed = [("Кол-во смен" if h == "Количество смен" else h) for h in header]
    with pytest.raises(SourceFormatError, match="renamed to 'Кол-во смен'"):
        parse(extract([{}], header=renamed))


@pytest.mark.parametrize(
    ("header_unit", "message"),
    [("Стоимость бесплатного горячего питания за учебный год", "does not state its unit"),
     ("Стоимость бесплатного горячего питания за учебный год, долл. США", "unknown money unit 'долл. США'")],
)  # fmt: skip
def test_the_meal_cost_unit_must_be_a_known_money_unit(header_unit, message):
    header = [header_unit if h.startswith("Стоимость") else h for h in nedb.header_row()]
    with pytest.raises(SourceFormatError, match=message):
        parse(extract([{}], header=header))


def test_extra_columns_are_ignored_with_a_note_and_order_does_not_matter():
    header = list(reversed(nedb.header_row())) + ["Телефон"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",")
    writer.writerow(header)
    values = {nedb.header_label(c): v for c, v in GOOD.items()}
    writer.writerow([values.get(h, "+7 727 000") for h in header])
    report = ParseReport()
    rows, rejected = parse(out.getvalue().encode(), report=report)
    assert not rejected and rows[0]["shifts"] == "2" and rows[0]["bin"] == GOOD["bin"]
    assert any("ignored column(s): 'Телефон'" in n for n in report.notes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        ("БИН;Учебный год\r\n".encode(), "no NEDB header row"),
        (b"PK\x03\x04 rest of a workbook", "Excel workbook, not a CSV"),
        ("БИН;КАТО".encode("utf-16"), "undecodable encoding"),
        (bytes(range(128, 256)) * 40, "undecodable encoding"),
    ],
)
def test_unreadable_files_are_refused(data, message):
    with pytest.raises(SourceFormatError, match=message):
        parse(data)


def test_header_only_and_truncated_files_are_refused():
    with pytest.raises(SourceFormatError, match="no data rows"):
        parse(extract([]))
    whole = extract([{}, {}, {}])
    with pytest.raises(SourceFormatError, match="looks truncated") as exc:
        parse(whole[: len(whole) - 40])
    assert "of 18 fields" in str(exc.value)


@pytest.mark.parametrize("rows", [100, 1_000])  # bad bytes within the first 64 KB, or far after them
def test_invalid_utf8_after_a_valid_start_is_refused(monkeypatch, rows):
    monkeypatch.setattr(BlockParser, "block_size", 4096)
    data = extract([{} for _ in range(rows)])
    bad = data[:-300] + b"\xff\xfe" + data[-298:]
    with pytest.raises(SourceFormatError, match="undecodable bytes"):
        parse(bad)


def test_bulk_files_are_valid_and_distinct(tmp_path):
    file = nedb.write_bulk_file(tmp_path / "bulk_2023-24.csv", 5_000, chunk_rows=1_500)
    rows, rejected = parse(file.read_bytes(), file.name)
    assert not rejected and len(rows) == 5_000 and len({r["bin"] for r in rows}) == 5_000


# --- loader and staging (real PostgreSQL, real dbt) ------------------------------------------------


def test_loading_twice_changes_nothing_and_refused_rows_are_kept(db, tmp_path):
    # Given an extract with one bad row
    path = tmp_path / "nedb_schools_2023-24.csv"
    path.write_bytes(extract([{}, {"shifts": "9"}, {}]))
    # When it is loaded twice
    first = load_file(SOURCE, path)
    second = load_file(SOURCE, path)
    # Then the second load is a no-op and the quarantine says file, row and reason
    assert (first.rows_loaded, first.rows_quarantined) == (2, 1) and second.status == "already_loaded"
    assert db.execute("select count(*) from raw.nedb_school_years").fetchone()[0] == 2
    row = db.execute(
        "select source_file, row_number, reason, record->>'Количество смен' from raw.quarantine"
    ).fetchone()
    assert row == (path.name, 3, "shifts outside 1-3: '9'", "9")
    nulls = db.execute("select count(*) from raw.nedb_school_years where _sheet is not null or name_kk = ''").fetchone()
    assert nulls[0] == 0


def test_a_refused_file_leaves_nothing(db, tmp_path):
    path = tmp_path / "nedb_schools_2023-24.csv"
    path.write_bytes(extract([{"meal_cost": "8000000"} for _ in range(30)], unit="тыс. тенге"))
    with pytest.raises(SourceFormatError):
        load_file(SOURCE, path)
    assert db.execute("select count(*) from raw.nedb_school_years").fetchone()[0] == 0
    assert db.execute("select status from meta.load_batches").fetchone()[0] == "rejected"


def build_staging(db) -> None:
    from edu_wh.dbt_runner import dbt_command

    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    dbt_command(["build", "-s", "+stg_nedb__school_years", "--vars", "{edu_wh_unit_tests: true}"])


def test_a_synthetic_drop_reproduces_the_seed_figures_in_staging(db, warehouse, tmp_path):
    from edu_wh.config import settings
    from ingest.synth.drop import write_drop
    from orchestration.tasks import load_landing

    # Given a scale-1 drop written straight into landing, and loaded through the landing scan
    write_drop(settings().landing_dir, 1, 2023, sources=["nedb"])
    summary = load_landing("nedb")
    assert len(summary.loaded) == 6 and not summary.rejected
    # and a later correction of one school in thousand tenge (newest batch wins)
    target = db.execute(
        "select bin, meal_cost, pupils_free_meals from raw.nedb_school_years where academic_year = '2024/25' "
        "and kato_code = '195200000' and pupils_free_meals::int > 50 order by bin limit 1"
    ).fetchone()
    correction = tmp_path / "nedb_schools_2024-25_correction.csv"
    row = {"bin": target[0], "academic_year": "2024/25", "pupils_grades_1_4": target[2], "pupils_free_meals": target[2]}
    correction.write_bytes(extract([{**row, "meal_cost": "7777"}], unit="тыс. тенге"))
    # (a delivery of its own, from the ministry, far smaller than the full year: allowed explicitly)
    assert load_file(SOURCE, correction, synthetic=False, allow_volume_drop=True).rows_loaded == 1
    # When staging is built
    build_staging(db)
    # Then the oblast's 2023/24 free meals add up to the seed figures, from the data
    figures = db.execute(
        "select sum(pupils_free_meals), sum(meal_cost_kzt), sum(buses_leased), count(*), bool_and(is_synthetic) "
        "from staging.stg_nedb__school_years where region_kato_code = '190000000' and academic_year = '2023/24'"
    ).fetchone()
    assert figures[:3] == (113_240, 4_529_000_000, 36) and figures[4] is True
    # And before the split the oblast had 800-odd schools under their codes of the time
    before = db.execute(
        "select count(*), count(*) filter (where kato_code = '191600000') from staging.stg_nedb__school_years "
        "where region_kato_code = '190000000' and academic_year = '2021/22'"
    ).fetchone()
    assert 780 <= before[0] <= 820 and before[1] > 0
    # And the correction won, converted from thousand tenge
    corrected = db.execute(
        "select meal_cost_kzt, meal_cost_unit, is_synthetic, name_ru from staging.stg_nedb__school_years "
        "where bin = %s and academic_year = '2024/25'",
        (target[0],),
    ).fetchone()
    assert corrected == (7_777_000, "тыс. тенге", False, GOOD["name_ru"])
    # And loading the landing folder again changes nothing
    assert load_landing("nedb").loaded == []
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from meta.load_batches where status = 'loaded'").fetchone()[0] == 7


def test_the_ingest_nedb_dag_loads_what_landed_and_fails_on_a_refused_file(db, dagbag):
    from edu_wh.config import settings
    from ingest.synth.drop import write_drop
    from tests.conftest import run_dag

    # Given a synthetic drop in landing and one extract whose unit is wrong
    landing = settings().landing_dir
    write_drop(landing, 1, 2023, sources=["nedb"])
    bad = landing / "nedb" / "nedb_schools_2018-19.csv"
    bad.write_bytes(
        extract([{"meal_cost": "8000000", "academic_year": "2018/19"} for _ in range(30)], unit="тыс. тенге")
    )
    # When the DAG runs
    run = run_dag(dagbag, "ingest_nedb")
    # Then the good extracts are loaded, the bad one is moved to quarantine with its reason, the run fails
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["load_nedb"] == "success" and states["check_rejections"] == "failed" and run.state == "failed"
    assert db.execute("select count(*) from raw.nedb_school_years").fetchone()[0] == 5_862
    moved = settings().home / "quarantine" / "nedb" / bad.name
    assert moved.exists() and not bad.exists()
    assert "1000× off" in (moved.parent / (bad.name + ".reason.txt")).read_text(encoding="utf-8")
    # And a second run finds nothing new and succeeds; with nothing loaded the rejection check is
    # skipped by the scheduler (no task process for a landing scan that found nothing)
    again = run_dag(dagbag, "ingest_nedb")
    assert again.state == "success"
    states = {ti.task_id: ti.state for ti in again.get_task_instances()}
    assert states == {"load_nedb": "skipped", "check_rejections": "skipped"}, states
    assert db.execute("select count(*) from meta.load_batches where status = 'loaded'").fetchone()[0] == 6
