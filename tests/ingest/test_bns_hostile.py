"""Hostile workbooks are refused with a clear message in bounded time and memory.

Each workbook (built byte by byte in ``benchmarks/hostile_workbooks.py``) is read by the generic BNS
reader in a fresh process under an address-space limit (``RLIMIT_AS``); the test checks the outcome,
the message, the wall time and the child's own peak RSS (``VmHWM``).
"""

from __future__ import annotations

import pytest

from benchmarks import hostile_workbooks as hostile

CASES = {
    # name: (builder, words the refusal must contain)
    "real_range": (hostile.real_range, "row 1,048,576"),
    "zip_bomb": (lambda: hostile.zip_bomb(8), "unpacks to"),
    "many_sheets": (lambda: hostile.many_sheets(2500), "parts"),
    "shared_strings": (hostile.shared_strings, "sharedStrings.xml unpacks to"),
    "many_cells": (hostile.many_cells, "not a territorial table"),
    "styled_empty": (hostile.styled_empty, "not a territorial table"),
    # the declared range is not trusted: the one real cell is read, the file refused for its content
    "declared_range": (hostile.declared_range, "not a territorial table"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_workbook_is_refused_within_10_s_and_300_mb(name, tmp_path):
    build, words = CASES[name]
    # Given a hostile workbook
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build())
    # When the generic BNS reader reads it in a process limited to 1.5 GB of address space
    result = hostile.measure(path)
    # Then it is refused with a message that says why, within the bounds
    assert result["outcome"] == "refused", result
    assert words in result["message"], result["message"]
    assert result["seconds"] <= hostile.MAX_SECONDS, result
    assert result["rss_mb"] <= hostile.MAX_RSS_MB, result


def test_too_many_sheets_are_refused_by_count_even_with_few_parts(tmp_path):
    # 400 sheets stay under the part limit: the sheet count refuses them
    path = tmp_path / "sheets.xlsx"
    path.write_bytes(hostile.many_sheets(400))
    result = hostile.measure(path)
    assert result["outcome"] == "refused" and "400 sheets" in result["message"], result
