"""Headline figures of a release: the numbers the demo, the portal and the change summary show.

Each is one query on ``published`` (so it can only show checked data) returning one value, with
its label in three languages, where it comes from and whether it is synthetic (a synthetic figure's
source is the generator, never a publisher). ``headline_figures(conn, schema=...)`` runs
the same queries on an archived release (``archive_r<N>``) for the change summary. A headline whose
table or column is not in a release is left out of that release. The seed figures of the press
(DOMAIN.md) are headlines: Almaty oblast's 2023 education budget and its growth, free hot meals,
pupil transport and leased buses, Comfortable School schools and places of the oblast and the city,
and the BNS school count of 2021/22 as published (its source names the figure in today's borders).

``kato_code``, ``period`` and ``claim_keys`` tie a figure to press claims (``published.claims``):
the portal's provenance section lists the claims about the same thing and whether they match.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Headline:
    key: str
    label_en: str
    label_ru: str
    label_kk: str
    unit: str
    sql: str  # returns (value, source, is_synthetic)
    kato_code: str | None = None
    period: str | None = None  # academic year "2022/23" or calendar year "2023"
    claim_keys: tuple[str, ...] = ()  # what claims about this figure call it (claims' metric column)


OBLAST_2023 = "kato_code = '190000000' and year = 2023 and territory_basis = 'as_published'"
OBLAST_2023_24 = "kato_code = '190000000' and academic_year = '2023/24' and territory_basis = 'as_published'"

HEADLINES: list[Headline] = [
    Headline(
        "schools_almaty_oblast_2021",
        "Schools in Almaty oblast, 2021/22 (as published, before the 2022 split)",
        "Школы Алматинской области, 2021/22 (в границах того времени)",
        "Алматы облысының мектептері, 2021/22 (сол кездегі шекарада)",
        "schools",
        # the source names the comparable figure in today's borders (split ratio of 2022/23)
        "select at_the_time.schools_count, at_the_time.source_reference || coalesce('; in today''s borders: ' "
        "|| today.schools_count || ' (' || today.rebase_method || ')', ''), at_the_time.is_synthetic "
        "from published.school_counts as at_the_time left join published.school_counts as today "
        "on today.kato_code = at_the_time.kato_code and today.academic_year = at_the_time.academic_year "
        "and today.population_type = at_the_time.population_type and today.territory_basis = 'current_borders' "
        "where at_the_time.kato_code = '190000000' and at_the_time.academic_year = '2021/22' "
        "and at_the_time.population_type = 'total' and at_the_time.territory_basis = 'as_published'",
        kato_code="190000000",
        period="2021/22",
        claim_keys=("schools_count", "schools"),
    ),
    Headline(
        "schools_almaty_oblast_2022",
        "Schools in Almaty oblast, 2022/23",
        "Школы Алматинской области, 2022/23",
        "Алматы облысының мектептері, 2022/23",
        "schools",
        "select schools_count, source_reference, is_synthetic from published.school_counts where kato_code = '190000000' "
        "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'",
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
        "select schools_count, source_reference, is_synthetic from published.school_counts where kato_code = '750000000' "
        "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'",
        kato_code="750000000",
        period="2022/23",
        claim_keys=("schools_count", "schools"),
    ),
    Headline(
        "education_budget_almaty_oblast_2023",
        "Education budget of Almaty oblast, 2023",
        "Бюджет образования Алматинской области, 2023",
        "Алматы облысының білім беру бюджеті, 2023",
        "kzt",
        "select sum(plan_kzt), min(source_name) || ': plan of ' || count(*) || ' programmes of functional group 04, "
        f"December report', bool_or(is_synthetic) from published.education_budget where {OBLAST_2023} "
        "having count(*) > 0",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_kzt",),
    ),
    Headline(
        "education_budget_change_almaty_oblast_2023",
        "Growth of Almaty oblast's education budget, 2023 on 2022",
        "Прирост бюджета образования Алматинской области, 2023 к 2022",
        "Алматы облысының білім беру бюджетінің өсімі, 2023 / 2022",
        "kzt",
        "select sum(plan_change_kzt), min(source_name) || ': plan 2023 minus plan 2022', bool_or(is_synthetic) "
        f"from published.education_budget where {OBLAST_2023} having count(plan_change_kzt) > 0",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_change_kzt",),
    ),
    Headline(
        "education_budget_executed_almaty_oblast_2023",
        "Education budget of Almaty oblast executed, 2023 (Ministry of Finance)",
        "Исполнение бюджета образования Алматинской области, 2023 (Минфин)",
        "Алматы облысының білім беру бюджетінің атқарылуы, 2023 (Қаржымині)",
        "kzt",
        "select executed_kzt, executed_source_name || ': ' || executed_source_reference || '; borders: ' || borders, "
        "executed_is_synthetic from published.education_budget_annual "
        "where kato_code = '190000000' and year = 2023 and executed_kzt is not null",
        kato_code="190000000",
        period="2023",
        claim_keys=("education_budget_executed_kzt",),
    ),
    Headline(
        "free_meals_pupils_almaty_oblast_2023",
        "Primary pupils with free hot meals, Almaty oblast, 2023/24",
        "Учащиеся начальных классов с бесплатным горячим питанием, Алматинская область, 2023/24",
        "Тегін ыстық тамақпен қамтылған бастауыш сынып оқушылары, Алматы облысы, 2023/24",
        "pupils",
        "select pupils_served, source_name || ': ' || source_reference, is_synthetic from published.free_meals "
        f"where {OBLAST_2023_24}",
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
        "select meal_cost_kzt, source_name || ': ' || source_reference, is_synthetic from published.free_meals "
        f"where {OBLAST_2023_24}",
        kato_code="190000000",
        period="2023/24",
        claim_keys=("free_meals_cost_kzt",),
    ),
    Headline(
        "pupil_transport_cost_almaty_oblast_2023",
        "Safe transport of pupils, Almaty oblast, 2023",
        "Безопасный подвоз учащихся, Алматинская область, 2023",
        "Оқушыларды қауіпсіз тасымалдау, Алматы облысы, 2023",
        "kzt",
        f"select transport_cost_kzt, source_name, is_synthetic from published.pupil_transport where {OBLAST_2023} "
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
        f"select buses_leased, source_name, is_synthetic from published.pupil_transport where {OBLAST_2023}",
        kato_code="190000000",
        period="2023",
        claim_keys=("buses_leased",),
    ),
    *[
        Headline(
            f"comfortable_school_{measure}_{key}",
            f"Comfortable School {measure}, {name_en}",
            f"«Комфортная школа», {'школ' if measure == 'schools' else 'мест'}, {name_ru}",
            f"«Жайлы мектеп», {'мектептер' if measure == 'schools' else 'орындар'}, {name_kk}",
            measure,
            f"select {column}, source_name || ' (' || as_of_date || ')', is_synthetic from published.comfortable_school "
            f"where kato_code = '{kato}' and territory_basis = 'as_published' "
            "and year = (select max(year) from published.comfortable_school)",
            kato_code=kato,
            period=period,
            claim_keys=(f"comfortable_school_{measure}",),
        )
        for key, kato, name_en, name_ru, name_kk, period in [
            ("almaty_oblast", "190000000", "Almaty oblast", "Алматинская область", "Алматы облысы", "2025"),
            ("almaty_city", "750000000", "Almaty city", "город Алматы", "Алматы қаласы", "2023-2029"),
        ]
        for measure, column in [("schools", "projects_registered"), ("places", "places_registered")]
    ],
]


def _display(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "kzt":
        return f"{float(value) / 1e9:,.3f} bn tenge"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f} {unit}"
    return f"{int(value):,} {unit}".replace(",", " ")


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
        figures.append(
            {
                "key": h.key,
                "label_en": h.label_en,
                "label_ru": h.label_ru,
                "label_kk": h.label_kk,
                "value": row[0],
                "unit": h.unit,
                "display": _display(row[0], h.unit),
                "source": row[1],
                # a figure whose provenance the query cannot tell counts as synthetic
                "is_synthetic": bool(row[2]) if len(row) > 2 and row[2] is not None else True,
                "kato_code": h.kato_code,
                "period": h.period,
                "claim_keys": list(h.claim_keys),
            }
        )
    return figures
