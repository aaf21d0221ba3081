"""Headline figures of a release: the numbers the demo, the portal and the change summary show.

Each is one query on ``published`` (so it can only show checked data) returning one value, with
its label in three languages and where it comes from. ``headline_figures(conn, schema=...)`` runs
the same queries on an archived release (``archive_r<N>``) for the change summary. A headline whose
table or column is not in a release is left out of that release. The seed figures of the press
(DOMAIN.md) are headlines: Almaty oblast's 2023 education budget and its growth, free hot meals,
pupil transport and leased buses, Comfortable School schools and places of the oblast and the city,
and the BNS school count of 2021/22 as published (its source names the figure in today's borders).

``kato_code``, ``period`` and ``claim_keys`` tie a figure to press claims (``published.claims``):
the portal's provenance section lists the claims about the same thing and whether they match.

Every figure says what it counts (planned vs built vs under construction are separate figures), and
carries its period, territory, territory basis and source in Kazakh, Russian and English; amounts
are written as people write them (``394 млрд ₸``, :mod:`publication.numbers`) with the exact value
beside. Each query returns ``(value, is_synthetic, source_name, source_reference, *params)``; ``note`` templates
(``{0}``, ``{1}`` …) turn the params into a sentence in each language.
"""

from __future__ import annotations

from dataclasses import dataclass

from publication import codes, numbers

LANGS = ("kk", "ru", "en")
TERRITORY_NAMES = {
    "190000000": {"kk": "Алматы облысы", "ru": "Алматинская область", "en": "Almaty oblast"},
    "750000000": {"kk": "Алматы қаласы", "ru": "город Алматы", "en": "Almaty city"},
}
PERIOD_WORDS = {"kk": "Кезең", "ru": "Период", "en": "Period"}


@dataclass(frozen=True)
class Headline:
    key: str
    label_en: str
    label_ru: str
    label_kk: str
    unit: str
    sql: str  # returns (value, is_synthetic, source_name, source_reference, *params)
    kato_code: str | None = None
    period: str | None = None  # academic year "2022/23" or calendar year "2023"; claims are matched on it
    claim_keys: tuple[str, ...] = ()  # what claims about this figure call it (claims' metric column)
    basis: str = "as_published"
    note: tuple[str, str, str] = ("", "", "")  # kk, ru, en templates over the query's params
    period_shown: str | None = None  # the period as the reader sees it, when it is not ``period``


OBLAST_2023 = "kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'"
OBLAST_2023_24 = "kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published'"
COMFORTABLE_SCHOOL = (
    "select {column}, is_synthetic, source_name, source_reference, as_of_date from published.comfortable_school "
    "where kato_code = '{kato}' and territory_basis = 'as_published' "
    "and year = (select max(year) from published.comfortable_school)"
)
AS_OF = ("{0} күнгі жағдай", "по состоянию на {0}", "as of {0}")


def _comfortable_school(key: str, kato: str, names: dict, period: str) -> list[Headline]:
    kk, ru, en = names["kk"], names["ru"], names["en"]
    return [
        Headline(
            f"comfortable_school_schools_{key}",
            f"Comfortable School: schools in the programme (planned, under construction and finished), {en}",
            f"«Комфортная школа»: школ в программе (запланированные, строящиеся и завершённые), {ru}",
            f"«Жайлы мектеп»: бағдарламадағы мектептер (жоспарланған, салынып жатқан және салынған), {kk}",
            "schools",
            COMFORTABLE_SCHOOL.format(column="projects_registered", kato=kato),
            kato_code=kato,
            period=period,
            claim_keys=("comfortable_school_schools",),
            note=AS_OF,
        ),
        Headline(
            f"comfortable_school_schools_finished_{key}",
            f"Comfortable School: schools built (finished), {en}",
            f"«Комфортная школа»: построено школ (завершены), {ru}",
            f"«Жайлы мектеп»: салынған мектептер (аяқталған), {kk}",
            "schools",
            COMFORTABLE_SCHOOL.format(column="projects_finished", kato=kato),
            kato_code=kato,
            note=AS_OF,
        ),
        Headline(
            f"comfortable_school_schools_under_construction_{key}",
            f"Comfortable School: schools under construction, {en}",
            f"«Комфортная школа»: школ строится, {ru}",
            f"«Жайлы мектеп»: салынып жатқан мектептер, {kk}",
            "schools",
            COMFORTABLE_SCHOOL.format(column="projects_under_construction", kato=kato),
            kato_code=kato,
            note=AS_OF,
        ),
        Headline(
            f"comfortable_school_places_{key}",
            f"Comfortable School: places in the programme (planned, under construction and finished), {en}",
            f"«Комфортная школа»: мест в программе (запланированные, строящиеся и завершённые), {ru}",
            f"«Жайлы мектеп»: бағдарламадағы орындар (жоспарланған, салынып жатқан және салынған), {kk}",
            "places",
            COMFORTABLE_SCHOOL.format(column="places_registered", kato=kato),
            kato_code=kato,
            period=period,
            claim_keys=("comfortable_school_places",),
            note=AS_OF,
        ),
        Headline(
            f"comfortable_school_places_finished_{key}",
            f"Comfortable School: places in built (finished) schools, {en}",
            f"«Комфортная школа»: мест в построенных (завершённых) школах, {ru}",
            f"«Жайлы мектеп»: салынған (аяқталған) мектептердегі орындар, {kk}",
            "places",
            COMFORTABLE_SCHOOL.format(column="places_finished", kato=kato),
            kato_code=kato,
            note=AS_OF,
        ),
    ]


HEADLINES: list[Headline] = [
    Headline(
        "schools_almaty_oblast_2021",
        "Schools in Almaty oblast, 2021/22 (as published, before the 2022 split)",
        "Школы Алматинской области, 2021/22 (в границах того времени, до разделения 2022 года)",
        "Алматы облысының мектептері, 2021/22 (сол кездегі шекарада, 2022 жылғы бөлінуге дейін)",
        "schools",
        # the note names the comparable figure in today's borders (split ratio of 2022/23)
        "select at_the_time.schools_count, at_the_time.is_synthetic, at_the_time.source_name, at_the_time.source_reference, "
        "today.schools_count, today.rebase_method "
        "from published.school_counts as at_the_time left join published.school_counts as today "
        "on today.kato_code = at_the_time.kato_code and today.academic_year = at_the_time.academic_year "
        "and today.population_type = at_the_time.population_type and today.territory_basis = 'current_borders' "
        "where at_the_time.kato_code = '190000000' and at_the_time.academic_year = '2021/22' "
        "and at_the_time.population_type = 'total' and at_the_time.territory_basis = 'as_published'",
        kato_code="190000000",
        period="2021/22",
        claim_keys=("schools_count", "schools"),
        note=("қазіргі шекарада: {0} ({1})", "в текущих границах: {0} ({1})", "in today's borders: {0} ({1})"),
    ),
    Headline(
        "schools_almaty_oblast_2022",
        "Schools in Almaty oblast, 2022/23",
        "Школы Алматинской области, 2022/23",
        "Алматы облысының мектептері, 2022/23",
        "schools",
        "select schools_count, is_synthetic, source_name, source_reference from published.school_counts "
        "where kato_code = '190000000' and academic_year = '2022/23' and population_type = 'total' "
        "and territory_basis = 'as_published'",
        kato_code="190000000",
        period="2022/23",
        claim_keys=("schools_count", "schools"),
    ),
    Headline(
        "schools_almaty_city_2022",
        "Schools in Almaty city, 2022/23",
        "Школы города Алматы, 2022/23",
        "Алматы қаласының мектептері, 2022/23",
        "schools",
        "select schools_count, is_synthetic, source_name, source_reference from published.school_counts "
        "where kato_code = '750000000' and academic_year = '2022/23' and population_type = 'total' "
        "and territory_basis = 'as_published'",
        kato_code="750000000",
        period="2022/23",
        claim_keys=("schools_count", "schools"),
    ),
    Headline(
        "education_budget_almaty_oblast_2023",
        "Education budget of Almaty oblast, 2023 (refined plan)",
        "Бюджет образования Алматинской области, 2023 (уточнённый план)",
        "Алматы облысының білім беру бюджеті, 2023 (нақтыланған жоспар)",
        "kzt",
        "select sum(plan_kzt), bool_or(is_synthetic), min(source_name), null, count(*), min(last_month) "
        f"from published.education_budget where {OBLAST_2023} having count(*) > 0",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_kzt",),
        note=(
            "04 функционалдық топтың {0} бағдарламасының жоспарлары, {1}-айдың есебі",
            "планы {0} программ функциональной группы 04, отчёт за {1}-й месяц",
            "plans of {0} programmes of functional group 04, report of month {1}",
        ),
    ),
    Headline(
        "education_budget_change_almaty_oblast_2023",
        "Growth of Almaty oblast's education budget, 2023 on 2022 (refined plan)",
        "Прирост бюджета образования Алматинской области, 2023 к 2022 (уточнённый план)",
        "Алматы облысының білім беру бюджетінің өсімі, 2023 / 2022 (нақтыланған жоспар)",
        "kzt",
        "select sum(plan_change_kzt), bool_or(is_synthetic), min(source_name), null "
        f"from published.education_budget where {OBLAST_2023} having count(plan_change_kzt) > 0",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_change_kzt",),
        note=("2023 жоспары минус 2022 жоспары", "план 2023 минус план 2022", "plan 2023 minus plan 2022"),
    ),
    Headline(
        "education_budget_executed_almaty_oblast_2023",
        "Education budget of Almaty oblast executed, 2023 (Ministry of Finance)",
        "Исполнение бюджета образования Алматинской области, 2023 (Минфин)",
        "Алматы облысының білім беру бюджетінің атқарылуы, 2023 (Қаржымині)",
        "kzt",
        "select executed_kzt, executed_is_synthetic, executed_source_name, executed_source_reference, borders "
        "from published.education_budget_annual where kato_code = '190000000' and year = 2023 "
        "and executed_kzt is not null",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_executed_kzt",),
        note=("шекаралар: {0}", "границы: {0}", "borders: {0}"),
    ),
    Headline(
        "free_meals_pupils_almaty_oblast_2023",
        "Primary pupils given free hot meals, Almaty oblast, 2023/24",
        "Учащиеся начальных классов, получившие бесплатное горячее питание, Алматинская область, 2023/24",
        "Тегін ыстық тамақ алған бастауыш сынып оқушылары, Алматы облысы, 2023/24",
        "pupils",
        f"select pupils_served, is_synthetic, source_name, source_reference from published.free_meals where {OBLAST_2023_24}",
        kato_code="190000000",
        period="2023/24",
        claim_keys=("free_meals_pupils",),
    ),
    Headline(
        "free_meals_cost_almaty_oblast_2023",
        "Cost of free hot meals, Almaty oblast, 2023/24",
        "Расходы на бесплатное горячее питание, Алматинская область, 2023/24",
        "Тегін ыстық тамаққа жұмсалған қаражат, Алматы облысы, 2023/24",
        "kzt",
        f"select meal_cost_kzt, is_synthetic, source_name, source_reference from published.free_meals where {OBLAST_2023_24}",
        kato_code="190000000",
        period="2023/24",
        claim_keys=("free_meals_cost_kzt",),
    ),
    Headline(
        "pupil_transport_cost_almaty_oblast_2023",
        "Safe transport of pupils, Almaty oblast, 2023 (budget executed)",
        "Безопасный подвоз учащихся, Алматинская область, 2023 (исполнение бюджета)",
        "Оқушыларды қауіпсіз тасымалдау, Алматы облысы, 2023 (бюджеттің атқарылуы)",
        "kzt",
        f"select transport_cost_kzt, is_synthetic, source_name, null from published.pupil_transport where {OBLAST_2023} "
        "and transport_cost_kzt is not null",
        kato_code="190000000",
        period="2023",
        claim_keys=("pupil_transport_cost_kzt",),
    ),
    Headline(
        "buses_leased_almaty_oblast_2023",
        "School buses bought by leasing, Almaty oblast, 2023",
        "Школьные автобусы, приобретённые в лизинг, Алматинская область, 2023",
        "Лизингпен сатып алынған мектеп автобустары, Алматы облысы, 2023",
        "buses",
        f"select buses_leased, is_synthetic, source_name, null from published.pupil_transport where {OBLAST_2023}",
        kato_code="190000000",
        period="2023",
        claim_keys=("buses_leased",),
    ),
    *_comfortable_school("almaty_oblast", "190000000", TERRITORY_NAMES["190000000"], "2025"),
    *_comfortable_school("almaty_city", "750000000", TERRITORY_NAMES["750000000"], "2023-2029"),
]


def _param(value, lang: str, column: str | None = None) -> str:
    if value is None:
        return "—"
    if column:
        return codes.translate("", column, value, lang)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return numbers.grouped(value, lang)
    return str(value)


PARAM_CODES = {"schools_almaty_oblast_2021": {1: "rebase_method"}}


def describe(h: Headline, row: tuple) -> dict:
    """The figure of ``h`` from its query's row, in the three languages."""
    value, _is_synthetic, source_name, reference, *params = row
    out: dict = {"reference": str(reference) if reference else ""}
    for lang in LANGS:
        source = codes.translate("", "source_name", source_name, lang)
        shown = [_param(p, lang, PARAM_CODES.get(h.key, {}).get(i)) for i, p in enumerate(params)]
        note = h.note[LANGS.index(lang)]
        out[f"display_{lang}"] = numbers.display(value, h.unit, lang)
        out[f"exact_{lang}"] = numbers.exact(value, h.unit, lang)
        out[f"source_{lang}"] = source
        out[f"note_{lang}"] = note.format(*shown) if note and params and params[0] is not None else ""
        out[f"basis_{lang}"] = codes.label("", "territory_basis", h.basis, lang) or h.basis
        out[f"territory_{lang}"] = TERRITORY_NAMES.get(h.kato_code or "", {}).get(lang, h.kato_code or "")
    return out


def headline_figures(conn, *, schema: str = "published") -> list[dict]:
    import psycopg

    figures = []
    for h in HEADLINES:
        query = h.sql if schema == "published" else h.sql.replace("published.", f'"{schema}".')
        try:
            with conn.transaction():
                row = conn.execute(query).fetchone()
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
            continue
        if row is None:
            continue
        described = describe(h, tuple(row))
        figures.append(
            {
                "key": h.key,
                "label_en": h.label_en,
                "label_ru": h.label_ru,
                "label_kk": h.label_kk,
                "value": row[0],
                # a figure of unknown provenance counts as synthetic
                "is_synthetic": bool(row[1]) if row[1] is not None else True,
                "unit": h.unit,
                "display": described["display_en"],
                "source": described["source_en"] + (f": {described['reference']}" if described["reference"] else ""),
                "kato_code": h.kato_code,
                "period": h.period,
                "basis": h.basis,
                "claim_keys": list(h.claim_keys),
                **described,
            }
        )
    return figures
