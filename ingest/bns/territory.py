"""Territory labels of BNS tables → KATO codes, in every spelling, decided per label and per table.

Names come from the seeds and the classifier, never from a sample file:

* ``seeds/territory_names.csv`` (ru, kk; the names the warehouse has always accepted),
* ``seeds/territories.csv`` (``name_kk``, ``name_ru``, ``name_en`` of every territory it models),
* ``seeds/bns_territory_spellings.csv`` (English region names, the regional centres in Russian and
  English with their KATO codes from the classifier of 17.10.2022, further spellings BNS uses),

so tables of all regions and of all regional centres resolve, not only Almaty. A sample file never
decides which codes are accepted.

A label is cleaned before lookup: footnote marks glued to it are removed (``Туркестанская2)``,
``Туркестанская**``), spaces collapsed, and look-alike letters folded to the label's own script (a Latin
``A`` in ``Аktobе`` or a Latin ``C`` in ``Cистема``). Its language is decided per label: Kazakh letters →
``kk``, Latin → ``en``, otherwise ``ru``.

A bare name may be a region and its centre: Kazakh ``Алматы``, English ``Almaty``, ``Aktobe``. The table
decides (:func:`resolve_labels`): the **region** when the city has its own row (``Алматы қаласы``,
``Almaty city``, ``г.Алматы``); the **city** in a table of cities (one listing towns that are never a
region, such as ``Уральск`` or ``Semey``); otherwise the meaning of the label's language (Kazakh and
English: the region; Russian ``Алматы``: the city). Districts of other regions whose names look alike
(``Алматы ауданы`` of Astana) match no entry and stay unresolved: they are never Almaty oblast.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass

from ingest.reference import KAZAKH_LETTERS, normalize_name
from ingest.territory_codes import KATO_PATTERN, SEEDS_DIR

LATIN_TO_CYRILLIC = str.maketrans("AaBCcEeHKMOoPpTXxy", "АаВСсЕеНКМОоРрТХху")
CYRILLIC_TO_LATIN = str.maketrans("АаВСсЕеНКМОоРрТХхуі", "AaBCcEeHKMOoPpTXxyi")
FOOTNOTE = re.compile(r"(\s*\*+|\s*\d{1,2}\))+\s*$")
CITY_FORMS = ("г.{}", "город {}", "{} қаласы", "{} city", "{} г.а.")
REGION_LEVELS = {"republic", "region", "city"}
#: totals that stand where a territory would (a column "By surveyed cities"): kept, never a territory, no problem
AGGREGATE = re.compile(
    r"^(by surveyed cities|в среднем по обследуемым городам|по обследуемым городам|зерттелген қалалар бойынша)$", re.I
)


def fold_lookalikes(text: str) -> str:
    """Fold letters that look alike into the script most of the label is written in."""
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    cyrillic = sum(1 for ch in text if "а" <= ch.lower() <= "я" or ch in "ёЁ" or ch in KAZAKH_LETTERS)
    if latin > cyrillic:
        return text.translate(CYRILLIC_TO_LATIN)
    return text.translate(LATIN_TO_CYRILLIC) if latin else text


def clean_label(label: str) -> tuple[str, str | None]:
    """``'Туркестанская2) '`` → (``'Туркестанская'``, ``'2)'``): the name and a footnote mark glued to it."""
    text = re.sub(r"\s+", " ", label or "").strip()
    mark = None
    if m := FOOTNOTE.search(text):
        if m.start() > 0:
            mark = m.group(0).strip()
            text = text[: m.start()].strip()
    return fold_lookalikes(text), mark


def key(name: str) -> str:
    """The lookup key of a label: the house's name normalisation (``ingest.reference.normalize_name``,
    the rule the dbt macro renders too) of the cleaned, script-folded label, without trailing punctuation."""
    return normalize_name(clean_label(name)[0]).strip(" .,:")


def label_language(label: str) -> str:
    text = clean_label(label)[0]
    if KAZAKH_LETTERS.intersection(text):
        return "kk"
    return "en" if re.search(r"[A-Za-z]", text) else "ru"


@dataclass(frozen=True)
class Entry:
    code: str
    level: str
    language: str


def _level(code: str, levels: dict[str, str]) -> str:
    if code in levels:
        return levels[code]
    if code == "000000000":
        return "republic"
    if code.endswith("0000000"):
        return "city" if code[:2] in ("71", "75", "79") else "region"
    return "city_administration" if code[2:4] in ("10", "16", "18", "20", "22", "24", "26", "28") else "district"


def _rows(name: str) -> list[dict[str, str]]:
    path = SEEDS_DIR / name
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def name_index() -> dict[str, tuple[Entry, ...]]:
    """Normalised name → every territory it may name (with the language of the spelling)."""
    territories = _rows("territories.csv")
    levels = {row["kato_code"]: row["level"] for row in territories}
    found: dict[str, set[Entry]] = {}

    def add(language: str, name: str, code: str) -> None:
        code = (code or "").strip()
        if name and KATO_PATTERN.match(code):
            found.setdefault(key(name), set()).add(Entry(code, _level(code, levels), language))

    for row in _rows("territory_names.csv") + _rows("bns_territory_spellings.csv"):
        add(row["language"], row["name"], row["kato_code"])
    for row in territories:
        for language in ("kk", "ru", "en"):
            add(language, row.get(f"name_{language}") or "", row["kato_code"])
        en = row.get("name_en") or ""
        if en.endswith(" Region"):
            add("en", en[: -len(" Region")], row["kato_code"])
    return {k: tuple(sorted(v, key=lambda e: (e.code, e.language))) for k, v in found.items()}


def candidates(label: str) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """(exact matches of the label, city entries its bare name may also mean)."""
    index = name_index()
    k = key(label)
    exact = index.get(k, ())
    cities = tuple(
        e
        for form in CITY_FORMS
        for e in index.get(key(form.format(k)), ())
        if e.level in ("city", "city_administration") and e not in exact
    )
    return exact, cities


@dataclass(frozen=True)
class Resolution:
    label: str
    kato_code: str | None
    language: str
    footnote: str | None
    reason: str  # how the code was chosen, or why none was


def resolve_labels(labels: list[str]) -> list[Resolution]:
    """Resolve the row (or column) labels of one table together (see the module docstring)."""
    found = [(label, *candidates(label)) for label in labels]
    only_city = sum(
        1
        for _, exact, cities in found
        if (exact or cities) and all(e.level == "city_administration" for e in (*exact, *cities))
    )
    cities_table = only_city >= 3
    claimed = Counter()
    for _, exact, cities in found:
        codes = {e.code for e in (*exact, *cities)}
        if len(codes) == 1:
            claimed[codes.pop()] += 1
    out = []
    for label, exact, cities in found:
        language = label_language(label)
        footnote = clean_label(label)[1]
        codes = {e.code for e in (*exact, *cities)}
        if not codes and AGGREGATE.match(clean_label(label)[0]):
            out.append(Resolution(label, None, language, footnote, "an aggregate of territories"))
            continue
        if not codes:
            out.append(Resolution(label, None, language, footnote, "not a known territory name"))
            continue
        if len(codes) == 1:
            out.append(Resolution(label, codes.pop(), language, footnote, "one territory of that name"))
            continue
        regions = sorted({e.code for e in exact if e.level in REGION_LEVELS and e.level != "city"})
        towns = sorted({e.code for e in (*exact, *cities) if e.level in ("city", "city_administration")})
        if regions and towns and any(claimed[t] for t in towns):
            out.append(Resolution(label, regions[0], language, footnote, "the region: the city has its own row"))
        elif towns and cities_table:
            exact_towns = sorted({e.code for e in exact if e.level in ("city", "city_administration")})
            town = exact_towns[0] if len(exact_towns) == 1 else towns[0]
            out.append(Resolution(label, town, language, footnote, "a city: the table lists cities"))
        elif regions and all(e.level != "city" for e in (*exact, *cities) if e.code in towns):
            out.append(Resolution(label, regions[0], language, footnote, "the region: the table lists regions"))
        else:
            own = sorted({e.code for e in exact if e.language == language}) or sorted({e.code for e in exact})
            if len(own) == 1:
                out.append(Resolution(label, own[0], language, footnote, f"the {language} meaning of the name"))
            elif regions:
                out.append(Resolution(label, regions[0], language, footnote, "the region of that name"))
            else:
                out.append(Resolution(label, None, language, footnote, f"ambiguous: {sorted(codes)}"))
    return out


def repeated_territory_reason(kato: str, where: str, rows: dict[int, str], language: str) -> str:
    """Why rows that resolve to one territory in one table or block are all quarantined (which is right
    cannot be told, and staging would otherwise keep either): ``rows`` maps a row number to its label."""
    listing = "; ".join(f"row {row}: {label!r}" for row, label in sorted(rows.items()))
    reason = f"territory {kato} occurs more than once in {where} ({listing}); none of them is loaded"
    if kato == "190000000" and language == "kk":
        reason += " (in Kazakh 'Алматы' alone is the oblast; the city is 'Алматы қаласы')"
    return reason
