"""Comfortable School (Жайлы мектеп / Комфортная школа): the construction register.

No machine-readable register exists; it is assembled from the operator's periodic reports and
the akimats' reports: Excel workbooks with one row per project and reported status (project id,
name kk/ru, KATO code, places, funding source, planned year, status, status date, report date,
source of the report). A report lists every status change since the previous report, and the
current status of every other project, so the history can be rebuilt from the reports.

Per sheet the reader finds the header row by content (any row in the first 30 that carries the
register's column labels; title rows above it and an "Итого" row below are skipped). Columns are
matched by label, in any order; a missing one refuses the file and is named. Each row is checked:
known status wording (ru/kk/en), places a positive whole number, dates readable (Excel date,
``dd.mm.yyyy`` or ISO), status date not after the report date, known KATO code, known funding
source, (project, status date) not repeated in the file; failures are quarantined with a reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from edu_wh.config import DBT_PROJECT_DIR
from ingest.base import ParsedItem, ParseReport, RawTable, Rejected, Row, Source, SourceFormatError
from ingest.excel import Sheet, read_workbook
from ingest.reference import normalize_name

#: raw column → labels a report may use (the first is what the operator writes)
COLUMNS: dict[str, tuple[str, ...]] = {
    "project_id": ("ID проекта", "Код проекта", "Идентификатор проекта", "Жоба ID"),
    "name_kk": ("Наименование объекта (на казахском языке)", "Нысанның атауы", "Наименование (каз.)"),
    "name_ru": ("Наименование объекта (на русском языке)", "Наименование объекта", "Наименование (рус.)"),
    "kato_code": ("Код КАТО", "КАТО", "ӘАОЖ коды"),
    "places": ("Мощность (мест)", "Мощность, мест", "Количество мест", "Орын саны"),
    "funding_source": ("Источник финансирования", "Қаржыландыру көзі"),
    "target_year": ("Плановый год ввода", "Год ввода", "Пайдалануға беру жылы"),
    "status": ("Статус", "Мәртебесі"),
    "status_date": ("Дата статуса", "Мәртебе күні"),
    "report_date": ("Дата отчета", "Отчетная дата", "Есеп күні"),
    "report_source": ("Источник отчета", "Источник информации", "Есеп көзі"),
    "note": ("Примечание", "Ескертпе"),
}
OPTIONAL = {"note", "name_kk", "target_year"}


def _labels(kind: str) -> dict[str, str]:
    """The register's wording of ``kind`` (status, funding) → code, from the seed that staging reads too
    (``dbt_project/seeds/comfortable_school_labels.csv``): one list, in Python and SQL."""
    with open(DBT_PROJECT_DIR / "seeds" / "comfortable_school_labels.csv", encoding="utf-8", newline="") as fh:
        return {normalize(row["label"]): row["code"] for row in csv.DictReader(fh) if row["kind"] == kind}


TOTAL_ROW = re.compile(r"^(итого|всего|барлығы|жиыны)\b")
DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(\s*г\.?)?$")
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([T ]00:00(:00)?)?$")


def normalize(text: str | None) -> str:
    """Labels and headers compared as staging compares them with the seed: the house's name
    normalisation (``ingest.reference.normalize_name``, the rule the dbt macro renders too)."""
    return normalize_name(text or "")


STATUSES: dict[str, str] = _labels("status")
FUNDING: dict[str, str] = _labels("funding")


def parse_date(text: str | None) -> date | None:
    """Excel date (``2023-08-25T00:00:00``), ``25.08.2023`` (``г.``), or an Excel serial day number."""
    value = (text or "").strip()
    try:
        if m := ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := DMY.match(value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if value.isdigit() and 20_000 < int(value) < 80_000:
            return date(1899, 12, 30) + timedelta(days=int(value))
    except ValueError:
        return None
    return None


def _labels() -> dict[str, str]:
    return {normalize(label): column for column, labels in COLUMNS.items() for label in labels}


def find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(row index, column → position) of the row with most register labels (at least 5)."""
    labels = _labels()
    best = None
    for r, row in enumerate(sheet.rows[:30]):
        found = {}
        for c, cell in enumerate(row):
            column = labels.get(normalize(cell))
            if column and column not in found:
                found[column] = c
        if len(found) >= 5 and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


class ComfortableSchoolRegister(Source):
    name = "comfortable_school"
    family = "comfortable_school"
    publisher = "Comfortable School operator and akimats' reports (assembled register)"
    file_patterns = ("*.xlsx", "*.xls")
    raw_table = RawTable(
        name="comfortable_school_reports",
        columns=tuple(COLUMNS),
        description="Comfortable School (Жайлы мектеп) status reports as delivered: one row per project and "
        "reported status, text as in the workbook. Grain: _batch_id, _sheet, _row_number.",
    )

    def stream_key(self, filename: str) -> str | None:
        """Successive reports of one publisher: the file name without its date or quarter."""
        stem = Path(filename).stem
        key = re.sub(r"[_\-. ]*(\d{4}[-_.]?(q[1-4]|\d{2}([-_.]\d{2})?)|\d{2}\.\d{2}\.\d{4})$", "", stem.lower())
        return f"comfortable_school {key}" if key and key != stem.lower() else None

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        from ingest.territory_codes import known_kato_codes

        known_kato = known_kato_codes()
        found = False
        latest_report: date | None = None
        for sheet in read_workbook(stream, filename):
            header = find_header(sheet)
            if header is None:
                report.notes.append(f"sheet {sheet.name!r}: no register header, skipped")
                continue
            row_index, positions = header
            missing = [COLUMNS[c][0] for c in COLUMNS if c not in positions and c not in OPTIONAL]
            if missing:
                raise SourceFormatError(
                    filename,
                    "missing column(s): " + "; ".join(repr(m) for m in missing),
                    sheet=sheet.name,
                    row=row_index + 1,
                    hint="the register's columns are listed in ingest/comfortable_school.py",
                )
            found = True
            first_seen: dict[tuple[str, date], int] = {}
            for r in range(row_index + 1, len(sheet.rows)):
                values = {c: _text(sheet.cell(r, p)) for c, p in positions.items()}
                values.update({c: None for c in COLUMNS if c not in positions})
                if not any(values.values()):
                    continue
                if not values["project_id"] and any(TOTAL_ROW.match(normalize(v)) for v in sheet.rows[r] if v):
                    report.notes.append(f"sheet {sheet.name!r}: total row {r + 1} skipped")
                    continue
                problems = _check(values, known_kato)
                status_date = parse_date(values["status_date"])
                key = (values["project_id"] or "", status_date)
                if not problems and key in first_seen:
                    problems.append(
                        f"duplicate (project, status date): {key[0]}, {status_date.isoformat()} already at row "
                        f"{first_seen[key]}"
                    )
                if problems:
                    yield Rejected(
                        "; ".join(problems), {COLUMNS[c][0]: v for c, v in values.items()}, r + 1, sheet.name
                    )
                    continue
                first_seen[key] = r + 1
                report_date = parse_date(values["report_date"])
                latest_report = max(filter(None, (latest_report, report_date)))
                yield Row(tuple(values[c] for c in COLUMNS), r + 1, sheet.name)
        if not found:
            raise SourceFormatError(
                filename,
                "no sheet has the register's header row (e.g. 'ID проекта', 'Статус', 'Дата статуса', 'Код КАТО')",
                hint="is this a Comfortable School status report?",
            )
        if latest_report:
            report.period = latest_report.isoformat()


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


def _check(values: dict[str, str | None], known_kato: frozenset[str]) -> list[str]:
    problems = []
    for column in COLUMNS:
        if column not in OPTIONAL and not values[column]:
            problems.append(f"missing value: {COLUMNS[column][0]}")
    status = values["status"]
    if status and normalize(status) not in STATUSES:
        problems.append(f"unknown status: {status!r}")
    places = values["places"]
    if places:
        number = places.replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"-\d+", number):
            problems.append(f"negative places: {places}")
        elif not number.isdigit() or int(number) == 0:
            problems.append(f"places not a positive whole number: {places!r}")
    kato = values["kato_code"]
    if kato:
        if not re.fullmatch(r"\d{9}", kato):
            problems.append(f"KATO code is not 9 digits: {kato!r}")
        elif kato not in known_kato:
            problems.append(f"unknown KATO code: {kato}")
    funding = values["funding_source"]
    if funding and normalize(funding) not in FUNDING:
        problems.append(f"unknown funding source: {funding!r}")
    target = values["target_year"]
    if target and not re.fullmatch(r"20\d{2}", target):
        problems.append(f"planned year not a year: {target!r}")
    dates = {}
    for column in ("status_date", "report_date"):
        if values[column]:
            dates[column] = parse_date(values[column])
            if dates[column] is None:
                problems.append(f"not a date in {COLUMNS[column][0]}: {values[column]!r}")
    if dates.get("status_date") and dates.get("report_date") and dates["status_date"] > dates["report_date"]:
        problems.append(
            f"status date {dates['status_date'].isoformat()} is after the report date "
            f"{dates['report_date'].isoformat()} (in the future)"
        )
    return problems


SOURCE = ComfortableSchoolRegister()


# --- the generator's side: the operator's quarterly reports and the akimat's August 2023 report ----

OPERATOR = "ТОО «Samruk-Kazyna Construction» (единый оператор)"
OBLAST_AKIMAT = "Управление образования Алматинской области"
STATUS_TEXT = {
    "planned": "Планируется",
    "under_construction": "Строительство",
    "finished": "Введен в эксплуатацию",
    "delayed": "Перенос сроков",
}
AKIMAT_STATUS_TEXT = {**STATUS_TEXT, "under_construction": "Ведется строительство"}
FUNDING_TEXT = {"republican": "Республиканский бюджет", "local": "Местный бюджет"}
AKIMAT_REPORT_DATE = date(2023, 8, 25)
FIRST_QUARTER_END = date(2022, 12, 31)
LAST_QUARTER_END = date(2025, 6, 30)


def quarter_ends(first: date = FIRST_QUARTER_END, last: date = LAST_QUARTER_END) -> list[date]:
    ends, year, quarter = [], first.year, (first.month - 1) // 3 + 1
    while True:
        month = quarter * 3
        end = date(year, month, 31 if month in (3, 12) else 30)
        if end > last:
            return ends
        ends.append(end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _report_rows(projects, since: date | None, until: date, status_text: dict[str, str]) -> list[tuple]:
    """Each project's status changes in (since, until], or its current status if none."""
    rows = []
    for project in projects:
        known = [e for e in project.events if e.on <= until]
        if not known:
            continue
        changes = [e for e in known if since is None or e.on > since] or [known[-1]]
        for event in changes:
            rows.append((project, event, status_text[event.status]))
    return rows


def _workbook(title: str, source: str, report_date: date, rows: list[tuple], *, text_dates: bool) -> bytes:
    import openpyxl

    from ingest.synth.xlsx import workbook_bytes

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Реестр"
    ws.append([title])
    ws.append([f"Источник: {source}"])
    ws.append([])
    ws.append(["№ п/п", *(labels[0] for labels in COLUMNS.values())])
    places = 0
    for number, (project, event, status) in enumerate(rows, start=1):
        status_date = (
            event.on.strftime("%d.%m.%Y") if text_dates else datetime(event.on.year, event.on.month, event.on.day)
        )
        report_day = (
            report_date.strftime("%d.%m.%Y")
            if text_dates
            else datetime(report_date.year, report_date.month, report_date.day)
        )
        ws.append(
            [
                number,
                project.project_id,
                project.name_kk,
                project.name_ru,
                project.kato_code,
                project.places,
                FUNDING_TEXT[project.funding_source],
                project.target_year,
                status,
                status_date,
                report_day,
                source,
                event.note or None,
            ]
        )
        if not text_dates:
            ws.cell(ws.max_row, 10).number_format = "DD.MM.YYYY"
            ws.cell(ws.max_row, 11).number_format = "DD.MM.YYYY"
        places += project.places
    ws.append(["Итого", None, None, None, None, places])
    return workbook_bytes(wb)


def render(world, out_dir: Path) -> list[Path]:
    """``out_dir/comfortable_school/``: the operator's quarterly register reports (all projects)
    and the oblast akimat's report as of 2023-08-25 (oblast projects, dates typed as text)."""
    folder = Path(out_dir) / "comfortable_school"
    folder.mkdir(parents=True, exist_ok=True)
    projects = sorted(world.projects, key=lambda p: p.project_id)
    written = []
    previous = None
    for end in quarter_ends():
        rows = _report_rows(projects, previous, end, STATUS_TEXT)
        previous = end
        if not rows:
            continue
        quarter = (end.month - 1) // 3 + 1
        title = f"Реестр проектов «Комфортная школа» (Жайлы мектеп) по состоянию на {end:%d.%m.%Y}"
        path = folder / f"komfortnaya_shkola_operator_{end.year}q{quarter}.xlsx"
        path.write_bytes(_workbook(title, OPERATOR, end, rows, text_dates=False))
        written.append(path)
    oblast = [p for p in projects if p.region_kato == "190000000"]
    rows = _report_rows(oblast, AKIMAT_REPORT_DATE, AKIMAT_REPORT_DATE, AKIMAT_STATUS_TEXT)
    title = f"Информация о ходе строительства комфортных школ Алматинской области на {AKIMAT_REPORT_DATE:%d.%m.%Y}"
    path = folder / f"komfortnaya_shkola_akimat_almaty_oblast_{AKIMAT_REPORT_DATE.isoformat()}.xlsx"
    path.write_bytes(_workbook(title, OBLAST_AKIMAT, AKIMAT_REPORT_DATE, rows, text_dates=True))
    written.append(path)
    return written


def count_rows(path: Path) -> int:
    """Register rows in a rendered report (title, header and total rows excluded)."""
    return sum(isinstance(item, Row) for item in SOURCE.parse_bytes(Path(path).read_bytes(), Path(path).name))
