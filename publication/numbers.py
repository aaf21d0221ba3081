"""Numbers as people write them, in Kazakh, Russian and English.

Money is shown in the unit a reader says aloud: ``394 млрд ₸`` (ru), ``394 млрд теңге`` (kk),
``394 bn KZT`` (en), with at most three significant digits after the scale word is chosen
(``384,3 млрд ₸``); the exact amount (``394 000 000 000 ₸``) goes beside it, on hover or in a
table. Kazakh and Russian group thousands with a no-break space and use a decimal comma; English
uses a comma and a decimal point. ``portal/assets/portal.js`` formats the same way in the browser.
"""

from __future__ import annotations

import decimal

NBSP = "\u00a0"
SCALES = (  # (factor, kk, ru, en)
    (1e12, "трлн", "трлн", "tn"),
    (1e9, "млрд", "млрд", "bn"),
    (1e6, "млн", "млн", "mn"),
)
CURRENCY = {"kk": "теңге", "ru": "₸", "en": "KZT"}
MONEY_UNITS = {"kzt", "tenge"}


def grouped(value: float | int | decimal.Decimal, lang: str, decimals: int = 0) -> str:
    """``1234567.5`` → ``1 234 567,5`` (kk, ru) or ``1,234,567.5`` (en); trailing zeros dropped."""
    text = f"{float(value):,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    if lang == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")


def _decimals(scaled: float) -> int:
    magnitude = abs(scaled)
    return 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2


def money(value, lang: str) -> str:
    """An amount in tenge, short: ``394 млрд ₸`` / ``394 млрд теңге`` / ``394 bn KZT``."""
    if value is None:
        return "—"
    amount = float(value)
    for factor, *words in SCALES:
        if abs(amount) >= factor:
            scaled = amount / factor
            word = words[("kk", "ru", "en").index(lang)]
            return f"{grouped(scaled, lang, _decimals(scaled))}{NBSP}{word}{NBSP}{CURRENCY[lang]}"
    return f"{grouped(amount, lang, 0 if amount == int(amount) else 2)}{NBSP}{CURRENCY[lang]}"


def exact(value, unit: str | None, lang: str) -> str:
    """The whole number: ``394 000 000 000 ₸``; counts without a unit word."""
    if value is None:
        return "—"
    amount = float(value)
    text = grouped(amount, lang, 0 if amount == int(amount) else 2)
    return f"{text}{NBSP}{CURRENCY[lang]}" if unit in MONEY_UNITS else text


def display(value, unit: str | None, lang: str) -> str:
    """What a card shows: money short, counts grouped."""
    if unit in MONEY_UNITS:
        return money(value, lang)
    return exact(value, unit, lang)
