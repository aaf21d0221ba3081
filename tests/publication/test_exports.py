"""Release files: CSV, XLSX and Parquet read back as the published tables, labelled, formatted,
formula-safe, checksummed, atomic and never rebuilt; read consistently under a concurrent publish."""

from __future__ import annotations

import csv
import decimal
import json
import shutil
import threading
import time

import openpyxl
import psycopg
import pyarrow.parquet as pq
import pytest

from publication.release_files import MANIFEST, export_release, sha256, verify_folder
from tests.publication.release_scenario import (
    BUILD_PUBLISHED,
    EXTRA_TABLE,
    FORMULA_NAME,
    FORMULA_TEXTS,
    SCHOOLS,
    build_and_publish,
    run_gate_on_candidate,
    two_releases,
)


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("exports")) as s:
        yield s


def published(url: str, table: str) -> tuple[list[str], list[tuple]]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"select * from published.{table}")
        return [d.name for d in cur.description], cur.fetchall()


def as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def sheet_of(folder, table: str) -> str:
    """The workbook sheet of a table, as the release manifest names it."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return next(t["xlsx_sheet"] for t in manifest["tables"] if t["name"] == table)


def test_the_release_folder_has_every_table_in_every_format(scenario):
    folder = scenario.folder(scenario.second)
    with psycopg.connect(scenario.url) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'published'")}
    assert tables == {"territories", "school_counts", EXTRA_TABLE}
    for table in tables:
        assert (folder / "csv" / f"{table}.csv").stat().st_size > 0
        assert (folder / "csv_excel" / f"{table}.csv").stat().st_size > 0
        assert (folder / "parquet" / f"{table}.parquet").stat().st_size > 0
    wb = openpyxl.load_workbook(folder / f"edu_wh_r{scenario.second:06d}.xlsx", read_only=True)
    # contents first, the tables by their Kazakh titles, the technical lists last
    assert wb.sheetnames == [
        "Мазмұны · Содержание · Contents",
        "01 Мектептер саны",
        "02 Аумақтар",
        "03 Сынақ шығындары",
        "dictionary",
        "README",
    ]
    assert [sheet_of(folder, t) for t in sorted(tables)] == wb.sheetnames[1:4]
    for name in ("CHANGES.md", "changes.json", "README.md", "quality_report.md", "data_dictionary.csv",
                 "data_dictionary.json", "data_dictionary.md", "portal/index.html", "portal/assets/plotly.min.js",
                 "dbt_docs/index.html", "dbt_docs/static_index.html", "dbt_docs/catalog.json"):  # fmt: skip
        assert (folder / name).stat().st_size > 0, name
    assert not list(scenario.releases_dir.glob(".r*")), "temporary folders are cleaned up"


def test_dbt_docs_describe_the_published_release(scenario):
    docs = scenario.folder(scenario.second) / "dbt_docs"
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    node = manifest["nodes"]["model.edu_wh.pub_school_counts"]
    assert node["schema"] == "published" and node["relation_name"].endswith('"published"."school_counts"')
    entry = catalog["nodes"]["model.edu_wh.pub_school_counts"]
    _, rows = published(scenario.url, "school_counts")
    assert entry["metadata"]["schema"] == "published" and entry["stats"]["row_count"]["value"] == len(rows)
    assert entry["columns"]["schools_count"]["type"] == "integer"
    assert "model.edu_wh.fct_school_counts" in catalog["nodes"]  # the rest of the project, from the database
    assert catalog["sources"] and all(uid.startswith("source.") for uid in catalog["sources"])
    # every model compiled (its SQL as run); the tests documented, not compiled (publication/dbt_docs.py)
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models and all(n.get("compiled_code") for n in models)
    assert any(n["resource_type"] == "test" for n in manifest["nodes"].values())
    static = (docs / "static_index.html").read_text(encoding="utf-8")
    assert "MANIFEST.JSON INLINE DATA" not in static and '"pub_school_counts"' in static


def test_csv_has_a_bom_and_round_trips_to_the_published_table(scenario):
    folder = scenario.folder(scenario.second)
    for table in ("school_counts", "territories", EXTRA_TABLE):
        raw = (folder / "csv" / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        columns, rows = published(scenario.url, table)
        with open(folder / "csv" / f"{table}.csv", encoding="utf-8-sig", newline="") as fh:
            read = list(csv.reader(fh))
        assert read[0] == columns
        expected = sorted(
            [
                [("'" + as_csv_text(v)) if isinstance(v, str) and (v in FORMULA_TEXTS or v == FORMULA_NAME) else as_csv_text(v) for v in r]
                for r in rows
            ]
        )  # fmt: skip
        assert sorted(read[1:]) == expected, table


def test_parquet_reads_back_equal_with_types_and_descriptions(scenario):
    folder = scenario.folder(scenario.second)
    for table in ("school_counts", "territories", EXTRA_TABLE):
        columns, rows = published(scenario.url, table)
        read = pq.read_table(folder / "parquet" / f"{table}.parquet")
        assert read.column_names == columns
        as_rows = sorted(read.to_pylist(), key=repr)
        assert as_rows == sorted([dict(zip(columns, r)) for r in rows], key=repr), table
    spending = pq.read_schema(folder / "parquet" / f"{EXTRA_TABLE}.parquet")
    assert str(spending.field("amount_kzt").type) == "decimal128(18, 2)"
    assert spending.field("amount_kzt").metadata[b"description"] == b"Spent, in tenge."
    assert spending.field("amount_kzt").metadata[b"label_kk"].decode() == "Сома"
    counts = pq.read_schema(folder / "parquet" / "school_counts.parquet")
    assert str(counts.field("schools_count").type) == "int32"
    # a column without its own description inherits the one of the mart it comes from
    assert b"Number of schools" in counts.field("schools_count").metadata[b"description"]
    assert json.loads(counts.metadata[b"grain"]) == ["kato_code", "academic_year", "population_type", "territory_basis"]


def test_xlsx_sheets_have_three_label_rows_frozen_header_formats_and_filter(scenario):
    wb = openpyxl.load_workbook(scenario.folder(scenario.second) / f"edu_wh_r{scenario.second:06d}.xlsx")
    ws = wb[sheet_of(scenario.folder(scenario.second), "school_counts")]
    header = [c.value for c in ws[4]]
    count_col = header.index("schools_count") + 1
    assert ws.cell(1, count_col).value == "Мектептер саны (бірлік)"
    assert ws.cell(2, count_col).value == "Число школ (единиц)"
    assert ws.cell(3, count_col).value == "Schools (number)"
    assert ws.cell(1, 1).value == "ӘАОЖ коды" and ws.cell(2, 1).value == "Код КАТО"
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == f"A4:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"
    columns, rows = published(scenario.url, "school_counts")
    assert ws.max_row == 4 + len(rows)
    counts = [ws.cell(r, count_col) for r in range(5, ws.max_row + 1)]
    assert all(c.number_format == "#,##0" for c in counts if c.value is not None)
    assert sorted(c.value for c in counts if c.value is not None) == sorted(
        r[columns.index("schools_count")] for r in rows if r[columns.index("schools_count")] is not None
    )
    assert ws.column_dimensions["A"].width >= 10
    spending = wb[sheet_of(scenario.folder(scenario.second), EXTRA_TABLE)]
    head = [c.value for c in spending[4]]
    amount = head.index("amount_kzt") + 1
    share = head.index("change_share") + 1
    year = head.index("year") + 1
    assert spending.cell(1, amount).value == "Сома (теңге)" and spending.cell(2, amount).value == "Сумма (тенге)"
    assert {spending.cell(r, amount).number_format for r in range(5, 9)} == {"#,##0"}
    assert {
        spending.cell(r, share).number_format for r in range(5, 9) if spending.cell(r, share).value is not None
    } == {"0.0%"}
    assert {spending.cell(r, year).number_format for r in range(5, 9)} == {"0"}  # 2023, not 2,023


def test_formula_like_text_is_neutralised_but_numbers_stay_numbers(scenario):
    folder = scenario.folder(scenario.second)
    # CSV: a leading apostrophe before formula-like text, negative numbers untouched
    text = (folder / "csv" / "territories.csv").read_text(encoding="utf-8-sig")
    assert "'" + FORMULA_NAME.replace('"', '""') in text
    assert "\n=" not in text and ",=" not in text
    spending_csv = (folder / "csv" / f"{EXTRA_TABLE}.csv").read_text(encoding="utf-8-sig")
    assert ",-1500.25," in spending_csv and ",-0.0310," in spending_csv
    for formula in FORMULA_TEXTS:
        assert ("'" + formula) in spending_csv
    # XLSX: stored as literal text with the quote prefix, never as a formula; numbers as numbers
    wb = openpyxl.load_workbook(folder / f"edu_wh_r{scenario.second:06d}.xlsx")
    cells = [
        c for row in wb[sheet_of(folder, "territories")].iter_rows(min_row=5) for c in row if c.value == FORMULA_NAME
    ]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    ws = wb[sheet_of(folder, EXTRA_TABLE)]
    head = [c.value for c in ws[4]]
    amounts = [ws.cell(r, head.index("amount_kzt") + 1).value for r in range(5, ws.max_row + 1)]
    assert decimal.Decimal("-1500.25") in [decimal.Decimal(str(a)) for a in amounts]
    assert all(isinstance(a, int | float) for a in amounts)
    notes = [ws.cell(r, head.index("note") + 1) for r in range(5, ws.max_row + 1)]
    assert sorted(c.value for c in notes) == sorted(FORMULA_TEXTS)
    assert all(c.data_type == "s" and c.quotePrefix for c in notes)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+7 727 000 00 00", "'+7 727 000 00 00"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-cmd", "'-cmd"),
        ("-5", "-5"),  # a number written as text: no spreadsheet runs it
        ("-1 500,25", "'-1 500,25"),
        ("Алматы", "Алматы"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, "-5"),
        (decimal.Decimal("-1500.25"), "-1500.25"),
        (None, ""),
        (True, "true"),
        ({"a": "=x"}, '{"a": "=x"}'),
    ],
)
def test_csv_values_are_neutralised_only_when_a_spreadsheet_would_run_them(value, written):
    from publication.exports import csv_value

    assert csv_value(value) == written


def test_the_manifest_lists_every_file_with_its_sha256(scenario, tmp_path):
    folder = scenario.folder(scenario.second)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    assert {f["path"] for f in manifest["files"]} == on_disk
    for f in manifest["files"]:
        assert sha256(folder / f["path"]) == f["sha256"] and (folder / f["path"]).stat().st_size == f["bytes"]
    with psycopg.connect(scenario.url) as conn:
        release = conn.execute(
            "select content_hash, input_batches, gate_run_id, git_commit, row_counts from meta.releases "
            "where release_id = %s",
            (scenario.second,),
        ).fetchone()
    assert manifest["release_id"] == scenario.second
    assert manifest["content_hash"] == release[0]
    assert manifest["input_batches"] == release[1] and manifest["input_batches"][0]["source_file"] == SCHOOLS.name
    assert manifest["gate_run_id"] == release[2] and manifest["gate_summary"]["critical_failed"] == 0
    assert manifest["git_commit"] == release[3]
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == release[4]
    assert manifest["is_synthetic"] is True  # one row of the test table is synthetic
    assert verify_folder(folder) == []
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "csv" / "territories.csv").write_bytes(b"tampered")
    (copy / "extra.txt").write_text("not part of the release")
    assert verify_folder(copy) == ["csv/territories.csv: differs from the manifest", "extra.txt: not in the manifest"]


def test_the_readme_sheet_says_what_when_which_checks_and_how_to_read(scenario):
    wb = openpyxl.load_workbook(scenario.folder(scenario.first) / f"edu_wh_r{scenario.first:06d}.xlsx")
    text = "\n".join(
        str(c.value) for ws in (wb.worksheets[0], wb["README"]) for row in ws.iter_rows() for c in row if c.value
    )
    with psycopg.connect(scenario.url) as conn:
        published_at, gate_run_id, checks = conn.execute(
            "select r.published_at, r.gate_run_id, (select count(*) from meta.gate_results g "
            "where g.gate_run_id = r.gate_run_id and g.success) from meta.releases r where release_id = %s",
            (scenario.first,),
        ).fetchone()
    assert f"edu-wh: {scenario.first}-шығарылым / выпуск {scenario.first} / release {scenario.first}" in text
    assert published_at.isoformat() in text
    assert f"gate run {gate_run_id}: {checks} of {checks} checks passed" in text
    assert "1–3-жолдар" in text and "строки 1–3" in text and "rows 1–3" in text
    assert "every territory code is a known KATO code" in text  # a check, in words


def test_the_workbook_opens_on_contents_with_how_to_read_first_and_a_link_to_every_sheet(scenario):
    folder = scenario.folder(scenario.second)
    wb = openpyxl.load_workbook(folder / f"edu_wh_r{scenario.second:06d}.xlsx")
    contents = wb.worksheets[0]
    assert wb.active.title == contents.title == "Мазмұны · Содержание · Contents"
    cells = [(c.row, str(c.value)) for row in contents.iter_rows() for c in row if c.value is not None]
    how_row = next(r for r, v in cells if v.startswith("Қалай оқу керек / Как читать / How to read"))
    assert how_row < 12, "how to read comes first, not after the technical lists"
    for start in ("Әр кесте парағында", "На каждом листе", "On each table sheet"):
        assert any(v.startswith(start) for _, v in cells), start
    links = {c.value: c.hyperlink.location for row in contents.iter_rows() for c in row if c.hyperlink}
    assert links == {name: f"'{name}'!A1" for name in wb.sheetnames[1:]}
    # each table's row names the sheet and gives its title in the three languages
    rows = {r[0].value: [c.value for c in r] for r in contents.iter_rows() if r[0].hyperlink}
    assert rows[sheet_of(folder, "school_counts")][1:4] == [
        "Жалпы білім беретін мектептер саны",
        "Число общеобразовательных школ",
        "Number of general-education schools",
    ]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert readme.index("How to read") < readme.index("## Тексерулер / Проверки / Checks")
    assert readme.index("How to read") < readme.index("## Кіріс файлдар / Входные файлы / Input files")


def test_the_excel_csv_variant_has_semicolons_decimal_commas_and_codes_as_text(scenario):
    folder = scenario.folder(scenario.second)
    for table in ("school_counts", "territories", EXTRA_TABLE):
        raw = (folder / "csv_excel" / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        columns, rows = published(scenario.url, table)
        with open(folder / "csv_excel" / f"{table}.csv", encoding="utf-8-sig", newline="") as fh:
            read = list(csv.reader(fh, delimiter=";"))
        assert read[0] == columns and len(read) == len(rows) + 1, table
        kato = columns.index("kato_code")
        # KATO codes stay text: Excel shows ="190000000" as 190000000 and never as 1.9E+08
        assert sorted(r[kato] for r in read[1:]) == sorted(f'="{r[kato]}"' for r in rows)
    with open(folder / "csv_excel" / "school_counts.csv", encoding="utf-8-sig", newline="") as fh:
        counts = list(csv.DictReader(fh, delimiter=";"))
    assert {r["academic_year"] for r in counts} >= {'="2021/22"', '="2022/23"'}  # never a date
    assert {r["schools_count"] for r in counts} >= {"800", "464"}
    spending = (folder / "csv_excel" / f"{EXTRA_TABLE}.csv").read_text(encoding="utf-8-sig")
    assert ";-1500,25;" in spending and ";-0,0310;" in spending  # decimal comma
    for formula in FORMULA_TEXTS:
        assert ("'" + formula) in spending  # formula-like data stays neutralised
    assert ";=" not in spending.replace(';="', "")  # the only formulas are the ="..." of codes


def test_exporting_again_is_a_no_op(scenario, monkeypatch):
    monkeypatch.setenv("EDU_WH_DATABASE_URL", scenario.url)
    monkeypatch.setenv("EDU_WH_RELEASES_DIR", str(scenario.releases_dir))
    folder = scenario.folder(scenario.second)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    assert export_release() == folder
    assert export_release(scenario.second) == folder
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before
    # an earlier release is not current any more: it cannot be re-read, and its folder stays as it is
    assert export_release(scenario.first) == scenario.folder(scenario.first)


def test_a_release_that_is_not_current_cannot_be_exported(scenario, monkeypatch, tmp_path):
    from edu_wh.errors import UserError

    monkeypatch.setenv("EDU_WH_DATABASE_URL", scenario.url)
    monkeypatch.setenv("EDU_WH_RELEASES_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(UserError, match=f"release {scenario.first} is not the current release"):
        export_release(scenario.first)
    assert not (tmp_path / "elsewhere" / f"r{scenario.first:06d}").exists()


# --- consistent reads under a concurrent publish ----------------------------------------------------


def _waiting_on_advisory_lock(url: str, application_name: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute(
                "select 1 from pg_stat_activity where application_name = %s and wait_event_type = 'Lock' "
                "and wait_event = 'advisory'",
                (application_name,),
            ).fetchone()
        )


def _wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_publish_waits_for_a_reader_and_the_reader_sees_one_release(warehouse, dbt_manifest):
    from ingest.bns_dynamic import SOURCE as BNS
    from ingest.loader import load_file
    from publication.snapshot import read_release

    load_file(BNS, SCHOOLS)
    first = build_and_publish(warehouse).release_id
    # the next candidate differs in both tables
    from edu_wh.dbt_runner import dbt_command
    from orchestration.tasks import drop_candidate
    from publication.swap import publish

    drop_candidate()
    dbt_command(BUILD_PUBLISHED)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("update candidate.territories set name_en = 'Almaty (new)' where kato_code = '750000000'")
        conn.execute(
            "update candidate.school_counts set territory_name_en = 'Almaty (new)' where kato_code = '750000000'"
        )
    run_gate_on_candidate()

    outcome = {}

    def publish_now():
        outcome["result"] = publish()

    publisher = threading.Thread(target=publish_now)

    def between_tables(name):
        if name == "school_counts":  # read first (alphabetical); territories not yet
            publisher.start()
            _wait_until(lambda: _waiting_on_advisory_lock(warehouse, "edu-wh publish"))

    snapshot = read_release(on_table=between_tables)
    publisher.join(timeout=120)
    assert snapshot.release_id == first
    names = {r[1]: r[6] for r in snapshot.tables["territories"].rows}  # kato_code → name_en
    assert names["750000000"] == "Almaty city"
    counts = snapshot.tables["school_counts"]
    assert {r[3] for r in counts.rows if r[0] == "750000000"} == {"Almaty city"}
    assert outcome["result"].status == "published" and outcome["result"].release_id == first + 1


def test_a_reader_that_arrives_during_a_swap_reads_the_new_release_whole(warehouse, dbt_manifest, monkeypatch):
    """The swap commits while the reader waits for the lock: the reader must see the new release, not
    the old release's bookkeeping with the new release's tables (or no rows at all)."""
    import publication.swap as swap
    from ingest.bns_dynamic import SOURCE as BNS
    from ingest.loader import load_file
    from publication.snapshot import read_release

    load_file(BNS, SCHOOLS)
    build_and_publish(warehouse)
    from edu_wh.dbt_runner import dbt_command
    from orchestration.tasks import drop_candidate

    drop_candidate()
    dbt_command(BUILD_PUBLISHED)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("update candidate.territories set name_en = 'Almaty (new)' where kato_code = '750000000'")
    run_gate_on_candidate()

    in_swap, go_on = threading.Event(), threading.Event()
    real_grant = swap._grant_readers

    def slow_grant(conn, schema):  # runs inside the swap transaction, after the renames
        real_grant(conn, schema)
        in_swap.set()
        assert go_on.wait(60)

    monkeypatch.setattr(swap, "_grant_readers", slow_grant)
    outcome = {}
    publisher = threading.Thread(target=lambda: outcome.setdefault("result", swap.publish()))
    publisher.start()
    assert in_swap.wait(60)
    reader = threading.Thread(target=lambda: outcome.setdefault("snapshot", read_release()))
    reader.start()
    _wait_until(lambda: _waiting_on_advisory_lock(warehouse, "edu-wh export"))
    go_on.set()
    publisher.join(60)
    reader.join(60)
    snapshot = outcome["snapshot"]
    assert snapshot.release_id == outcome["result"].release_id
    assert {r[1]: r[6] for r in snapshot.tables["territories"].rows}["750000000"] == "Almaty (new)"
    assert len(snapshot.tables["school_counts"].rows) == snapshot.release["row_counts"]["school_counts"] > 0


# --- the commands --------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_export_and_serve_commands(scenario):
    import os
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "EDU_WH_DATABASE_URL": scenario.url, "EDU_WH_RELEASES_DIR": str(scenario.releases_dir)}
    done = subprocess.run([sys.executable, "-m", "cli", "export"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(scenario.folder(scenario.second)) in done.stdout
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    assert resp.status == 200 and resp.url.endswith("/portal/index.html")
                    assert b'id="release-data"' in resp.read()
                    break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None and time.monotonic() < deadline, (
                    server.stderr.read() if server.poll() else ""
                )
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/csv/territories.csv", timeout=5) as resp:
            assert resp.headers["Content-Type"] == "text/csv; charset=utf-8" and resp.read().startswith(b"\xef\xbb\xbf")
    finally:
        server.terminate()
        server.wait(timeout=10)
