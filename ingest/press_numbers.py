"""Numbers in Russian and Kazakh news text, parsed into base units. Pure functions, no I/O.

:func:`find_numbers` finds every numeric mention in a text and returns, for each, the phrase as
written, its value in the base unit (tenge, pupils, places, …), the unit, a qualifier and the
character offsets. What it understands:

* digits with a decimal comma or point and thousands grouped by (non-breaking) spaces:
  ``68 200 оқушыға`` → 68200 pupils, ``756,0 млн. теңге`` → 756000000 KZT;
* scale words, also compound: ``394 млрд. теңге`` → 394000000000, ``4 млрд. 529 млн теңге`` →
  4529000000, ``2 млрд.172 млн`` → 2172000000, ``37 тысяч``, ``66 мың``, ``2,5 трлн``;
* number words in the document's language, in their case forms: ``двух``, ``трех``,
  ``двухсот``, ``один``, ``ни одной`` (0); ``екі``, ``үш``, ``екі жүз``; ``один из`` ("one of")
  is not a number; compound adjectives ``трехлетний`` (3 years), ``трехсменный`` (3 shifts);
* qualifiers: ``почти`` almost, ``более (чем)`` more than, ``свыше`` over, ``порядка`` /
  ``около`` / ``примерно`` / ``шамамен`` about, ``не менее`` / ``кемінде`` at least, ``до`` /
  ``дейін`` up to, ``менее`` less than, also across a preposition (``почти на 23 тысячи``) and
  after the number in Kazakh (``40 мыңнан астам``);
* the unit: the first unit noun within four words after the number (``53 жалпы білім беретін
  мектеп`` → schools; ``үш бірдей оқушылар үйі`` → houses of schoolchildren);
* calendar numbers are kept apart (``number_kind``): years (``2023 жылы``, ``с 2013 года``),
  year ranges (``2023-2029``), dates (``19 августа``, ``1 қыркүйекке``, ``24.03.2022``).

Vague words (``сотни``, ``тысячи`` without a number) are not numbers. URLs, e-mail addresses,
phone numbers and ISO timestamps are masked before scanning (their digits are identifiers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

KAZAKH_ONLY = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
SPACE = "[ \u00a0\u202f]"

MONTHS = (
    r"январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
)
DATE_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?![\d])")
DAY_MONTH = re.compile(rf"(?<![\w.,])(\d{{1,2}})(?:\s*[-–]\s*(\d{{1,2}}))?\s+(?:{MONTHS})\w{{0,4}}(?!\w)", re.I)
YEAR_RANGE = re.compile(r"(?<![\w.,])((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})(?![\w])")
NUMBER = re.compile(rf"(?<![\w,])(\d{{1,3}}(?:{SPACE}\d{{3}})+(?!\d)|\d+)(?:[.,](\d+))?(?![\w])")
DIGIT_COMPOUND = re.compile(r"(?<![\w,])(\d+)-(летн|сменн)\w*", re.I)
YEAR_WORD = re.compile(r"\s*(?:год\w*|гг?\.|г\.(?!\w)|жыл\w*|ж\.)", re.I)
SCALE = re.compile(
    r"[ \u00a0\u202f]*(тысяч[аиу]?|тыс\.?|мың\w*|млн\.?|миллион\w*|млрд\.?|миллиард\w*|трлн\.?|триллион\w*)(?!\w)",
    re.I,
)
SCALE_TAIL = re.compile(r"\.?[ \u00a0\u202f]*(\d{1,3})")
MASKS = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|\+\d[\d\s()-]{8,}\d|\d{4}-\d{2}-\d{2}T[\d:]+(?:[+-]\d{2,4})?"
)

RU_WORDS = {
    "ноль": 0,
    "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одну": 1, "одном": 1, "одним": 1,
    "два": 2, "две": 2, "двух": 2, "двум": 2, "двумя": 2,
    "три": 3, "трех": 3, "трёх": 3, "трем": 3, "трём": 3, "тремя": 3,
    "четыре": 4, "четырех": 4, "четырёх": 4, "четырем": 4, "четырьмя": 4,
    "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8,
    "девять": 9, "девяти": 9, "десять": 10, "десяти": 10,
    "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40,
    "пятьдесят": 50, "пятидесяти": 50,
    "сто": 100, "двести": 200, "двухсот": 200, "триста": 300, "трехсот": 300, "трёхсот": 300,
    "четыреста": 400, "четырехсот": 400, "пятьсот": 500, "пятисот": 500,
}  # fmt: skip
KK_WORDS = {
    "нөл": 0, "бір": 1, "екі": 2, "үш": 3, "төрт": 4, "бес": 5, "алты": 6, "жеті": 7, "сегіз": 8,
    "тоғыз": 9, "он": 10, "жиырма": 20, "отыз": 30, "қырық": 40, "елу": 50, "алпыс": 60,
    "жетпіс": 70, "сексен": 80, "тоқсан": 90, "жүз": 100,
}  # fmt: skip
NONE_PHRASES = re.compile(r"(?<!\w)(ни\s+одн(?:ой|ого|ому|ом|а|о|у)|ни\s+один|бірде-бір)(?!\w)", re.I)
ONE_OF = re.compile(r"\s+из(?!\w)", re.I)
RU_COMPOUND = re.compile(
    r"(?<!\w)(одно|двух|трех|трёх|четырех|четырёх|пяти|шести|семи|восьми|девяти|десяти)(летн|сменн)\w*", re.I
)
COMPOUND_VALUE = {
    "одно": 1, "двух": 2, "трех": 3, "трёх": 3, "четырех": 4, "четырёх": 4, "пяти": 5,
    "шести": 6, "семи": 7, "восьми": 8, "девяти": 9, "десяти": 10,
}  # fmt: skip
COMPOUND_UNIT = {"летн": "years", "сменн": "shifts"}

QUALIFIERS_BEFORE = re.compile(
    r"(?<![\w-])(не\s+менее|не\s+более|более\s+чем|более|свыше|почти|порядка|около|примерно"
    r"|приблизительно|менее|до|шамамен|кемінде)(?:\s+чем)?(?:\s+(?:на|в|до|с|по|к))?\s+$",
    re.I,
)
QUALIFIER_CODES = {
    "не менее": "at least",
    "не более": "up to",
    "более чем": "more than",
    "более": "more than",
    "свыше": "over",
    "почти": "almost",
    "порядка": "about",
    "около": "about",
    "примерно": "about",
    "приблизительно": "about",
    "менее": "less than",
    "до": "up to",
    "шамамен": "about",
    "кемінде": "at least",
}
QUALIFIERS_AFTER = re.compile(r"\w*[ \u00a0]+(астам|артық|жуық|шамасында|дейін)(?!\w)", re.I)
AFTER_CODES = {"астам": "more than", "артық": "more than", "жуық": "almost", "шамасында": "about", "дейін": "up to"}

#: unit code → pattern of the noun (any case form) that names it
UNITS: list[tuple[str, str]] = [
    ("houses_of_schoolchildren", r"дом(?:а|ов)?\s+школьников|оқушылар\s+үй\w*"),
    ("palaces_of_schoolchildren", r"двор(?:ец|ца|цов)\s+школьников|оқушылар\s+сарай\w*"),
    ("kindergartens", r"детск\w*\s+сад\w*|детсад\w*|балабақша\w*"),
    ("beds", r"койко-мест\w*|төсек-орын\w*"),
    ("kzt", r"тенге\w*|теңге\w*|тг\.?(?!\w)|₸"),
    ("usd", r"доллар\w*|долл\.|\$"),
    ("percent", r"%|процент\w*|пайыз\w*"),
    ("pupils", r"ученик\w*|учениц\w*|учащ\w*|школьник\w*|оқушы\w*|шәкірт\w*"),
    ("children", r"дет(?:ей|и|ям|ьми)(?!\w)|бала(?:лар\w*|ға|ны|сы|ның)?(?!\w)"),
    ("places", r"мест(?:а|о|ами|ах)?(?!\w)|орын(?:ды|ға|ның|нан|дар\w*|ы)?(?!\w)"),
    ("schools", r"школ(?!ьн)\w*|мектеп\w*"),
    ("buses", r"автобус\w*"),
    ("teachers", r"педагог\w*|учител\w*|преподавател\w*|мұғалім\w*|ұстаз\w*"),
    ("persons", r"представител\w*|руководител\w*|человек(?!\w)|адам(?:\w{0,4})(?!\w)"),
    ("colleges", r"колледж\w*"),
    ("facilities", r"объект\w*|нысан\w*"),
    ("centres", r"центр\w*|орталы\w*"),
    ("camps", r"лагер\w*"),
    ("annexes", r"пристро\w*"),
    ("classrooms", r"кабинет\w*"),
    ("organisations", r"организац\w*|ұйым\w*"),
    ("shifts", r"смен\w*|ауысым\w*"),
    ("years", r"год(?:а|ов)?(?!\w)|лет(?!\w)|жыл\w*"),
]
UNIT_PATTERNS = [(code, re.compile(rf"(?<!\w)(?:{pattern})", re.I)) for code, pattern in UNITS]
UNIT_WINDOW_WORDS = 4
WORD = re.compile(r"[\w\-%$₸.]+")
STOP = re.compile(r"[,;:!?()«»\"„“”\n]|\.(?:\s|$)")


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int
    phrase: str
    value_text: str
    unit: str | None
    unit_word: str | None
    qualifier: str | None
    kind: str  # quantity | year | year_range | date
    number_start: int

    @property
    def value(self) -> Decimal | None:
        try:
            return Decimal(self.value_text)
        except ArithmeticError:
            return None


def text_language(text: str) -> str:
    """``kk`` when letters found only in Kazakh make up more than 1% of the Cyrillic letters."""
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    kazakh = sum(1 for ch in text if ch in KAZAKH_ONLY)
    return "kk" if cyrillic and kazakh > 0.01 * cyrillic else "ru"


def format_value(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def mask_identifiers(text: str) -> tuple[str, int]:
    """Blank out URLs, e-mails, phone numbers and timestamps, keeping every offset."""
    count = 0

    def blank(m: re.Match) -> str:
        nonlocal count
        count += 1
        return " " * len(m.group(0))

    return MASKS.sub(blank, text), count


def _scale_value(word: str) -> int:
    w = word.lower().rstrip(".")
    if w.startswith(("тыс", "мың")):
        return 1000
    if w.startswith(("млн", "миллион")):
        return 1_000_000
    if w.startswith(("млрд", "миллиард")):
        return 1_000_000_000
    return 1_000_000_000_000


_NEXT_WORD = re.compile(r"[ \u00a0\u202f]*([\w-]+)")


def _words_at(text: str, pos: int, language: str) -> tuple[int, int] | None:
    """A run of number words starting at ``pos`` (``двадцать пять``, ``екі жүз``): (value, end)."""
    table = KK_WORDS if language == "kk" else RU_WORDS
    value, end, found = 0, pos, False
    while m := _NEXT_WORD.match(text, end):
        word = m.group(1).lower()
        if word not in table:
            break
        number = table[word]
        if found and number == 100 and language == "kk" and 0 < value < 10:
            value *= 100  # екі жүз = 200
        elif found and (number >= value or len(str(number)) >= len(str(value))):
            break  # 'два три' are two numbers, 'двадцать пять' is one
        else:
            value += number
        found = True
        end = m.end()
    return (value, end) if found else None


class _Scanner:
    def __init__(self, text: str, language: str):
        self.text = text
        self.language = language
        table = KK_WORDS if language == "kk" else RU_WORDS
        words = "|".join(sorted((re.escape(w) for w in table), key=len, reverse=True))
        self.word_start = re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.I)

    def candidates(self, pos: int) -> list[tuple[int, str, re.Match]]:
        found = []
        for kind, pattern in (
            ("date_dotted", DATE_DOTTED),
            ("day_month", DAY_MONTH),
            ("year_range", YEAR_RANGE),
            ("none", NONE_PHRASES),
            ("compound", RU_COMPOUND if self.language == "ru" else None),
            ("digit_compound", DIGIT_COMPOUND),
            ("digits", NUMBER),
            ("words", self.word_start),
        ):
            if pattern is None:
                continue
            m = pattern.search(self.text, pos)
            if m:
                found.append((m.start(), kind, m))
        order = ["date_dotted", "day_month", "year_range", "none", "compound", "digit_compound", "digits", "words"]
        return sorted(found, key=lambda f: (f[0], order.index(f[1])))

    def scan(self) -> list[NumberMention]:
        mentions: list[NumberMention] = []
        pos = 0
        while True:
            found = self.candidates(pos)
            if not found:
                return mentions
            start, kind, m = found[0]
            mention = self.read(kind, m)
            if mention is None:
                pos = m.end()
                continue
            mentions.append(mention)
            pos = mention.end

    def read(self, kind: str, m: re.Match) -> NumberMention | None:
        text = self.text
        if kind == "date_dotted":
            day, month, year = int(m[1]), int(m[2]), m[3]
            if not (1 <= day <= 31 and 1 <= month <= 12):
                return None
            return self.mention(m.start(), m.end(), f"{year}-{month:02d}-{day:02d}", "date", None, None, "date")
        if kind == "day_month":
            month = self.month_number(m.group(0))
            value = f"--{month:02d}-{int(m[1]):02d}"
            if m[2]:
                value += f"/--{month:02d}-{int(m[2]):02d}"
            return self.mention(m.start(), m.end(), value, "date", None, None, "date")
        if kind == "year_range":
            end = m.end()
            word = YEAR_WORD.match(text, end)
            if word:
                end = word.end()
            return self.mention(m.start(), end, f"{m[1]}-{m[2]}", "year", None, None, "year_range")
        if kind == "none":
            return self.finish(m.start(), m.end(), Decimal(0), m.start())
        if kind in ("compound", "digit_compound"):
            n = COMPOUND_VALUE[m[1].lower()] if kind == "compound" else int(m[1])
            unit = COMPOUND_UNIT[m[2].lower()]
            return self.mention(m.start(), m.end(), str(n), unit, m.group(0), None, "quantity")
        if kind == "words":
            if self.language == "ru" and ONE_OF.match(text, m.end()) and RU_WORDS.get(m.group(0).lower()) == 1:
                return None  # 'одним из' = one of
            parsed = _words_at(text, m.start(), self.language)
            if parsed is None:
                return None
            value, end = parsed
            return self.finish(m.start(), end, Decimal(value), m.start())
        # digits
        integer = re.sub(r"\D", "", m[1])
        value = Decimal(f"{integer}.{m[2]}") if m[2] else Decimal(integer)
        end = m.end()
        grouped = m[1] != integer
        if not m[2] and not grouped and len(integer) == 4 and 1900 <= int(integer) <= 2100:
            word = YEAR_WORD.match(text, end)
            if word:
                return self.mention(m.start(), word.end(), integer, "year", None, None, "year")
            if not SCALE.match(text, end) and self.unit_after(end)[0] is None:
                return self.mention(m.start(), end, integer, "year", None, None, "year")
        return self.finish(m.start(), end, value, m.start())

    def finish(self, start: int, end: int, value: Decimal, number_start: int) -> NumberMention:
        """Scale words (also compound: ``4 млрд. 529 млн``), the qualifier, the unit."""
        text = self.text
        if scale := SCALE.match(text, end):
            factor = _scale_value(scale[1])
            value *= factor
            end = scale.end()
            if (tail := SCALE_TAIL.match(text, end)) and (smaller := SCALE.match(text, tail.end())):
                if _scale_value(smaller[1]) < factor:
                    value += Decimal(tail[1]) * _scale_value(smaller[1])
                    end = smaller.end()
        qualifier = None
        if before := QUALIFIERS_BEFORE.search(text, max(0, start - 40), start):
            qualifier = QUALIFIER_CODES[re.sub(r"\s+", " ", before[1].lower())]
            start = before.start()
        if after := QUALIFIERS_AFTER.match(text, end):
            qualifier = AFTER_CODES[after[1].lower()]
            end = after.end()
        unit, unit_word, unit_end = self.unit_after(end)
        if unit:
            end = unit_end
        return self.mention(start, end, format_value(value), unit, unit_word, qualifier, "quantity", number_start)

    def unit_after(self, end: int) -> tuple[str | None, str | None, int]:
        """The first unit noun among the next few words (stopping at punctuation or another number)."""
        window = self.text[end : end + 80]
        stop = STOP.search(window)
        if stop:
            window = window[: stop.start() + (1 if window[stop.start()] == "%" else 0)]
        words = list(WORD.finditer(window))
        limit = len(window)
        for i, w in enumerate(words):
            if i >= UNIT_WINDOW_WORDS or re.match(r"\d", w.group(0)):
                limit = w.start()
                break
        window = window[:limit]
        best = None
        for code, pattern in UNIT_PATTERNS:
            m = pattern.search(window)
            if m and (
                best is None
                or m.start() < best[1].start()
                or (m.start() == best[1].start() and len(m.group(0)) > len(best[1].group(0)))
            ):
                best = (code, m)
        if best is None:
            return None, None, end
        code, m = best
        return code, m.group(0), end + m.end()

    @staticmethod
    def month_number(text: str) -> int:
        low = text.lower()
        for i, stems in enumerate(
            [
                ("январ", "қаңтар"), ("феврал", "ақпан"), ("март", "наурыз"), ("апрел", "сәуір"),
                ("мая", "май", "мамыр"), ("июн", "маусым"), ("июл", "шілде"), ("август", "тамыз"),
                ("сентябр", "қыркүйек"), ("октябр", "қазан"), ("ноябр", "қараша"), ("декабр", "желтоқсан"),
            ],
            start=1,
        ):  # fmt: skip
            if any(s in low for s in stems):
                return i
        raise ValueError(text)

    def mention(self, start, end, value_text, unit, unit_word, qualifier, kind, number_start=None) -> NumberMention:
        return NumberMention(
            start=start,
            end=end,
            phrase=self.text[start:end],
            value_text=value_text,
            unit=unit,
            unit_word=unit_word,
            qualifier=qualifier,
            kind=kind,
            number_start=start if number_start is None else number_start,
        )


def find_numbers(text: str, language: str) -> list[NumberMention]:
    """Every numeric mention in ``text`` (one sentence or a whole document), in order."""
    masked, _ = mask_identifiers(text)
    mentions = _Scanner(masked, language).scan()
    # the phrase is reported as written (masking only blanks identifiers, which no phrase contains)
    return [
        NumberMention(
            m.start, m.end, text[m.start : m.end], m.value_text, m.unit, m.unit_word, m.qualifier, m.kind,
            m.number_start,
        )
        for m in mentions
    ]  # fmt: skip
