"""The Comfortable School register: reports rendered from the world, bad reports, loader, staging."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from edu_wh.config import DBT_PROJECT_DIR
from ingest import comfortable_school as cs
from ingest.base import Rejected, Row, SourceFormatError
from ingest.synth.projects import AS_OF, status_on
from ingest.synth.world import build_world

SOURCE = cs.SOURCE
HEADER = [labels[0] for labels in cs.COLUMNS.values()]
GOOD = [
    "KSH-19-001",
    "Қарасай ауданы, Қаскелең, 1200 орындық жайлы мектеп",
    "Комфортная школа на 1200 мест, г. Каскелен",
    "195200000",
    1200,
    "Республиканский бюджет",
    2023,
    "Строительство",
    datetime(2023, 3, 1),
    datetime(2023, 9, 30),
    cs.OPERATOR,
    None,
]


def workbook(rows: list[list], header: list[str] | None = None, title: bool = True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Реестр"
    if title:
        ws.append(["Реестр проектов «Комфортная школа» по состоянию на 30.09.2023"])
        ws.append([])
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(**changes) -> list:
    values = dict(zip(cs.COLUMNS, GOOD))
    values.update(changes)
    return list(values.values())


def parse(data: bytes, name: str = "komfortnaya_shkola_operator_2023q3.xlsx"):
    items = SOURCE.parse_bytes(data, name)
    rows = [dict(zip(SOURCE.raw_table.columns, i.values)) | {"row": i.row_number} for i in items if isinstance(i, Row)]
    return rows, [i for i in items if isinstance(i, Rejected)]


@pytest.fixture(scope="module")
def world():
    return build_world(1, 2023)


@pytest.fixture(scope="module")
def reports(world, tmp_path_factory) -> list[Path]:
    return cs.render(world, tmp_path_factory.mktemp("cs"))


def test_rendered_reports_parse_completely_and_rebuild_the_history(world, reports):
    # Given the operator's quarterly reports and the akimat's report rendered from the world
    events: dict[tuple[str, date], str] = {}
    latest_report = date.min
    for path in reports:
        rows, rejected = parse(path.read_bytes(), path.name)
        # Then every row is accepted (titles, header and the total row are skipped)
        assert rows and not rejected, (path.name, rejected[:1])
        for r in rows:
            events[(r["project_id"], cs.parse_date(r["status_date"]))] = cs.STATUSES[cs.normalize(r["status"])]
            latest_report = max(latest_report, cs.parse_date(r["report_date"]))
    # And the union of the reports is the world's status history up to the last report
    expected = {(p.project_id, e.on): e.status for p in world.projects for e in p.events if e.on <= latest_report}
    assert events == expected


def test_the_akimat_report_of_august_2023_shows_the_press_figures(reports):
    # Given the oblast akimat's report as of 25 August 2023 (dates typed as text)
    akimat = [p for p in reports if "akimat" in p.name][0]
    rows, _ = parse(akimat.read_bytes(), akimat.name)
    building = [r for r in rows if cs.STATUSES[cs.normalize(r["status"])] == "under_construction"]
    # Then 53 projects, 68,200 places, of which 16 with 15,750 places are being built
    assert len(rows) == 53 and sum(int(r["places"]) for r in rows) == 68_200
    assert len(building) == 16 and sum(int(r["places"]) for r in building) == 15_750
    assert {r["report_date"] for r in rows} == {"25.08.2023"}


def test_rendered_reports_are_byte_identical(world, reports, tmp_path):
    again = cs.render(world, tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in reports]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "Почти готово"}, "unknown status: 'Почти готово'"),
        ({"places": -600}, "negative places: -600"),
        ({"places": "много"}, "places not a positive whole number: 'много'"),
        ({"status_date": datetime(2023, 10, 15)}, "status date 2023-10-15 is after the report date 2023-09-30"),
        ({"kato_code": "999999999"}, "unknown KATO code: 999999999"),
        ({"kato_code": "19520"}, "KATO code is not 9 digits: '19520'"),
        ({"status_date": "скоро"}, "not a date in Дата статуса: 'скоро'"),
        ({"funding_source": "Спонсор"}, "unknown funding source: 'Спонсор'"),
        ({"project_id": None}, "missing value: ID проекта"),
    ],
)
def test_bad_rows_are_quarantined_with_a_reason(changes, reason):
    # Given a report with one bad row between good ones
    rows, rejected = parse(
        workbook([row(), row(**{"project_id": "KSH-19-002", **changes}), row(project_id="KSH-19-003")])
    )
    # Then the bad row is quarantined with the reason, its sheet and row; the others load
    assert [r["project_id"] for r in rows] == ["KSH-19-001", "KSH-19-003"]
    assert len(rejected) == 1 and rejected[0].reason.startswith(reason)
    assert (rejected[0].row_number, rejected[0].sheet) == (5, "Реестр")


def test_a_repeated_project_and_status_date_keeps_the_first_row():
    rows, rejected = parse(workbook([row(), row(places=1300), row(status_date=datetime(2023, 4, 1))]))
    assert [r["row"] for r in rows] == [4, 6]
    assert rejected[0].reason == "duplicate (project, status date): KSH-19-001, 2023-03-01 already at row 4"


def test_text_dates_statuses_in_kazakh_and_columns_in_any_order_are_read():
    header = list(reversed(HEADER))
    values = list(reversed(row(status="Құрылыс жүргізілуде", status_date="01.03.2023 г.", report_date="30.09.2023")))
    rows, rejected = parse(workbook([values], header=header, title=False))
    assert not rejected and rows[0]["status"] == "Құрылыс жүргізілуде" and rows[0]["row"] == 2


def test_missing_columns_refuse_the_file_and_are_named():
    header = [h for h in HEADER if h not in ("Статус", "Дата отчета")]
    with pytest.raises(SourceFormatError, match="missing column.*'Статус'.*'Дата отчета'") as exc:
        parse(workbook([row()[:10]], header=header))
    assert exc.value.sheet == "Реестр" and exc.value.row == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"<html><body>404</body></html>", "HTML page"), (b"PK\x03\x04broken", "truncated or corrupt")],
)
def test_unreadable_files_are_refused(data, message):
    with pytest.raises(SourceFormatError, match=message):
        parse(data)


def test_a_workbook_without_a_register_is_refused():
    with pytest.raises(SourceFormatError, match="no sheet has the register's header row"):
        parse(workbook([["a", "b"]], header=["Показатель", "Значение"]))


def test_the_parser_reads_the_wording_from_the_seed_staging_reads():
    # one list for Python and SQL: the seed; the parser's maps are exactly its rows, normalised
    with open(DBT_PROJECT_DIR / "seeds" / "comfortable_school_labels.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {cs.normalize(r["label"]): r["code"] for r in rows if r["kind"] == "status"} == cs.STATUSES
    assert {cs.normalize(r["label"]): r["code"] for r in rows if r["kind"] == "funding"} == cs.FUNDING
    assert set(cs.STATUSES.values()) == {"planned", "under_construction", "finished", "delayed"}
    macro = (DBT_PROJECT_DIR / "macros" / "comfortable_school.sql").read_text(encoding="utf-8")
    assert "ref('comfortable_school_labels')" in macro and "'планируется'" not in macro


def test_reports_of_one_publisher_are_one_stream():
    assert SOURCE.stream_key("komfortnaya_shkola_operator_2023q3.xlsx") == SOURCE.stream_key(
        "komfortnaya_shkola_operator_2024q1.xlsx"
    )
    assert SOURCE.stream_key("komfortnaya_shkola_akimat_almaty_oblast_2023-08-25.xlsx") != SOURCE.stream_key(
        "komfortnaya_shkola_operator_2024q1.xlsx"
    )


# --- loader and staging -----------------------------------------------------------------------------


def test_reports_load_once_and_staging_rebuilds_the_register(db):
    from edu_wh.config import settings
    from edu_wh.dbt_runner import dbt_command
    from ingest.synth.drop import write_drop
    from orchestration.tasks import load_landing

    # Given the rendered reports in landing (a synthetic drop), loaded twice
    write_drop(settings().landing_dir, 1, 2023, sources=["comfortable_school"])
    first = load_landing("comfortable_school")
    second = load_landing("comfortable_school")
    assert len(first.loaded) == 12 and not first.rejected and second.loaded == []
    # When staging is built
    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    dbt_command(["build", "-s", "+stg_comfortable_school__projects", "--vars", "{edu_wh_unit_tests: true}"])
    # Then the oblast has 53 projects with 68,200 places and the city 22 with 37,000, republican
    projects = db.execute(
        "select region_kato_code, count(*), sum(places), array_agg(distinct funding_source order by funding_source), "
        "bool_and(is_synthetic) from staging.stg_comfortable_school__projects group by 1 order by 1"
    ).fetchall()
    assert projects == [
        ("190000000", 53, 68_200, ["local", "republican"], True),
        ("750000000", 22, 37_000, ["republican"], True),
    ]
    # And the history says what the akimat said on 25 August 2023: 16 building, 15,750 places,
    # 9 finished by 1 September and 5 more by the end of the year, 2 delayed to 2024
    on_date = db.execute(
        """
        with latest as (
            select distinct on (project_id) project_id, status
            from staging.stg_comfortable_school__status_events
            where region_kato_code = '190000000' and status_date <= %s
            order by project_id, status_date desc
        )
        select count(*), sum(p.places),
            count(*) filter (where p.finished_date <= '2023-09-01'),
            count(*) filter (where p.finished_date <= '2023-12-31'),
            count(*) filter (where p.was_delayed)
        from latest join staging.stg_comfortable_school__projects as p using (project_id)
        where latest.status = 'under_construction'
        """,
        (AS_OF,),
    ).fetchone()
    assert on_date == (16, 15_750, 9, 14, 2)
    # And every event was reported at least once, some in several reports
    times = db.execute(
        "select min(times_reported), max(times_reported) from staging.stg_comfortable_school__status_events"
    ).fetchone()
    assert times[0] >= 1 and times[1] > 1


def test_status_on_reads_the_history(world):
    project = next(p for p in world.projects if p.region_kato == "190000000")
    assert status_on(project, date(2000, 1, 1)) is None
    assert status_on(project, project.events[-1].on) == project.events[-1].status


def test_the_ingest_comfortable_school_dag_loads_the_reports_through_airflow(db, dagbag):
    from edu_wh.config import settings
    from ingest.synth.drop import write_drop
    from tests.conftest import run_dag

    # Given the rendered reports in landing
    result = write_drop(settings().landing_dir, 1, 2023, sources=["comfortable_school"])
    rows = sum(f["rows"] for f in result.files)
    # When the DAG runs
    run = run_dag(dagbag, "ingest_comfortable_school")
    # Then every report is one loaded batch and their rows are in raw
    assert run.state == "success"
    assert db.execute(
        "select count(*), sum(rows_loaded), bool_and(is_synthetic) from meta.load_batches "
        "where source = 'comfortable_school' and status = 'loaded'"
    ).fetchone() == (12, rows, True)
    assert db.execute("select count(*) from raw.comfortable_school_reports").fetchone()[0] == rows
