"""`edu-wh synth`: a deterministic landing drop with its marker, as a user runs it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.synth import drop


def edu_wh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=dict(os.environ), timeout=600
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_arguments_give_a_byte_identical_drop_with_a_complete_marker(tmp_path):
    # When the same drop is written twice into different folders
    first = edu_wh("synth", "--scale", "1", "--out", str(tmp_path / "a"))
    second = edu_wh("synth", "--out", str(tmp_path / "b"), "--seed", "2023")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    # Then every byte is the same, marker included (no timestamps)
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b
    # And the marker lists every file with its hash, size and rows
    marker = json.loads(a["SYNTHETIC_DROP.json"])
    assert (marker["scale"], marker["seed"], marker["complete"]) == (1, 2023, True)
    assert marker["generator_version"]
    listed = {f["path"]: f for f in marker["files"]}
    assert set(listed) == set(a) - {"SYNTHETIC_DROP.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(a[path]).hexdigest() and entry["bytes"] == len(a[path])
    nedb = [f for f in marker["files"] if f["source"] == "nedb"]
    assert len(nedb) == 6 and all(f["path"].startswith("nedb/") and f["rows"] > 800 for f in nedb)
    assert all(
        f["path"].startswith("comfortable_school/") for f in marker["files"] if f["source"] == "comfortable_school"
    )
    # And the seed figures are printed
    assert "113,240 free-meal pupils" in first.stdout and "36 buses leased" in first.stdout


def test_another_seed_gives_another_drop(tmp_path):
    a = drop.write_drop(tmp_path / "a", 1, 2023, sources=["nedb"])
    b = drop.write_drop(tmp_path / "b", 1, 2024, sources=["nedb"])
    assert [f["sha256"] for f in a.files] != [f["sha256"] for f in b.files]
    assert a.figures == b.figures


def test_a_renderer_not_written_yet_is_skipped_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setitem(drop.RENDERERS, "future_source", "ingest.future_source_module:render")
    result = drop.write_drop(tmp_path, 1, 2023, sources=["nedb", "future_source"])
    assert result.skipped == [
        {"source": "future_source", "reason": "renderer ingest.future_source_module:render is not available yet"}
    ]
    marker = json.loads(result.marker.read_text())
    assert marker["skipped"] == result.skipped and {f["source"] for f in marker["files"]} == {"nedb"}


def test_a_broken_renderer_is_not_mistaken_for_a_missing_one(tmp_path, monkeypatch):
    # a renderer module that exists but fails to import is a bug to see, not a source to skip
    (tmp_path / "synth_broken_renderer.py").write_text("import module_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="module_that_does_not_exist"):
        drop.load_renderer("synth_broken_renderer:render")
    assert drop.load_renderer("ingest.not_written_yet.synth:render") is None


def test_a_new_drop_replaces_the_files_of_the_previous_one(tmp_path):
    drop.write_drop(tmp_path, 1, 2023, sources=["nedb"], nedb_rows=500)
    bench = tmp_path / drop.BENCH_DIR / "nedb_bulk_2023-24_500rows.csv"
    assert bench.exists() and sum(1 for _ in bench.open("rb")) == 501
    drop.write_drop(tmp_path, 1, 2023, sources=["comfortable_school"])
    assert not bench.exists() and not list((tmp_path / "nedb").glob("*.csv"))
    assert list((tmp_path / "comfortable_school").glob("*.xlsx"))


def test_unknown_sources_are_refused_readably(tmp_path):
    result = edu_wh("synth", "--out", str(tmp_path), "--source", "nope")
    assert result.returncode == 1 and "unknown source(s) nope" in result.stderr and "Traceback" not in result.stderr
