"""Period labels of BNS tables, as written → kind, start and end dates, footnote mark.

BNS writes a period in many ways: ``2006``, ``2006*``, ``20211)`` (2021 with footnote 1), ``2022 год``,
``2000/01`` or ``2000-2001`` (an academic year), ``I квартал 2008 года`` / ``IV quarter of 2024``,
``I полугодие 2008 года`` and ``9 месяцев 2008 года`` (cumulative from January), ``January`` /
``январь 2025`` / ``қаңтар`` (a month; the year may come from the title), ``01.04.2025`` (a date).
A label that is none of these is not a period (``None``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MARK = r"(?P<mark>\*+|\d\))?"
YEAR = re.compile(
    rf"^(?P<y>(?:19|20)\d\d){MARK}\s*(?:г\.?|гг\.?|год|года|жыл|жылы|ж\.?|year)?\s*{MARK.replace('mark', 'm2')}$", re.I
)
ACADEMIC = re.compile(
    rf"^(?P<y>(?:19|20)\d\d)\s*[/\-–]\s*(?P<y2>\d\d|\d{{4}}){MARK}\s*(?:уч\.?\s*год|оқу жылы)?$", re.I
)
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
QUARTER = re.compile(
    r"^(?P<q>iv|iii|ii|i|[1-4])\s*(?:-?й\s*)?(?:квартал|тоқсан|quarter)\s*(?:of\s*)?(?P<y>(?:19|20)\d\d)?", re.I
)
HALF = re.compile(r"^(?P<h>ii|i|[12])\s*(?:полугодие|жартыжылдық|half[- ]year)\s*(?:of\s*)?(?P<y>(?:19|20)\d\d)?", re.I)
MONTHS_CUM = re.compile(r"^(?P<n>\d{1,2})\s*(?:месяц\w*|айы|ай|months)\s*(?:of\s*)?(?P<y>(?:19|20)\d\d)?", re.I)
DATE = re.compile(r"^(?P<d>\d\d)\.(?P<m>\d\d)\.(?P<y>(?:19|20)\d\d)$")
ISO_DATE = re.compile(r"^(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?:T00:00:00)?$")
YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
MONTH_NAMES = {
    1: ("январь", "января", "қаңтар", "january", "jan"),
    2: ("февраль", "февраля", "ақпан", "february", "feb"),
    3: ("март", "марта", "наурыз", "march", "mar"),
    4: ("апрель", "апреля", "сәуір", "april", "apr"),
    5: ("май", "мая", "мамыр", "may"),
    6: ("июнь", "июня", "маусым", "june", "jun"),
    7: ("июль", "июля", "шілде", "july", "jul"),
    8: ("август", "августа", "тамыз", "august", "aug"),
    9: ("сентябрь", "сентября", "қыркүйек", "september", "sep"),
    10: ("октябрь", "октября", "қазан", "october", "oct"),
    11: ("ноябрь", "ноября", "қараша", "november", "nov"),
    12: ("декабрь", "декабря", "желтоқсан", "december", "dec"),
}
MONTH = re.compile(r"^(?P<name>[^\W\d_]+)\.?\s*(?P<y>(?:19|20)\d\d)?\s*(?:г\.?|года|жыл\w*)?$", re.I)
DAY_IN_WORDS = re.compile(
    r"^(?:as of |на |по состоянию на )?(?:(?P<month>[a-z]+) (?P<d>\d{1,2}),? (?P<y>(?:19|20)\d\d)|"
    r"(?P<d2>\d{1,2}) (?P<month2>[^\W\d_]+) (?P<y2>(?:19|20)\d\d))",
    re.I,
)
_MONTH_BY_NAME = {name: n for n, names in MONTH_NAMES.items() for name in names}


@dataclass(frozen=True)
class Period:
    label: str  # as written
    kind: str  # year | academic_year | quarter | cumulative | month | date
    start: date | None  # None: a month or quarter whose year is not in the label (see with_year)
    end: date | None
    footnote: str | None = None

    def with_year(self, year: int | None) -> Period:
        """A month/quarter/cumulative label without a year gets the year of its table (title, cover)."""
        if self.start is not None or year is None:
            return self
        reparsed = parse_period(f"{self.label} {year}")
        return Period(self.label, self.kind, reparsed.start, reparsed.end, self.footnote) if reparsed else self


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _span(kind: str, label: str, year: str | None, first: int, last: int, mark=None) -> Period:
    if not year:
        return Period(label, kind, None, None, mark)
    y = int(year)
    return Period(label, kind, date(y, first, 1), _month_end(y, last), mark)


def parse_period(text: str | None) -> Period | None:
    if text is None:
        return None
    label = re.sub(r"\s+", " ", str(text)).strip()
    low = label.lower().rstrip(".")
    if not low or len(low) > 40:
        return None
    if m := YEAR.match(low):
        y = int(m["y"])
        return Period(label, "year", date(y, 1, 1), date(y, 12, 31), m["mark"] or m["m2"])
    if m := ACADEMIC.match(low):
        y, y2 = int(m["y"]), m["y2"]
        end_year = int(y2) if len(y2) == 4 else (y // 100) * 100 + int(y2)
        if end_year != y + 1:
            return None
        return Period(label, "academic_year", date(y, 9, 1), date(end_year, 8, 31), m["mark"])
    if m := QUARTER.match(low):
        q = ROMAN.get(m["q"].lower()) or int(m["q"])
        return _span("quarter", label, m["y"], 3 * q - 2, 3 * q)
    if m := HALF.match(low):
        h = ROMAN.get(m["h"].lower()) or int(m["h"])
        return _span("cumulative" if h == 1 else "half_year", label, m["y"], 1 if h == 1 else 7, 6 if h == 1 else 12)
    if m := MONTHS_CUM.match(low):
        n = int(m["n"])
        if 1 <= n <= 12:
            return _span("cumulative", label, m["y"], 1, n)
    if m := DATE.match(low) or ISO_DATE.match(low):
        try:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            return None
        return Period(label, "date", day, day)
    if m := DAY_IN_WORDS.match(low):
        n = _MONTH_BY_NAME.get(m["month"] or m["month2"])
        if n:
            day = date(int(m["y"] or m["y2"]), n, int(m["d"] or m["d2"]))
            return Period(label, "date", day, day)
    if (m := MONTH.match(low)) and m["name"] in _MONTH_BY_NAME:
        n = _MONTH_BY_NAME[m["name"]]
        return _span("month", label, m["y"], n, n)
    return None


def year_in_text(text: str | None) -> int | None:
    """The one year a title or cover line names (``Consumer price index in 2025`` → 2025)."""
    years = {int(y) for y in YEAR_IN_TEXT.findall(text or "")}
    return years.pop() if len(years) == 1 else None
