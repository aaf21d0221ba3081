"""Landing folders: nothing delivered is ignored, nothing is retried forever, quarantine loses nothing."""

from __future__ import annotations

import shutil

import pytest

from edu_wh.config import settings
from edu_wh.errors import UserError
from ingest.bns.reader import BnsPublication
from orchestration.tasks import load_landing, raise_for_rejections
from tests.conftest import SAMPLES

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
BULLETIN = SAMPLES / "bns" / "education_organisations_finance_2022_kk.xls"


def landing(source: str):
    folder = settings().landing_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_file_no_reader_takes_is_quarantined_naming_the_accepted_formats(warehouse):
    # Given a CSV delivered to the BNS folder (BNS readers take workbooks only)
    folder = landing("bns")
    csv = folder / "schools_2023.csv"
    csv.write_bytes("Регион;2023\nАлматинская;464\n".encode("cp1251"))
    # When the folder is loaded
    summary = load_landing("bns")
    # Then the file is not silently skipped: it is refused with the formats the source reads
    assert [r["file"] for r in summary.rejected] == ["schools_2023.csv"]
    assert "accepted formats: *.xlsx, *.xls" in summary.rejected[0]["reason"]
    assert not csv.exists()
    with pytest.raises(UserError, match="accepted formats"):
        raise_for_rejections([summary.as_dict()])


def test_quarantine_keeps_every_refused_file_even_with_the_same_name(warehouse):
    quarantine = settings().home / "quarantine" / "bns"
    before = set(quarantine.glob("report*.csv")) if quarantine.exists() else set()
    # Given two different refused files delivered one after the other under the same name
    for text in ("first", "second"):
        (landing("bns") / "report.csv").write_text(text, encoding="utf-8")
        load_landing("bns")
    # Then both are in quarantine, each with its own reason file
    kept = sorted(set(quarantine.glob("report*.csv")) - before)
    assert len(kept) == 2, kept
    assert {p.read_text(encoding="utf-8") for p in kept} == {"first", "second"}
    assert all((p.parent / (p.name + ".reason.txt")).exists() for p in kept)


def test_an_unexpected_error_fails_the_batch_quarantines_the_file_and_is_not_retried(warehouse, db, monkeypatch):
    # Given a reader with a bug that raises on a real file
    def broken(self, stream, filename, report):
        yield from ()
        raise ZeroDivisionError("a bug in the reader")

    working = BnsPublication.parse
    monkeypatch.setattr(BnsPublication, "parse", broken)
    shutil.copy(SCHOOLS, landing("bns") / SCHOOLS.name)
    # When the folder is loaded
    summary = load_landing("bns")
    # Then the batch is failed with the reason, the file is out of landing, the run fails readably
    status, error = db.execute("select status, error from meta.load_batches where source = 'bns'").fetchone()
    assert status == "failed" and "ZeroDivisionError: a bug in the reader" in error
    assert not (landing("bns") / SCHOOLS.name).exists()
    assert "unexpected error" in summary.rejected[0]["reason"]
    with pytest.raises(UserError, match="ZeroDivisionError"):
        raise_for_rejections([summary.as_dict()])
    # And the same bytes delivered again are not tried again (the bug is still there)
    monkeypatch.setattr(BnsPublication, "parse", working)
    shutil.copy(SCHOOLS, landing("bns") / SCHOOLS.name)
    again = load_landing("bns")
    assert "not retried until the file changes" in again.rejected[0]["reason"]
    assert db.execute("select count(*) from meta.load_batches where source = 'bns'").fetchone()[0] == 1
    # while a changed file is loaded
    shutil.copy(BULLETIN, landing("bns") / BULLETIN.name)
    loaded = load_landing("bns")
    assert [x["file"] for x in loaded.loaded] == [BULLETIN.name] and not loaded.rejected
