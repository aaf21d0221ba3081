"""Press reports: scraped news articles (plain text, Russian or Kazakh), every number with its sentence.

A delivered file is one article as scraped, site noise included: currency tickers (``USD/KZT`` /
``0.0``), view counters (``• 2891``), lists of unrelated headlines (``ru Более 30 тысяч
кубометров …``), page metadata (URLs, e-mail, phone, timestamps). Each line is put in a block:

* ``body``: the article;
* ``ticker``: a currency pair and the number lines right after it;
* ``standalone_number``: a line that is only a number (counters, a bare year in a footer);
* ``related_headlines``: lines tagged with a language code (``ru …``) and everything after a
  trailer heading (``Еще по теме``, ``Читайте также``, ``Comments`` …);
* ``metadata``: lines that start with a URL, an e-mail address, a phone number, a timestamp or a
  locale (``kk_KK``).

Every number in every block is extracted (:mod:`ingest.press_numbers`) and kept, one raw row per
number, with its sentence, phrase, value in the base unit, unit, qualifier and character offsets
(code points in the decoded text, line ends normalised to ``\\n``). Only ``body`` numbers can
become claims: the reviewed registry ``seeds/press_claims_registry.csv`` says which body number is
which figure (matched by document, a quote from the sentence and the exact value). That matching is
one rule in the warehouse (``macros/press_claims.sql``, applied by ``stg_press__claims``, the gate
and :func:`claim_matches`, which asks the warehouse). The load notes list the body's quantities and
how many numbers sat in site noise; staging lists the unregistered ones
(``stg_press__unregistered_numbers``) and proposes candidate claims from them
(``int_claim_candidates_proposed``); nothing is dropped.

Refused as a whole: an empty file, an HTML page, a binary or UTF-16 file, text that is neither
UTF-8 nor Cyrillic Windows-1251, a UTF-8 file cut inside a character, an article without numbers.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ingest.base import ParsedItem, ParseReport, RawTable, Row, Source, SourceFormatError
from ingest.press_numbers import find_numbers, mask_identifiers, text_language
from ingest.reference import SEEDS_DIR

REGISTRY_FILE = "press_claims_registry.csv"
REGISTRY_COLUMNS = (
    "claim_id",
    "source_document",
    "quote",
    "value",
    "unit",
    "kato_code",
    "indicator_code",
    "period",
    "period_kind",
    "note",
)

TICKER = re.compile(r"^[\s•·*]*[A-Z]{3}/[A-Z]{3}\s*$")
NUMERIC_ONLY = re.compile(r"^[\s•·*\-–—]*\d[\d\s.,]*$")
LANGUAGE_TAGGED = re.compile(r"^(?:ru|kz|kk|en|qq)\s+\S")
METADATA = re.compile(r"^(?:https?://|www\.|[\w.+-]+@[\w-]+\.\w|\+\d{7,}|\d{4}-\d{2}-\d{2}T\d|[a-z]{2}_[A-Z]{2}\s*$)")
TRAILER = re.compile(
    r"^(?:Еще по теме|Ещё по теме|Читайте также|Свежее из этой рубрики|Похожие новости|Другие новости"
    r"|Comments|Комментарии|Тақырыпқа қатысты|Тағы оқыңыз|Ұқсас жаңалықтар)",
    re.I,
)
SENTENCE_END = re.compile(r"[.!?…]+[»\"”)]*")
ABBREVIATIONS = {
    "г", "гг", "им", "ул", "т", "д", "ж", "обл", "р", "пр", "млн", "млрд", "тыс", "трлн", "долл", "руб",
    "б", "е", "см", "стр", "кв", "га", "км",
}  # fmt: skip
BODY = "body"


def claim_matches(conn, claims: Iterable[dict], mentions: list[dict]) -> set[tuple[str, int]]:
    """(claim_id, index in ``mentions``) of every registry claim that names an extracted number.

    The rule is the warehouse's, not a copy: ``reference.press_claim_matches``, the SQL function dbt
    renders from ``macros/press_claims.sql`` (the rule ``stg_press__claims``, the candidate claims and
    the gate apply). ``conn`` is a connection to a warehouse where dbt ran once (it creates the
    function); a claim is a registry row, a mention a parsed raw row (``value_text`` as parsed)."""
    query = """
        select claims.claim_id, mentions.idx
        from jsonb_to_recordset(%s::jsonb) as claims (
            claim_id text, source_document text, quote text, value numeric, unit text
        )
        cross join jsonb_to_recordset(%s::jsonb) as mentions (
            idx int, document_file text, block_kind text, sentence text, value_text text, unit text
        )
        where reference.press_claim_matches(
            mentions.document_file, mentions.block_kind, mentions.sentence,
            case when mentions.value_text ~ '^-?\\d+(\\.\\d+)?$' then mentions.value_text::numeric end,
            mentions.unit, claims.source_document, claims.quote, claims.value, claims.unit
        )
    """
    keys = ("claim_id", "source_document", "quote", "value", "unit")
    claim_rows = [{k: c.get(k) for k in keys} for c in claims]
    mention_rows = [
        {"idx": i, **{k: m.get(k) for k in ("document_file", "block_kind", "sentence", "value_text", "unit")}}
        for i, m in enumerate(mentions)
    ]
    rows = conn.execute(query, (json.dumps(claim_rows, default=str), json.dumps(mention_rows))).fetchall()
    return {(claim_id, idx) for claim_id, idx in rows}


@functools.cache
def load_registry() -> tuple[dict, ...]:
    """The reviewed claims registry (a dbt seed), checked for the columns the matching needs."""
    path = SEEDS_DIR / REGISTRY_FILE
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REGISTRY_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SourceFormatError(str(path), f"the claims registry lacks columns {missing}", row=1)
        return tuple(reader)


def decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise SourceFormatError(filename, "a binary or UTF-16 file, not article text", hint="save the text as UTF-8")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html")) or re.search(rb"<(?:body|div|p|script)[\s>]", head):
        raise SourceFormatError(
            filename, "an HTML page, not the article text", hint="extract the article's text before landing it"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" or exc.start >= len(data) - 3:
            raise SourceFormatError(
                filename,
                f"the text ends inside a UTF-8 character at byte {exc.start} (truncated file?)",
                hint="re-download the article",
            ) from exc
        bad_byte = exc.start
    text = data.decode("cp1251", errors="replace")
    letters = sum(1 for ch in text if ch.isalpha())
    if "\ufffd" in text or sum(1 for ch in text if "\u0400" <= ch <= "\u04ff") < 0.3 * letters:
        raise SourceFormatError(
            filename,
            f"neither UTF-8 (invalid byte at {bad_byte}) nor Cyrillic text in Windows-1251",
            hint="save the text as UTF-8",
        )
    return text, "cp1251"


def classify_lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, block kind) of every non-blank line."""
    blocks: list[tuple[int, int, str]] = []
    offset, trailer, previous = 0, False, None
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        if trailer or TRAILER.match(stripped):
            trailer, kind = True, "related_headlines"
        elif TICKER.match(stripped):
            kind = "ticker"
        elif NUMERIC_ONLY.match(stripped):
            kind = "ticker" if previous == "ticker" else "standalone_number"
        elif LANGUAGE_TAGGED.match(stripped):
            kind = "related_headlines"
        elif METADATA.match(stripped):
            kind = "metadata"
        else:
            kind = BODY
        blocks.append((start, end, kind))
        previous = kind
    return blocks


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of one line: after . ! ? … followed by a capital letter, a quote or a dash, except
    after abbreviations (``г.``, ``млрд.``) and initials (``Г.А.``); also ``сөзі.Келесі`` with no space."""
    line = text[start:end]
    spans, begin = [], 0
    for m in SENTENCE_END.finditer(line):
        stop = m.end()
        gap = re.match(r"[ \t\u00a0]*", line[stop:]).end()
        following = line[stop + gap : stop + gap + 1]
        if not following:
            continue
        if m.group(0)[0] == ".":
            word = re.search(r"(\w+)$", line[begin : m.start()])
            token = word.group(1) if word else ""
            if token.lower() in ABBREVIATIONS or (len(token) == 1 and token.isupper()):
                continue
            if gap == 0 and not (len(token) >= 3 and token[-1].islower() and following.isupper()):
                continue
        if following.isupper() or following in '«"„“–—-':
            spans.append((begin, stop))
            begin = stop + gap
    spans.append((begin, len(line)))
    return [
        (start + a + len(line[a:b]) - len(line[a:b].lstrip()), start + len(line[:b].rstrip()))
        for a, b in spans
        if line[a:b].strip()
    ]


class PressArticles(Source):
    name = "press"
    family = "press"
    publisher = "news media (scraped article text)"
    file_patterns = ("*.txt",)
    raw_table = RawTable(
        name="press_numbers",
        columns=(
            "document_file",
            "document_sha256",
            "language",
            "block_kind",
            "sentence_index",
            "sentence",
            "sentence_start",
            "phrase",
            "value_text",
            "unit",
            "unit_word",
            "qualifier",
            "number_kind",
            "char_start",
            "char_end",
        ),
        description="Every number in a scraped press article, with its sentence and the phrase as written; "
        "value_text is the parsed value in the base unit (tenge, pupils, places …) or a date/year; offsets are "
        "code points in the decoded text. block_kind says whether the number is in the article body or in site "
        "noise. Grain: _batch_id, char_start.",
    )

    def parse(self, stream: BinaryIO, filename: str, report: ParseReport) -> Iterator[ParsedItem]:
        data = stream.read()
        if not data.strip():
            raise SourceFormatError(filename, "the file is empty")
        sha = hashlib.sha256(data).hexdigest()
        text, encoding = decode(data, filename)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        blocks = classify_lines(text)
        body = " ".join(text[a:b] for a, b, kind in blocks if kind == BODY)
        language = text_language(body)
        _, masked = mask_identifiers(text)
        mentions: list[dict] = []
        rows: list[Row] = []
        sentence_index = 0
        for line_start, line_end, kind in blocks:
            line_no = text.count("\n", 0, line_start) + 1
            for s_start, s_end in split_sentences(text, line_start, line_end):
                sentence_index += 1
                sentence = text[s_start:s_end]
                for m in find_numbers(sentence, language):
                    mention = {
                        "document_file": filename,
                        "block_kind": kind,
                        "sentence": sentence,
                        "phrase": m.phrase,
                        "value_text": m.value_text,
                        "unit": m.unit,
                        "number_kind": m.kind,
                    }
                    mentions.append(mention)
                    values = (
                        filename,
                        sha,
                        language,
                        kind,
                        str(sentence_index),
                        sentence,
                        str(s_start),
                        m.phrase,
                        m.value_text,
                        m.unit,
                        m.unit_word,
                        m.qualifier,
                        m.kind,
                        str(s_start + m.start),
                        str(s_start + m.end),
                    )
                    rows.append(Row(values, line_no))
        if not rows:
            raise SourceFormatError(filename, "no numbers found in the article text", hint="is the file truncated?")
        report.notes.append(
            f"{language} article, {encoding}, {len(text):,} characters, {len(rows)} numbers"
            + (f"; {masked} URLs/e-mails/phone numbers/timestamps skipped" if masked else "")
        )
        report.notes.extend(self._number_notes(mentions))
        yield from rows

    @staticmethod
    def _number_notes(mentions: list[dict]) -> list[str]:
        """How many numbers are in the body and how many in site noise. Which body numbers are claims is
        the warehouse's to say (``stg_press__claims``, ``int_claim_candidates_proposed``, the gate)."""
        body = [m for m in mentions if m["block_kind"] == BODY]
        quantities = [m for m in body if m["number_kind"] == "quantity"]
        notes = []
        if quantities:
            shown = ", ".join(repr(m["phrase"]) for m in quantities[:8])
            more = f" and {len(quantities) - 8} more" if len(quantities) > 8 else ""
            notes.append(f"{len(quantities)} quantities in the body: {shown}{more}")
        calendar = len(body) - len(quantities)
        if calendar:
            notes.append(f"{calendar} years/dates in the body (not claims)")
        noise = Counter(m["block_kind"] for m in mentions if m["block_kind"] != BODY)
        if noise:
            notes.append(
                "numbers in site noise, never claims: " + ", ".join(f"{k} {n}" for k, n in sorted(noise.items()))
            )
        return notes


SOURCE = PressArticles()
