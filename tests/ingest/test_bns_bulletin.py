"""The BNS bulletin reader on the real Kazakh bulletin, on a Russian one built here, and on broken variants."""

from __future__ import annotations

import io

import pytest

from ingest.base import ParseReport, Rejected, Row, SourceFormatError
from ingest.bns_bulletin import SOURCE
from ingest.loader import load_file
from ingest.reference import resolve_territory
from tests.conftest import SAMPLES
from tests.workbooks import workbook

BULLETIN = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"
COLUMNS = SOURCE.raw_table.columns


def as_dicts(items) -> list[dict]:
    return [dict(zip(COLUMNS, i.values)) | {"sheet": i.sheet, "row": i.row_number} for i in items if isinstance(i, Row)]


def rejected(items) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def cell(rows, table, row_label, column_label) -> dict:
    [found] = [
        r
        for r in rows
        if r["table_code"] == table and r["row_label"] == row_label and r["column_label"] == column_label
    ]
    return found


# A Russian bulletin of the same kind, built cell by cell (BNS layout: cover, legend, contents, tables).
RU_COVER = [
    [None, None, None, None, "Дата релиза: 22.06.2023"],
    [None, None, None, None, "Дата следующего релиза: 24.06.2024"],
    ["О финансово-хозяйственной деятельности организаций образования в Республике Казахстан"],
    ["2022 год"],
]
RU_LEGEND = [[None, "Условные обозначения:"], [None, "«-» явление отсутствует"], [None, "«х» данные конфиденциальны"]]
RU_CONTENTS = [
    [None, "Содержание"],
    ["1.1", "Доходы и расходы: все виды образования"],
    ["2.1", "Текущие доходы: всего по республике"],
    ["2.2", "Текущие доходы: городская местность"],
]


def ru_region_table(**overrides) -> list[list]:
    return [
        ["1.1 Доходы и расходы"],
        ["Образование"],
        [None, None, None, overrides.get("unit", "тыс. тенге")],
        [None, "Текущие доходы", "Текущие расходы", "Капитальный ремонт"],
        ["Республика Казахстан", 4598125014, 4589996622, 52537176],
        [overrides.get("oblast", "Алматинская область"), 275562056, overrides.get("value", 272914067), "х"],
        ["область Жетісу", 145282228, 145462766, "-"],
        ["г.Алматы", 588886105, 582752142, "..."],
    ]


def ru_item_table(code: str = "2.1", subtitle: str = "Всего") -> list[list]:
    return [
        [f"{code} Текущие доходы"],
        [subtitle],
        [None, None, None, "тыс. тенге"],
        [None, "За отчетный год, всего", "в том числе", None],
        [None, None, "дошкольное образование", "высшее образование"],
        ["Всего", 4598125014, 580143471, 598983099],
        ["в том числе:", None, None, None],
        ["из республиканского бюджета", 1644028689, 146383395, "0,0"],
        [],
        ["Ответственный за выпуск:", None, "Тел. 74 93 74"],
    ]


def ru_bulletin(**tables) -> bytes:
    sheets = {
        "Обложка": RU_COVER,
        "Усл.обозначения": RU_LEGEND,
        "Содержание": RU_CONTENTS,
        "1.1": ru_region_table(),
        "2.1": ru_item_table(),
        "2.2": ru_item_table("2.2", "Городская местность"),
    }
    sheets.update(tables)
    return workbook({name: rows for name, rows in sheets.items() if rows is not None})


# --- the real bulletin ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    report = ParseReport()
    items = list(SOURCE.parse(BULLETIN.open("rb"), BULLETIN.name, report))
    return items, as_dicts(items), report


def test_real_bulletin_yields_every_value_cell_of_every_table(real):
    # Given the real Kazakh bulletin (legacy .xls, 75 sheets, tables 1.1 … 7.9, thousand tenge)
    items, rows, report = real
    # Then every value cell of the 75 tables arrives (sheet 1.8 holds 1.8 and 1.8.1-1.8.4), none quarantined
    assert not rejected(items)
    assert len(rows) == 8532
    assert len({r["table_code"] for r in rows}) == 75
    # And the report year and release date come from the cover
    assert {(r["report_year"], r["release_date"]) for r in rows} == {("2022", "2023-06-22")}
    assert report.period == "2022"
    assert {r["unit_label"] for r in rows} == {"мың теңге"}
    assert {r["language"] for r in rows} == {"kk"}


def test_almaty_oblast_and_city_expenditure_from_sheet_1_1(real):
    _, rows, _ = real
    # Given table 1.1 (income and expenditure of all education, by region, in Kazakh)
    oblast = cell(rows, "1.1", "Алматы", "Ағымдағы шығыстар")
    city = cell(rows, "1.1", "Алматы қаласы", "Ағымдағы шығыстар")
    # Then current expenditure is 272,914,067 thousand tenge in the oblast and 582,752,142 in the city
    assert (oblast["cell_text"], oblast["cell_ref"], oblast["sheet"]) == ("272914067", "C9", "1.1")
    assert (city["cell_text"], city["cell_ref"]) == ("582752142", "C24")
    assert oblast["table_kind"] == "region" and oblast["table_title"] == "Табыстар және шығыстар"
    assert oblast["table_subtitle"] == "Білім беру"
    # And in Kazakh 'Алматы' is the oblast, 'Алматы қаласы' the city
    assert resolve_territory(oblast["row_label"], "kk") == "190000000"
    assert resolve_territory(city["row_label"], "kk") == "750000000"


def test_tables_are_found_by_content_not_by_sheet(real):
    _, rows, report = real
    # Table 1.8.3 is the fourth table inside sheet '1.8', with its own subtitle and header
    driving = cell(rows, "1.8.3", "Алматы", "Ағымдағы табыстар")
    assert (driving["sheet"], driving["cell_ref"], driving["cell_text"]) == ("1.8", "B87", "24722")
    assert driving["table_subtitle"] == "Көлік құралдары жүргізушілерін дайындау мектептерінің қызметі"
    # A two-row subtitle (1.10: 'Білім беру' / 'қалалық жер') and a unit further down
    urban = cell(rows, "1.10", "Алматы", "Ағымдағы шығыстар")
    assert urban["table_subtitle"] == "Білім беру / қалалық жер" and urban["cell_text"] == "47118392"
    # Item tables: rows are line items, the two-row header's spanning cell carries right
    transfers = cell(rows, "2.1", "республикалық бюджеттен", "соның ішінде / жоғары білім беру")
    assert transfers["table_kind"] == "item" and transfers["cell_text"] == "324602487"
    # A bilingual header (2.6 has Kazakh and Russian rows): only the table's language is used
    assert {r["column_label"] for r in rows if r["table_code"] == "2.6"} == {
        r["column_label"] for r in rows if r["table_code"] == "2.1"
    }
    assert any("2.6: header rows in a second language ignored" in n for n in report.notes)
    # The signatures under table 7.9 are not data
    assert not [r for r in rows if r["table_code"] == "7.9" and "департамент" in r["row_label"].lower()]
    assert any("'7.9' rows 16-20" in n for n in report.notes)
    # Markers are kept as delivered
    assert cell(rows, "1.11", "Алматы қаласы", "Ағымдағы шығыстар")["cell_text"] == "-"


def test_region_tables_and_item_tables(real):
    _, rows, _ = real
    kinds = {r["table_code"]: r["table_kind"] for r in rows}
    assert {code for code, kind in kinds.items() if kind == "region"} == {
        *(f"1.{n}" for n in range(1, 18)),
        *(f"1.8.{n}" for n in range(1, 5)),
    }
    region_labels = {r["row_label"] for r in rows if r["table_kind"] == "region"}
    assert len(region_labels) == 22  # republic, 20 regions and the Nur-Sultan spelling of Astana in 1.8
    assert all(resolve_territory(label, "kk") for label in region_labels)


# --- a Russian bulletin of the same kind, without code changes --------------------------------


def test_a_russian_bulletin_reads_with_the_same_code():
    # Given a Russian-titled bulletin: 'Дата релиза', '2022 год', 'тыс. тенге', Russian region names
    report = ParseReport()
    items = list(SOURCE.parse(io.BytesIO(ru_bulletin()), "education_finance_2022_ru.xlsx", report))
    rows = as_dicts(items)
    # Then its cover, tables, header and regions are read
    assert not rejected(items)
    assert {(r["report_year"], r["release_date"], r["language"]) for r in rows} == {("2022", "2023-06-22", "ru")}
    oblast = cell(rows, "1.1", "Алматинская область", "Текущие расходы")
    assert (oblast["cell_text"], oblast["unit_label"], oblast["table_kind"]) == ("272914067", "тыс. тенге", "region")
    assert cell(rows, "1.1", "г.Алматы", "Капитальный ремонт")["cell_text"] == "..."
    # And in Russian 'Алматинская область' is the oblast, 'г.Алматы' the city
    assert resolve_territory("Алматинская область", "ru") == "190000000"
    assert resolve_territory("г.Алматы", "ru") == "750000000"
    item = cell(rows, "2.1", "из республиканского бюджета", "в том числе / высшее образование")
    assert (item["table_kind"], item["cell_text"]) == ("item", "0,0")
    assert cell(rows, "2.1", "Всего", "За отчетный год, всего")["cell_text"] == "4598125014"
    assert not [r for r in rows if r["row_label"] in {"в том числе:", "Ответственный за выпуск:"}]
    assert "bulletin 2022, released 2023-06-22" in report.notes[-2]


def test_almaty_means_the_city_in_russian_and_the_oblast_in_kazakh():
    # Given the same label 'Алматы' in a Russian and in a Kazakh region table (the Russian one without
    # 'г.Алматы', which would name the city twice)
    ru = ru_region_table(oblast="Алматы")[:-1]
    kk = [
        ["1.1 Табыстар және шығыстар"],
        ["Білім беру"],
        [None, None, None, "мың теңге"],
        [None, "Ағымдағы табыстар", "Ағымдағы шығыстар", "Күрделі жөндеуге шығыстар"],
        ["Қазақстан Республикасы", 1, 2, 3],
        ["Алматы", 4, 5, 6],
        ["Алматы қаласы", 7, 8, 9],
    ]
    ru_rows = as_dicts(SOURCE.parse_bytes(ru_bulletin(**{"1.1": ru}), "ru.xlsx"))
    kk_rows = as_dicts(SOURCE.parse_bytes(ru_bulletin(**{"1.1": kk}), "kk.xlsx"))
    ru_label = cell(ru_rows, "1.1", "Алматы", "Текущие расходы")
    kk_label = cell(kk_rows, "1.1", "Алматы", "Ағымдағы шығыстар")
    # Then each table's language decides: the city in Russian, the oblast in Kazakh
    assert (ru_label["language"], kk_label["language"]) == ("ru", "kk")
    assert resolve_territory(ru_label["row_label"], ru_label["language"]) == "750000000"
    assert resolve_territory(kk_label["row_label"], kk_label["language"]) == "190000000"


# --- bad input -------------------------------------------------------------------------------


def test_a_renamed_sheet_is_still_found_by_its_title():
    data = ru_bulletin(**{"1.1": None, "Лист1": ru_region_table()})
    rows = as_dicts(SOURCE.parse_bytes(data, "renamed.xlsx"))
    assert cell(rows, "1.1", "г.Алматы", "Текущие доходы")["sheet"] == "Лист1"


def test_a_table_listed_in_the_contents_but_missing_is_refused():
    with pytest.raises(SourceFormatError, match=r"tables listed in the contents \('Содержание'\) are missing: 2\.2"):
        SOURCE.parse_bytes(ru_bulletin(**{"2.2": None}), "missing.xlsx")


def test_the_same_table_twice_is_refused():
    with pytest.raises(SourceFormatError, match=r"table 2\.1 appears twice \(sheets '2\.1' and '2\.1 \(2\)'\)"):
        SOURCE.parse_bytes(ru_bulletin(**{"2.1 (2)": ru_item_table()}), "twice.xlsx")


def test_text_in_a_numeric_cell_is_quarantined_with_cell_and_reason():
    items = SOURCE.parse_bytes(ru_bulletin(**{"1.1": ru_region_table(value="двести")}), "bad.xlsx")
    [bad] = rejected(items)
    assert bad.reason == "not a number or BNS marker: 'двести' in cell C6"
    assert (bad.sheet, bad.row_number) == ("1.1", 6)
    assert len(as_dicts(items)) == 3 * 4 - 1 + 2 * 6  # the other cells still load


def test_an_unknown_region_is_quarantined():
    items = SOURCE.parse_bytes(ru_bulletin(**{"1.1": ru_region_table(oblast="Атлантида")}), "bad.xlsx")
    [bad] = rejected(items)
    assert bad.reason == "unknown territory name: 'Атлантида' is not in seeds/territory_names.csv (ru), table 1.1"
    assert not [r for r in as_dicts(items) if r["row_label"] == "Атлантида"]


def test_a_repeated_row_label_is_quarantined():
    table = ru_region_table()
    table.append(["г.Алматы", 1, 2, 3])
    items = SOURCE.parse_bytes(ru_bulletin(**{"1.1": table}), "bad.xlsx")
    assert [r.reason for r in rejected(items)] == ["duplicate row label 'г.Алматы' in table 1.1 (first at row 8)"]


def test_a_wrong_unit_is_refused_naming_table_and_sheet():
    with pytest.raises(
        SourceFormatError, match=r"sheet '1\.1', row 4: table 1\.1: no unit of measure .*'тыс\. долларов'"
    ):
        SOURCE.parse_bytes(ru_bulletin(**{"1.1": ru_region_table(unit="тыс. долларов")}), "unit.xlsx")


def test_a_workbook_without_a_cover_is_refused():
    with pytest.raises(SourceFormatError, match="no cover with the release date and the report year"):
        SOURCE.parse_bytes(ru_bulletin(**{"Обложка": None}), "nocover.xlsx")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"<html><body>Not found</body></html>", "an HTML page"),
        (b"\xd0\xcf\x11\xe0truncated", "not a readable .xls workbook"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(SourceFormatError, match=message) as info:
        SOURCE.parse_bytes(data, "broken.xls")
    assert "broken.xls" in str(info.value)


def test_the_truncated_real_file_is_refused():
    data = BULLETIN.read_bytes()
    with pytest.raises(SourceFormatError, match="broken.xls"):
        SOURCE.parse_bytes(data[: len(data) // 2], "broken.xls")


# --- against the warehouse -------------------------------------------------------------------


def test_loading_twice_changes_nothing(db):
    first = load_file(SOURCE, BULLETIN)
    assert first.status == "loaded" and (first.rows_loaded, first.rows_quarantined) == (8532, 0)
    second = load_file(SOURCE, BULLETIN)
    assert second.status == "already_loaded" and second.batch_id == first.batch_id
    assert db.execute("select count(*) from raw.bns_bulletin_cells").fetchone()[0] == 8532


def test_an_oversized_file_is_refused_before_parsing(db, monkeypatch):
    monkeypatch.setenv("EDU_WH_MAX_FILE_MB", "0.1")
    with pytest.raises(SourceFormatError, match="MB limit"):
        load_file(SOURCE, BULLETIN)
    assert db.execute("select count(*) from raw.bns_bulletin_cells").fetchone()[0] == 0


def test_staging_types_values_in_tenge_and_resolves_regions(db, tmp_path):
    from edu_wh.dbt_runner import dbt_command

    # Given the real Kazakh bulletin and a Russian one of the same year loaded
    load_file(SOURCE, BULLETIN)
    russian = tmp_path / "education_finance_2022_ru.xlsx"
    russian.write_bytes(ru_bulletin())
    load_file(SOURCE, russian)
    # When staging is built and tested
    dbt_command(["build", "--select", "+stg_bns__bulletin_values", "territories", "--indirect-selection", "cautious"])

    def value(table, language, label, column):
        return db.execute(
            "select kato_code, value, value_kzt, value_status, unit_code from staging.stg_bns__bulletin_values "
            "where table_code = %s and language = %s and row_label = %s and column_label = %s",
            (table, language, label, column),
        ).fetchone()

    # Then thousand tenge become tenge, and the label resolves by language
    assert value("1.1", "kk", "Алматы", "Ағымдағы шығыстар") == (
        "190000000",
        272914067,
        272914067000,
        "reported",
        "kzt",
    )
    assert value("1.1", "kk", "Алматы қаласы", "Ағымдағы шығыстар")[:3] == ("750000000", 582752142, 582752142000)
    assert value("1.1", "ru", "г.Алматы", "Текущие расходы")[0] == "750000000"
    assert value("1.1", "ru", "Алматинская область", "Капитальный ремонт")[1:4] == (None, None, "confidential")
    # Item tables have no territory; markers have a status
    assert value("2.1", "kk", "республикалық бюджеттен", "Есеп жылы, барлығы")[:3] == (
        None,
        1644028689,
        1644028689000,
    )
    assert value("1.11", "kk", "Алматы қаласы", "Ағымдағы шығыстар")[3] == "none"
    counts = db.execute(
        "select language, count(*), count(kato_code), min(report_year), min(release_date)::text "
        "from staging.stg_bns__bulletin_values group by language order by language"
    ).fetchall()
    assert counts == [("kk", 8532, 21 * 5 * 21, 2022, "2023-06-22"), ("ru", 12 + 6 * 2, 12, 2022, "2023-06-22")]


def test_the_bns_dag_loads_the_bulletin_that_landed(db, dagbag):
    from edu_wh.config import settings
    from tests.conftest import run_dag

    # Given the bulletin in landing/bns_bulletin/ (and no dynamic table)
    landing = settings().landing_dir / "bns_bulletin"
    landing.mkdir(parents=True)
    (landing / BULLETIN.name).write_bytes(BULLETIN.read_bytes())
    # When the BNS ingest DAG runs
    run = run_dag(dagbag, "ingest_bns")
    # Then the bulletin is loaded and the run succeeds
    assert str(run.state) == "success"
    assert db.execute("select count(*) from raw.bns_bulletin_cells").fetchone()[0] == 8532
