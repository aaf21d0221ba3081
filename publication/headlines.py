"""Headline figures of a release: the numbers the demo, the portal and the change summary show.

Each is one query on ``published`` (so it can only show checked data) returning one value, with
its label in three languages and where it comes from. ``headline_figures(conn, schema=...)`` runs
the same queries on an archived release (``archive_r<N>``) for the change summary. A headline whose
table or column is not in a release is left out of that release.

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
    sql: str  # returns (value, source)
    kato_code: str | None = None
    period: str | None = None  # academic year "2022/23" or calendar year "2023"
    claim_keys: tuple[str, ...] = ()  # what claims about this figure call it (claims' metric column)


HEADLINES: list[Headline] = [
    Headline(
        "schools_almaty_oblast_2021",
        "Schools in Almaty oblast, 2021/22 (as published, before the 2022 split)",
        "Школы Алматинской области, 2021/22 (в границах того времени)",
        "Алматы облысының мектептері, 2021/22 (сол кездегі шекарада)",
        "schools",
        "select schools_count, source_reference from published.school_counts where kato_code = '190000000' "
        "and academic_year = '2021/22' and population_type = 'total' and territory_basis = 'as_published'",
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
        "select schools_count, source_reference from published.school_counts where kato_code = '190000000' "
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
        "select schools_count, source_reference from published.school_counts where kato_code = '750000000' "
        "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'",
        kato_code="750000000",
        period="2022/23",
        claim_keys=("schools_count", "schools"),
    ),
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
                "kato_code": h.kato_code,
                "period": h.period,
                "claim_keys": list(h.claim_keys),
            }
        )
    return figures
