"""The Latin words a Kazakh or Russian reader would meet in a text written for them.

What is quoted from the data or the system stays as written and is left out: code spans, file
names, links' targets, HTML anchors and identifiers (a word with an underscore or a digit, such as
``kato_code`` or ``r000002``). Proper names and formats that stay Latin in every language are
passed in by the caller.
"""

from __future__ import annotations

import re

CODE_SPAN = re.compile(r"`[^`]*`")
PATH = re.compile(r"[\w.-]*(?:/[\w.*{}<>-]*)+|\b\w+(?:\.\w+)+\b")  # ingest/bns/layout.py, stat.gov.kz, raw.bns_cells
LINK_TARGET = re.compile(r"\]\([^)]*\)")
ANCHOR = re.compile(r"<a id=\"[^\"]*\"></a>")
IDENTIFIER = re.compile(r"\b[A-Za-z0-9.]*[_0-9][A-Za-z0-9_.]*\b")
WORD = re.compile(r"[A-Za-z]{2,}")


def latin_words(text: str, proper: set[str]) -> list[str]:
    for pattern in (CODE_SPAN, LINK_TARGET, ANCHOR, PATH, IDENTIFIER):
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in proper]
