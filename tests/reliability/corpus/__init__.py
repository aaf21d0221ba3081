"""A corpus of malformed deliveries for every file source, generated from real files.

Nothing here is committed as data: each case is built at test time from the real samples in
``data/samples/`` (BNS tables, press articles, the KATO classifier) or from the project's own
generator (the synthetic scale-1 drop: NEDB extracts, Comfortable School reports, data.egov.kz
and open-budget responses), then damaged in one way a publisher or a user really damages files.

Each :class:`Case` says what must happen when the real loader (``ingest.loader.load_file``) gets
the file:

``refused``
    :class:`~ingest.base.SourceFormatError`, whose message names the file, the reason (``reason``
    regex) and, where the case says so, the row and sheet; the batch ends ``rejected`` and nothing
    of the file is in raw or in quarantine.
``quarantined``
    the file loads, and ``raw.quarantine`` holds the bad record(s) with a reason matching
    ``reason`` (and their row numbers); the bad values are not in the raw table.
``loaded``
    the file is fine as delivered (a control case, or a legitimately odd one such as a pre-2022
    KATO code): it loads, nothing is quarantined, and ``note`` (if given) is in the batch's notes.

``huge`` cases are files over ``EDU_WH_MAX_FILE_MB`` (the test lowers the limit to 1 MB).

Some damage cannot be judged from the file alone (a negative count where the unit is only known
in staging, a report for a month that has not happened yet: parsers are pure functions of the
bytes and the name, without a clock). Such cases load, and the ``publish`` subset proves they
never reach ``published``: ``probe`` counts the published rows they would make (the gate must
block them, or staging must not carry them).
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from edu_wh.config import REPO_ROOT
from tests.workbooks import workbook

SAMPLES = REPO_ROOT / "data" / "samples"
SCHOOLS_XLSX = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
BULLETIN_XLS = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"
DOCTORS_XLS = SAMPLES / "bns" / "corpus" / "doctors-by-region__Численность врачей всех специальностей.xls"
DECENT_WORK_XLSX = SAMPLES / "bns" / "corpus" / "decent_work_indicators__work_stats.xlsx"


def _hostile(name: str) -> bytes:
    from benchmarks.hostile_workbooks import CASES as HOSTILE

    return HOSTILE[name]()


KATO_CSV = SAMPLES / "reference" / "kato_2022-10-17_full_ru.csv"
MINFIN_CSV = SAMPLES / "minfin" / "local_budget_execution_education_2013-2023.csv"
PRESS_KK = SAMPLES / "press" / "004_5ed07df8b3c5f9b6.txt"
PRESS_RU = SAMPLES / "press" / "003_97ac62daf8c75279.txt"

INJECTION = 'x"; drop table raw.quarantine; --'


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    filename: str
    build: Callable[[Inputs], bytes]
    expect: str  # refused | quarantined | loaded
    reason: str = ""  # regex: the refusal message, or a quarantine reason
    row: int | None = None  # refused: the row the message must name
    sheet: str | None = None  # refused: the sheet the message must name
    note: str = ""  # loaded: regex one of the batch's notes must match
    absent: tuple[str, ...] = ()  # quarantined: text that must not appear in any raw row of the batch
    huge: bool = False
    publish: bool = False  # part of the subset taken through dbt, the gate and the swap
    probe: str = ""  # publish subset: SQL counting published rows the case's bad values would make; must be 0
    defect: str = ""  # a known defect: the case is expected to fail (strict xfail) until it is fixed

    def __post_init__(self):
        assert self.expect in {"refused", "quarantined", "loaded"}, self.expect


@dataclass
class Inputs:
    """Where the cases take their good material from."""

    drop: Path  # the synthetic drop (ensure_synthetic_drop)
    _cache: dict = field(default_factory=dict)

    def nedb_text(self, year: str = "2023-24") -> str:
        return (self.drop / "nedb" / f"nedb_schools_{year}.csv").read_bytes().decode("utf-8-sig")

    def cs_report(self) -> Path:
        return self.drop / "comfortable_school" / "komfortnaya_shkola_operator_2023q3.xlsx"

    def egov_records(self, dataset: str = "state_schools") -> list[dict]:
        payload = json.loads((self.drop / "_publisher_api" / "egov" / f"{dataset}__v1.json").read_text("utf-8"))
        return payload["records"]

    def budget_report(self, kato: str = "190000000", period: str = "2023-07") -> dict:
        return json.loads((self.drop / "_publisher_api" / "budget" / kato / f"{period}.json").read_text("utf-8"))


# --- damaging helpers --------------------------------------------------------------------------------


def truncate(data: bytes, share: float = 0.5) -> bytes:
    return data[: int(len(data) * share)]


def garbage(n: int = 4096, seed: int = 7, prefix: bytes = b"") -> bytes:
    rng = random.Random(seed)
    return prefix + bytes(rng.randrange(256) for _ in range(n))


def xlsx_edit(path: Path, edit: Callable) -> bytes:
    """The workbook at ``path`` with ``edit(workbook)`` applied, as bytes."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    edit(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _find_row(ws, label: str) -> int:
    for row in ws.iter_rows():
        if isinstance(row[0].value, str) and row[0].value.strip() == label:
            return row[0].row
    raise KeyError(label)


def schools_edit(edit: Callable) -> Callable[[Inputs], bytes]:
    return lambda _inputs: xlsx_edit(SCHOOLS_XLSX, lambda wb: edit(wb.active))


def set_value(label: str, column: int, value) -> Callable:
    def edit(ws):
        ws.cell(_find_row(ws, label), column).value = value

    return edit


def insert_row_after(label: str, values: list) -> Callable:
    def edit(ws):
        at = _find_row(ws, label) + 1
        ws.insert_rows(at)
        for c, v in enumerate(values, start=1):
            ws.cell(at, c).value = v

    return edit


def kk_dynamic(rows: list[list]) -> bytes:
    """A small BNS dynamic table in Kazakh (the layout of the real Russian one)."""
    return workbook(
        {
            "Мектептер": [
                ["Жалпы білім беретін мектептер саны"],
                [None, None, None, "бірлік"],
                [None, "2020/21", "2021/22", "2022/23"],
                ["Барлық халық"],
                ["Қазақстан Республикасы", 7440, 7550, 7687],
                *rows,
            ]
        }
    )


def bulletin(table_rows: list[list] | None = None, **tables) -> bytes:
    from tests.ingest.test_bns_bulletin import ru_bulletin

    if table_rows is not None:
        tables["1.1"] = [
            ["1.1 Табыстар және шығыстар"],
            ["Білім беру"],
            [None, None, None, tables.pop("unit", "мың теңге")],
            [None, "Ағымдағы табыстар", "Ағымдағы шығыстар", "Күрделі жөндеуге шығыстар"],
            ["Қазақстан Республикасы", 4598125014, 4589996622, 52537176],
            *table_rows,
        ]
    return ru_bulletin(**tables)


def bulletin_xls_edit(edit_bytes: Callable[[bytes], bytes]) -> Callable[[Inputs], bytes]:
    return lambda _inputs: edit_bytes(BULLETIN_XLS.read_bytes())


def kato_lines(*extra: str, header: str = "id;parent_id;code;name", encoding: str = "utf-8-sig") -> bytes:
    """The real classifier's Almaty part (lines as published) plus ``extra`` lines."""
    lines = KATO_CSV.read_text(encoding="utf-8-sig").splitlines()
    almaty = [line for line in lines[1:] if line.split(";")[2][:2] in {"19", "75"}]
    # renumber ids so that parents resolve inside the extract
    ids = {line.split(";")[0]: str(i) for i, line in enumerate(almaty, start=1)}
    out = []
    for line in almaty:
        rid, parent, code, name = line.split(";", 3)
        out.append(f"{ids[rid]};{ids.get(parent, '0')};{code};{name}")
    return "\n".join([header, *out, *extra]).encode(encoding, errors="replace")


def minfin_lines(*extra: str, header: str | None = None, encoding: str = "utf-8") -> bytes:
    """The real MinFin series with ``extra`` rows appended (and its header replaced by ``header``)."""
    lines = MINFIN_CSV.read_text(encoding="utf-8").splitlines()
    if header is not None:
        lines[0] = header
    return ("\n".join([*lines, *extra]) + "\n").encode(encoding)


def kato_next_id() -> int:
    return kato_lines().decode("utf-8-sig").count("\n") + 1


def nedb_edit(edit: Callable[[list[list[str]]], None], *, year: str = "2023-24", encoding="utf-8-sig"):
    """A generated NEDB extract with ``edit(rows)`` applied (rows[0] is the header)."""

    def build(inputs: Inputs) -> bytes:
        rows = list(csv.reader(io.StringIO(inputs.nedb_text(year)), delimiter=";"))
        edit(rows)
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode(encoding)

    return build


def nedb_col(rows: list[list[str]], header_start: str) -> int:
    return next(i for i, h in enumerate(rows[0]) if h.startswith(header_start))


def nedb_set(row: int, header_start: str, value: str) -> Callable:
    def edit(rows):
        rows[row][nedb_col(rows, header_start)] = value

    return edit


def cs_edit(edit: Callable) -> Callable[[Inputs], bytes]:
    return lambda inputs: xlsx_edit(inputs.cs_report(), lambda wb: edit(wb.worksheets[0]))


def cs_header_col(ws, label: str) -> int:
    for row in ws.iter_rows(max_row=30):
        for c in row:
            if c.value == label:
                return c.column
    raise KeyError(label)


def cs_first_data_row(ws) -> int:
    for row in ws.iter_rows(max_row=30):
        if any(c.value == "ID проекта" for c in row):
            return row[0].row + 1
    raise KeyError("header")


def cs_set(label: str, value, offset: int = 0) -> Callable:
    def edit(ws):
        ws.cell(cs_first_data_row(ws) + offset, cs_header_col(ws, label)).value = value

    return edit


def egov_page(mutate: Callable[[list[dict]], object] | None = None, *, raw: bytes | None = None):
    def build(inputs: Inputs) -> bytes:
        if raw is not None:
            return raw
        records = [dict(r) for r in inputs.egov_records()[:20]]
        payload = {"totalCount": len(records), "data": records}
        if mutate is not None:
            replaced = mutate(records)
            if replaced is not None:
                payload = replaced
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    return build


EGOV_PAGE = "state_schools__v1__after-start__from-000000.json"


def budget_page(mutate: Callable[[dict], None] | None = None, *, period: str = "2023-07", encoding="utf-8"):
    def build(inputs: Inputs) -> bytes:
        report = inputs.budget_report(period=period)
        rows = report.pop("rows")
        page = {"page": 1, "total": 1, "records": len(rows), "rows": rows, "userdata": report}
        if mutate is not None:
            mutate(page)
        return json.dumps(page, ensure_ascii=False).encode(encoding)

    return build


def budget_name(period: str = "2023-07", kato: str = "190000000") -> str:
    return f"budget_execution__{kato}__{period}__page-001.json"


def _cell(page: dict, index: int = 1) -> list:
    return page["rows"][index]["cell"]


def press_bytes(path: Path = PRESS_RU, encoding: str = "utf-8") -> Callable[[Inputs], bytes]:
    return lambda _inputs: path.read_text(encoding="utf-8").encode(encoding)


def _clear_unit(ws) -> None:
    for row in ws.iter_rows(max_row=8):
        for c in row:
            if c.value == "единиц":
                c.value = None


def _drop_column(rows: list[list[str]], header: str) -> None:
    i = rows[0].index(header)
    for row in rows:
        del row[i]


def del_rows(rows: list[list[str]]) -> None:
    del rows[1:]


def _nedb_thousands(rows: list[list[str]], *, header: bool = True, decimals: bool = False) -> None:
    """Meal costs in thousand tenge (whole, or with one decimal as BNS writes thousands); the header
    says so when ``header``."""
    i = nedb_col(rows, "Стоимость бесплатного горячего питания")
    if header:
        rows[0][i] = rows[0][i].replace(", тенге", ", тыс. тенге")
    for row in rows[1:]:
        if row[i]:
            row[i] = f"{int(row[i]) / 1000:.1f}" if decimals else str(max(1, round(int(row[i]) / 1000)))


def _huge_nedb(inputs: Inputs) -> bytes:
    text = inputs.nedb_text()
    header, _, body = text.partition("\n")
    copies = (1_200_000 // len(body.encode("utf-8"))) + 1
    return ("\ufeff" + header + "\n" + body * copies).encode("utf-8")


# --- the corpus ----------------------------------------------------------------------------------------

BNS_DYN = "number_of_schools_by_region_2000-2023_ru.xlsx"
BULLETIN = "education_organisations_finance_2022_kk.xls"
KATO_NAME = "kato_2022-10-17_almaty_ru.csv"
NEDB_NAME = "nedb_schools_2023-24.csv"
CS_NAME = "komfortnaya_shkola_operator_2023q3.xlsx"
MINFIN_NAME = "minfin_local_budget_execution_2024-01.csv"

CASES: list[Case] = [
    # --- bns_dynamic (the real schools table) ---
    Case("dyn_control", "bns_dynamic", BNS_DYN, lambda i: SCHOOLS_XLSX.read_bytes(), "loaded", note="unit 'единиц'"),
    Case("dyn_empty", "bns_dynamic", BNS_DYN, lambda i: b"", "refused", "the file is empty"),
    Case(
        "dyn_truncated",
        "bns_dynamic",
        BNS_DYN,
        lambda i: truncate(SCHOOLS_XLSX.read_bytes()),
        "refused",
        r"not a readable \.xlsx workbook \(truncated or corrupt",
    ),
    Case(
        "dyn_saved_as_cp1251_csv",
        "bns_dynamic",
        "number_of_schools.xls",
        lambda i: "Число общеобразовательных школ;2021/22;2022/23\nгород Алматы;320;333\n".encode("cp1251"),
        "refused",
        r"not an Excel workbook",
    ),
    Case(
        "dyn_html_page",
        "bns_dynamic",
        BNS_DYN,
        lambda i: b"<!DOCTYPE html><html><body>503</body></html>",
        "refused",
        "an HTML page",
    ),
    Case(
        "dyn_binary_garbage",
        "bns_dynamic",
        BNS_DYN,
        lambda i: garbage(prefix=b"PK\x03\x04"),
        "refused",
        "truncated or corrupt",
    ),
    Case(
        "dyn_text_in_numeric_cell",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(set_value("город Алматы", 24, "триста")),
        "quarantined",
        r"not a number or BNS marker: 'триста' in cell X\d+",
        absent=("триста",),
        publish=True,
    ),
    Case(
        "dyn_formula_cell_kept_as_delivered",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(set_value("город Алматы", 24, "=SUM(B1:B2)")),
        "loaded",
    ),
    Case(
        "dyn_unknown_territory",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(set_value("город Алматы", 1, "Атлантида")),
        "quarantined",
        r"unknown territory name: 'Атлантида'",
        absent=("Атлантида",),
    ),
    Case(
        "dyn_missing_unit",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(_clear_unit),
        "refused",
        r"no unit of measure above the header",
        row=7,
        sheet="Число общеобраз. школ",
    ),
    Case(
        "dyn_duplicate_territory_row",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(insert_row_after("город Алматы", ["г.Алматы", *[987654] * 23])),
        "quarantined",
        r"(?i)750000000.*(twice|more than once|again)",
        absent=("987654",),
        publish=True,
        probe="select count(*) from published.school_counts where schools_count = 987654",
    ),
    Case(
        "dyn_negative_count",
        "bns_dynamic",
        BNS_DYN,
        schools_edit(set_value("город Алматы", 24, -333)),
        "loaded",
        publish=True,
        probe="select count(*) from published.school_counts where schools_count < 0",
    ),
    Case(
        "dyn_kk_almaty_is_the_city_next_to_almaty_oblast",
        "bns_dynamic",
        "mektepter_kk.xlsx",
        lambda i: kk_dynamic([["Алматы облысы", 787, 800, 677], ["Алматы", 31337, 31338, 31339]]),
        "quarantined",
        r"(?i)190000000.*(twice|more than once|again)",
        absent=("31338",),
        publish=True,
        probe="select count(*) from published.school_counts where schools_count in (31337, 31338, 31339)",
    ),
    Case(
        "dyn_kk_almaty_oblast_and_almaty_qalasy_control",
        "bns_dynamic",
        "mektepter_kk.xlsx",
        lambda i: kk_dynamic([["Алматы", 787, 800, 677], ["Алматы қаласы", 210, 215, 223]]),
        "loaded",
        note="language kk",
    ),
    Case(
        "dyn_injection_in_sheet_name",
        "bns_dynamic",
        BNS_DYN,
        lambda i: xlsx_edit(SCHOOLS_XLSX, lambda wb: setattr(wb.active, "title", INJECTION[:31])),
        "loaded",
        note=r"sheet 'x\"; drop table raw\.quarantine; '",
    ),
    # --- bns (the generic reader: real corpus workbooks, hostile workbooks) ---
    Case("bns_doctors_control", "bns", DOCTORS_XLS.name, lambda i: DOCTORS_XLS.read_bytes(), "loaded"),
    Case(
        "bns_not_territorial",
        "bns",
        DECENT_WORK_XLSX.name,
        lambda i: DECENT_WORK_XLSX.read_bytes(),
        "refused",
        r"not a territorial table",
    ),
    Case("bns_last_cell_used", "bns", "hostile_range.xlsx", lambda i: _hostile("real_range"), "refused", r"1,048,576"),
    Case("bns_zip_bomb", "bns", "bomb.xlsx", lambda i: _hostile("zip_bomb"), "refused", r"unpacks to"),
    # --- bns_bulletin (the real Kazakh bulletin, and the Russian layout of its tests) ---
    Case("bul_truncated", "bns_bulletin", BULLETIN, bulletin_xls_edit(truncate), "refused", r"truncated or corrupt"),
    Case(
        "bul_garbage_with_xls_signature",
        "bns_bulletin",
        BULLETIN,
        lambda i: garbage(prefix=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        "refused",
        r"not a readable \.xls workbook",
    ),
    Case(
        "bul_utf16_text_saved_as_xls",
        "bns_bulletin",
        BULLETIN,
        lambda i: "Білім беру ұйымдары\t2022\n".encode("utf-16"),
        "refused",
        r"not an Excel workbook",
    ),
    Case(
        "bul_wrong_unit_dollars",
        "bns_bulletin",
        "bulletin_ru.xlsx",
        lambda i: bulletin([["Алматы облысы", 1, 2, 3]], unit="тыс. долларов"),
        "refused",
        r"table 1\.1: no unit of measure",
        sheet="1.1",
    ),
    Case(
        "bul_text_in_numeric_cell",
        "bns_bulletin",
        "bulletin_ru.xlsx",
        lambda i: bulletin([["Алматы облысы", 275562056, "екі жүз", 1], ["Алматы қаласы", 5, 6, 7]]),
        "quarantined",
        r"not a number or BNS marker: 'екі жүз'",
        absent=("екі жүз",),
    ),
    Case(
        "bul_kk_almaty_is_the_city_next_to_almaty_oblast",
        "bns_bulletin",
        "bulletin_kk.xlsx",
        lambda i: bulletin([["Алматы облысы", 275562056, 272914067, 1], ["Алматы", 588886105, 582752142, 2]]),
        "quarantined",
        r"(?i)190000000.*(twice|more than once|again)",
        absent=("588886105",),
    ),
    Case(
        "bul_table_in_contents_missing",
        "bns_bulletin",
        "bulletin_ru.xlsx",
        lambda i: bulletin(**{"2.2": None}),
        "refused",
        r"tables listed in the contents .* are missing: 2\.2",
    ),
    # --- press (the real articles) ---
    Case("press_cp1251", "press", PRESS_RU.name, press_bytes(encoding="cp1251"), "loaded", note="cp1251"),
    Case(
        "press_utf8_bom",
        "press",
        PRESS_KK.name,
        lambda i: b"\xef\xbb\xbf" + PRESS_KK.read_bytes(),
        "loaded",
        note="20 quantities in the body",
    ),
    Case("press_utf16", "press", PRESS_RU.name, press_bytes(encoding="utf-16"), "refused", "binary or UTF-16"),
    Case("press_empty", "press", PRESS_RU.name, lambda i: b"", "refused", "the file is empty"),
    Case(
        "press_cut_inside_a_character",
        "press",
        PRESS_KK.name,
        lambda i: PRESS_KK.read_bytes()[: PRESS_KK.read_bytes().index("мектеп".encode()) + 3],
        "refused",
        "ends inside a UTF-8 character",
    ),
    Case("press_binary_garbage", "press", "article.txt", lambda i: garbage(), "refused", "binary or UTF-16|neither"),
    # --- kato (the real classifier) ---
    Case(
        "kato_cp1251",
        "kato",
        KATO_NAME,
        lambda i: kato_lines(encoding="cp1251"),
        "quarantined",
        "Windows-1251 lost a Kazakh letter",
    ),
    Case(
        "kato_renamed_column",
        "kato",
        KATO_NAME,
        lambda i: kato_lines(header="id;parent_id;kato;name"),
        "refused",
        r"expected id;parent_id;code;name",
        row=1,
    ),
    Case(
        "kato_no_date_in_name",
        "kato",
        "classifier_ru.csv",
        lambda i: kato_lines(),
        "refused",
        "no classifier date in the file name",
    ),
    Case(
        "kato_duplicate_code",
        "kato",
        KATO_NAME,
        lambda i: kato_lines(f"{kato_next_id()};0;750000000;Алма-Ата"),
        "quarantined",
        r"duplicate KATO code 750000000",
        absent=("Алма-Ата",),
    ),
    Case(
        "kato_code_with_letters",
        "kato",
        KATO_NAME,
        lambda i: kato_lines(f"{kato_next_id()};0;75А810000;Буква"),
        "quarantined",
        r"not a 9-digit KATO code",
        absent=("75А810000",),
    ),
    Case("kato_utf16", "kato", KATO_NAME, lambda i: kato_lines(encoding="utf-16"), "refused", "UTF-16 or binary"),
    Case("kato_empty", "kato", KATO_NAME, lambda i: b"", "refused", "the file is empty"),
    # --- nedb (the generator's extract) ---
    Case("nedb_control", "nedb", NEDB_NAME, nedb_edit(lambda rows: None), "loaded"),
    Case(
        "nedb_thousand_tenge_header_and_amounts",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: _nedb_thousands(rows)),
        "loaded",
        note="тыс. тенге",
    ),
    Case(
        "nedb_thousand_tenge_with_a_decimal",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: _nedb_thousands(rows, decimals=True)),
        "loaded",
        note="тыс. тенге",
    ),
    Case(
        "nedb_header_tenge_amounts_in_thousands",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: _nedb_thousands(rows, header=False)),
        "refused",
        r"(?i)unit|1[, ]?000",
    ),
    Case(
        "nedb_text_in_numeric_cell",
        "nedb",
        NEDB_NAME,
        nedb_edit(nedb_set(5, "Контингент учащихся 1-4", "много")),
        "quarantined",
        "not a non-negative whole number: 'много'",
        absent=("много",),
        publish=True,
    ),
    Case(
        "nedb_formula_in_numeric_cell",
        "nedb",
        NEDB_NAME,
        nedb_edit(nedb_set(6, "Количество смен", "=1+1")),
        "quarantined",
        "not a non-negative whole number: '=1[+]1'",
        absent=("=1+1",),
    ),
    Case(
        "nedb_negative_count",
        "nedb",
        NEDB_NAME,
        nedb_edit(nedb_set(7, "Количество педагогов", "-55")),
        "quarantined",
        "not a non-negative whole number: '-55'",
        absent=("-55",),
    ),
    Case(
        "nedb_unknown_kato",
        "nedb",
        NEDB_NAME,
        nedb_edit(nedb_set(3, "Код КАТО", "999999999")),
        "quarantined",
        "unknown KATO code",
        absent=("999999999",),
    ),
    Case(
        "nedb_pre2022_kato_code",
        "nedb",
        "nedb_schools_2021-22.csv",
        nedb_edit(nedb_set(3, "Код КАТО", "194600000"), year="2021-22"),
        "loaded",
    ),
    Case(
        "nedb_duplicate_school_year",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: rows.insert(9, list(rows[4]))),
        "quarantined",
        r"(?i)duplicate",
        publish=True,
        probe="select count(*) - count(distinct (bin, academic_year)) from published.schools",
    ),
    Case(
        "nedb_future_academic_year",
        "nedb",
        NEDB_NAME,
        nedb_edit(nedb_set(8, "Учебный год", "2031/32")),
        "quarantined",
        r"(?i)academic year|2031/32",
    ),
    Case(
        "nedb_renamed_column",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: rows[0].__setitem__(nedb_col(rows, "Количество смен"), "Кол-во смен")),
        "refused",
        r"missing column\(s\): 'Количество смен' \(renamed to 'Кол-во смен'\?\)",
        row=1,
    ),
    Case(
        "nedb_missing_column",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: _drop_column(rows, "БИН")),
        "refused",
        r"missing column\(s\): 'БИН'",
        row=1,
    ),
    Case(
        "nedb_injection_in_header",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: [r.append(INJECTION if n == 0 else "1") for n, r in enumerate(rows)]),
        "loaded",
        note=r"drop table raw\.quarantine",
    ),
    Case(
        "nedb_utf16",
        "nedb",
        NEDB_NAME,
        nedb_edit(lambda rows: None, encoding="utf-16"),
        "refused",
        "UTF-16 or binary",
        row=1,
    ),
    Case("nedb_header_only", "nedb", NEDB_NAME, nedb_edit(del_rows), "refused", "no data rows"),
    Case(
        "nedb_over_the_size_limit",
        "nedb",
        NEDB_NAME,
        lambda i: _huge_nedb(i),
        "refused",
        r"over the 1 MB limit",
        huge=True,
    ),
    # --- comfortable_school (the generator's operator report) ---
    Case(
        "cs_status_date_after_report_date",
        "comfortable_school",
        CS_NAME,
        cs_edit(cs_set("Дата статуса", datetime(2031, 1, 1))),
        "quarantined",
        r"(?i)after the report date",
    ),
    Case(
        "cs_negative_places",
        "comfortable_school",
        CS_NAME,
        cs_edit(cs_set("Мощность (мест)", -1200)),
        "quarantined",
        r"(?i)places",
        absent=("-1200",),
    ),
    Case(
        "cs_unknown_kato",
        "comfortable_school",
        CS_NAME,
        cs_edit(cs_set("Код КАТО", "123456789")),
        "quarantined",
        "unknown KATO code: 123456789",
        absent=("123456789",),
    ),
    Case(
        "cs_missing_column",
        "comfortable_school",
        CS_NAME,
        cs_edit(lambda ws: ws.delete_cols(cs_header_col(ws, "Статус"))),
        "refused",
        r"missing column.*'Статус'",
    ),
    Case(
        "cs_truncated",
        "comfortable_school",
        CS_NAME,
        lambda i: truncate(i.cs_report().read_bytes()),
        "refused",
        "truncated or corrupt",
    ),
    # --- egov (pages built from the generator's data.egov.kz fixtures) ---
    Case("egov_truncated", "egov", EGOV_PAGE, lambda i: truncate(egov_page()(i)), "refused", "truncated JSON"),
    Case(
        "egov_html_instead_of_json",
        "egov",
        EGOV_PAGE,
        egov_page(raw=b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        "refused",
        "invalid JSON",
    ),
    Case(
        "egov_repeated_record",
        "egov",
        EGOV_PAGE,
        egov_page(lambda recs: recs.append(dict(recs[0]))),
        "refused",
        r"record id \d+ occurs twice",
    ),
    Case(
        "egov_record_without_modified",
        "egov",
        EGOV_PAGE,
        egov_page(lambda recs: recs[3].__delitem__("modified")),
        "quarantined",
        "without `modified`",
    ),
    Case(
        "egov_utf16", "egov", EGOV_PAGE, lambda i: egov_page()(i).decode().encode("utf-16"), "refused", "not UTF-8 text"
    ),
    Case(
        "egov_unknown_file_name",
        "egov",
        "export.json",
        egov_page(),
        "refused",
        "does not say which data.egov.kz dataset",
    ),
    Case(
        "egov_modified_in_the_future",
        "egov",
        EGOV_PAGE,
        egov_page(lambda recs: recs[2].__setitem__("modified", "2031-01-01T00:00:00")),
        "loaded",  # the record is data; what a future `modified` must not do is move the fetch cursor
    ),
    # --- budget (pages built from the generator's open-budget fixtures) ---
    Case(
        "budget_in_tenge_not_thousands",
        "budget",
        budget_name(),
        budget_page(lambda p: p["userdata"].__setitem__("unit", "тенге")),
        "refused",
        "not thousand tenge",
    ),
    Case(
        "budget_negative_amount",
        "budget",
        budget_name(),
        budget_page(lambda p: _cell(p).__setitem__(7, "-5674623.1")),
        "quarantined",
        "negative executed amount",
        publish=True,
        probe="select count(*) from published.education_budget where executed_kzt < 0 or plan_kzt < 0",
    ),
    Case(
        "budget_text_amount",
        "budget",
        budget_name(),
        budget_page(lambda p: _cell(p).__setitem__(6, "сто миллионов")),
        "quarantined",
        "plan amount is not a number",
        absent=("сто миллионов",),
    ),
    Case(
        "budget_formula_amount",
        "budget",
        budget_name(),
        budget_page(lambda p: _cell(p).__setitem__(6, "=1000*1000")),
        "quarantined",
        "plan amount is not a number",
        absent=("=1000*1000",),
    ),
    Case(
        "budget_month_differs_from_file_name",
        "budget",
        budget_name("2023-08"),
        budget_page(period="2023-07"),
        "refused",
        r"the report is for 07\.2023, but the file name says 2023-08",
    ),
    Case(
        "budget_repeated_row_id",
        "budget",
        budget_name(),
        budget_page(lambda p: p["rows"].append(dict(p["rows"][0]))),
        "refused",
        r"row id \d+ occurs twice",
    ),
    Case(
        "budget_city_row_in_the_oblast_report",
        "budget",
        budget_name(),
        budget_page(lambda p: _cell(p).__setitem__(0, "Алматы")),
        "quarantined",
        r"(?i)(region|territory).*(750000000|report|file)",
    ),
    Case(
        "budget_future_month",
        "budget",
        budget_name("2031-07"),
        budget_page(lambda p: p["userdata"].__setitem__("date", "07.2031")),
        "loaded",
        publish=True,
        probe="select count(*) from published.education_budget where year > extract(year from current_date)",
    ),
    # --- minfin (the real Ministry of Finance series) ---
    Case("minfin_control", "minfin", MINFIN_NAME, lambda i: MINFIN_CSV.read_bytes(), "loaded", note="2023-12"),
    Case(
        "minfin_missing_column",
        "minfin",
        MINFIN_NAME,
        lambda i: minfin_lines(header="date,region,item_code,item_name,value"),
        "refused",
        r"missing column\(s\): transformation",
        row=1,
    ),
    Case(
        "minfin_decimal_comma",
        "minfin",
        MINFIN_NAME,
        lambda i: minfin_lines('2024-01-01,ALM,EXP.04,Образование,"31234,5",level'),
        "quarantined",
        r"value '31234,5' is not a number",
        absent=("31234,5",),
    ),
    Case(
        "minfin_region_by_name",
        "minfin",
        MINFIN_NAME,
        lambda i: minfin_lines("2024-01-01,Алматинская область,EXP.04,Образование,31234.5,level"),
        "quarantined",
        r"not a bulletin region code",
        absent=("Алматинская область",),
    ),
    Case("minfin_utf16", "minfin", MINFIN_NAME, lambda i: minfin_lines(encoding="utf-16"), "refused", "not UTF-8"),
    Case("minfin_empty", "minfin", MINFIN_NAME, lambda i: b"", "refused", r"missing column"),
]


def write_case(case: Case, inputs: Inputs, folder: Path) -> Path:
    """Write the case's file as ``folder/<case id>/<file name>`` (the loader sees only the name)."""
    path = folder / case.id / case.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.build(inputs))
    return path


def cases_by_source() -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = {}
    for case in CASES:
        out.setdefault(case.source, []).append(case)
    return out
