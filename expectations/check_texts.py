"""What each check protects and how to resolve its failure, in Kazakh, Russian and English.

The suites write both in English (``Check.protects`` / ``Check.resolve``); the translations are in
``expectations/catalogue/check_texts.yml``, keyed by the English text, so suite files stay as they
are. The gate report (:mod:`expectations.report`), the release README and the portal read them
through :func:`texts`. A text with no translation yet is shown in English and listed by
:func:`untranslated` (the test of the catalogue fails on it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "check_texts.yml"
LANGS = ("kk", "ru", "en")


def _key(text: str) -> str:
    return " ".join(str(text or "").split())


@functools.cache
def translations() -> dict[str, dict[str, str]]:
    """English text → {kk, ru}."""
    import yaml

    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")) or []
    return {_key(e["en"]): {"kk": _key(e.get("kk", "")), "ru": _key(e.get("ru", ""))} for e in entries}


@functools.cache
def _templates() -> list[tuple[re.Pattern, dict[str, str]]]:
    """Entries with ``{placeholders}``: a regular expression over the English text, and kk / ru."""
    found = []
    for english, translated in translations().items():
        if "{" not in english:
            continue
        parts = re.split(r"\{(\w+)\}", english)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        found.append((re.compile(f"^{pattern}$"), translated, len("".join(parts[::2]))))
    # the most specific template first: "every row has its {column}" before "every {what} has its {columns}"
    return [(p, t) for p, t, _ in sorted(found, key=lambda f: -f[2])]


def text(english: str, lang: str) -> str:
    """``english`` in ``lang``; the English text itself when no translation exists. A template's
    placeholders are filled with the matched text, itself translated when the catalogue has it (column
    and table names are quoted as code)."""
    if lang == "en" or not english:
        return english
    key = _key(english)
    exact = translations().get(key, {}).get(lang)
    if exact and "{" not in key:
        return exact
    for pattern, translated in _templates():
        m = pattern.match(key)
        if m and translated.get(lang):
            return translated[lang].format(**{k: _value(v, lang) for k, v in m.groupdict().items()})
    return english


_IDENTIFIERS = re.compile(r"^[a-z][a-z0-9_]*(?:(?:, | × )[a-z][a-z0-9_]*)*$")


def _value(value: str, lang: str) -> str:
    """A template's value in ``lang``: translated when the catalogue has it; column, table and model
    names (``kato_code × year``) are names, quoted as code for a Kazakh or Russian reader."""
    translated = text(value, lang)
    if translated == value and _IDENTIFIERS.match(value):
        return re.sub(r"[a-z][a-z0-9_]*", lambda m: f"`{m.group(0)}`", value)
    return translated


def texts(english: str) -> dict[str, str]:
    return {lang: text(english, lang) for lang in LANGS}


def untranslated(englishes: Iterable[str]) -> list[str]:
    """The texts that would be shown in English to a Kazakh or Russian reader."""
    return sorted({_key(e) for e in englishes if e and any(text(e, lang) == _key(e) for lang in ("kk", "ru"))})
