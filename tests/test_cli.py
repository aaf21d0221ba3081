"""The edu-wh command line as a user runs it: a subprocess, readable errors, CSV output."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


def edu_wh(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env, timeout=300)


def test_ingest_then_query_returns_csv(warehouse):
    first = edu_wh("ingest", "bns_dynamic", str(SCHOOLS))
    assert first.returncode == 0, first.stderr
    assert "loaded as batch" in first.stdout and "1,380 rows" in first.stdout
    again = edu_wh("ingest", "bns_dynamic", str(SCHOOLS))
    assert again.returncode == 0 and "already loaded" in again.stdout
    result = edu_wh("query", "select row_label, cell_text from raw.bns_dynamic_cells where cell_ref = 'W13'")
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [["row_label", "cell_text"], ["Алматинская", "800"]]


def test_errors_are_one_line_with_a_hint_never_a_traceback(warehouse):
    result = edu_wh("ingest", "no_such_source", str(SCHOOLS))
    assert result.returncode == 1
    assert "unknown source 'no_such_source'" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr
    bad_sql = edu_wh("query", "select * from nowhere")
    assert bad_sql.returncode == 1 and "query failed" in bad_sql.stderr and "Traceback" not in bad_sql.stderr


def test_a_refused_file_says_file_and_reason(warehouse, tmp_path):
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(SCHOOLS.read_bytes()[:3000])
    result = edu_wh("ingest", "bns_dynamic", str(bad))
    assert result.returncode == 1
    assert "truncated.xlsx" in result.stderr and "Traceback" not in result.stderr


def test_query_as_ministry_reader_cannot_read_raw(warehouse):
    edu_wh("ingest", "bns_dynamic", str(SCHOOLS))
    result = edu_wh("query", "select count(*) from raw.bns_dynamic_cells", "--role", "ministry_reader")
    assert result.returncode == 1 and "permission denied" in result.stderr
