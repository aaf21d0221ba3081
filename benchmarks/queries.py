"""Section 6: analysts' queries on the published and marts tables, with their plans."""

from __future__ import annotations

import re
import time

from benchmarks.common import check, median, rnd
from benchmarks.dbt_publish import _raise_recorded


def run_queries(runs: int) -> list[dict]:
    """Each query: a warm-up, then ``runs`` timed executions (client wall time: execute + fetch),
    as the analyst role; plus the plan's scans (which indexes it uses)."""
    from edu_wh.warehouse import connect

    results = []
    with connect("analyst", autocommit=True, application_name="edu-wh bench queries") as conn:
        params = query_parameters(conn)
        for query in QUERIES:
            args = {k: params[k] for k in query["params"]}
            rows = conn.execute(query["sql"], args).fetchall()  # warm-up
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                conn.execute(query["sql"], args).fetchall()
                timings.append((time.perf_counter() - started) * 1000)
            plan = conn.execute("explain (format json) " + query["sql"], args).fetchone()[0][0]["Plan"]
            results.append(
                {
                    "id": query["id"],
                    "title": query["title"],
                    "rows": len(rows),
                    "median_ms": rnd(median(timings), 2),
                    "max_ms": rnd(max(timings), 2),
                    "runs": len(timings),
                    "scans": plan_scans(plan),
                    "params": {k: str(v) for k, v in args.items()},
                }
            )
    return results


def plan_scans(plan: dict) -> list[str]:
    scans = []

    def walk(node):
        kind = node.get("Node Type", "")
        if "Scan" in kind and node.get("Relation Name"):
            using = f" using {node['Index Name']}" if node.get("Index Name") else ""
            scans.append(f"{kind} on {node['Relation Name']}{using}")
        elif kind == "Bitmap Index Scan":
            scans.append(f"{kind} on {node['Index Name']}")
        for child in node.get("Plans", []) or []:
            walk(child)

    walk(plan)
    return sorted(set(scans))


def query_parameters(conn) -> dict:
    """Real values to filter on: the district with the most schools in the newest year, its region,
    the newest budget year."""
    year, district = conn.execute(
        "select academic_year, kato_code from published.schools "
        "where academic_year = (select max(academic_year) from published.schools) "
        "group by academic_year, kato_code order by count(*) desc, kato_code limit 1"
    ).fetchone()
    region = conn.execute(
        "select region_kato_code from published.schools where kato_code = %s and academic_year = %s limit 1",
        (district, year),
    ).fetchone()[0]
    budget_year = conn.execute("select max(year) from marts.fct_education_budget_monthly").fetchone()[0]
    return {"academic_year": year, "district": district, "region": region, "budget_year": budget_year}


#: the analysts' questions (docs/BENCHMARKS.md shows them); %(name)s parameters from query_parameters
QUERIES: list[dict] = [
    {
        "id": "budget_per_pupil",
        "title": "Education budget (executed) per pupil by region and year, on current borders",
        "params": [],
        "sql": """
select b.kato_code, b.territory_name_ru, b.year,
       sum(b.executed_kzt) as executed_kzt, c.pupils_total,
       round(sum(b.executed_kzt) / nullif(c.pupils_total, 0)) as executed_kzt_per_pupil
from published.education_budget as b
join published.school_capacity as c
  on c.kato_code = b.kato_code and c.calendar_year = b.year and c.territory_basis = b.territory_basis
where b.territory_basis = 'current_borders'
group by b.kato_code, b.territory_name_ru, b.year, c.pupils_total
order by b.kato_code, b.year""",
    },
    {
        "id": "free_meals_trend",
        "title": "Free-meal coverage trend per district (all years, current borders)",
        "params": [],
        "sql": """
select kato_code, territory_name_ru, academic_year, pupils_served, eligible_pupils, coverage_percent,
       coverage_percent - lag(coverage_percent) over (partition by kato_code order by academic_year) as change_pp
from published.free_meals
where aggregation_level = 'district' and territory_basis = 'current_borders'
order by kato_code, academic_year""",
    },
    {
        "id": "capacity_deficit_ranking",
        "title": "Districts ranked by school-place deficit in the newest year",
        "params": ["academic_year"],
        "sql": """
select rank() over (order by place_deficit desc) as rank, kato_code, territory_name_ru, place_deficit,
       utilisation_percent, three_shift_schools, overloaded_schools
from published.school_capacity
where aggregation_level = 'district' and territory_basis = 'current_borders' and academic_year = %(academic_year)s
order by place_deficit desc
limit 20""",
    },
    {
        "id": "district_schools",
        "title": "Schools of one district in one year, most crowded first (drill-down)",
        "params": ["district", "academic_year"],
        "sql": """
select bin, name_ru, pupils_total, design_capacity, shifts, place_shortage, pupils_free_meals
from published.schools
where kato_code = %(district)s and academic_year = %(academic_year)s
order by place_shortage desc nulls last, bin""",
    },
    {
        "id": "region_three_shift_trend",
        "title": "Three-shift and overloaded schools per year in one region (current borders)",
        "params": ["region"],
        "sql": """
select academic_year, count(*) as schools, count(*) filter (where is_three_shift) as three_shift,
       count(*) filter (where is_overloaded) as overloaded, sum(pupils_total) as pupils
from published.schools
where current_region_kato_code = %(region)s
group by academic_year
order by academic_year""",
    },
    {
        "id": "budget_monthly_execution",
        "title": "Monthly education budget execution of one region in the newest year (marts, incremental)",
        "params": ["region", "budget_year"],
        "sql": """
select month, sum(plan_kzt) as plan_kzt, sum(executed_kzt) as executed_kzt,
       sum(executed_in_month_kzt) as executed_in_month_kzt
from marts.fct_education_budget_monthly
where kato_code = %(region)s and year = %(budget_year)s
group by month
order by month""",
    },
]


def published_indexes() -> dict[str, list[str]]:
    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        rows = conn.execute(
            "select schemaname || '.' || tablename, indexdef from pg_indexes "
            "where schemaname in ('published', 'marts') order by 1, 2"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for table, definition in rows:
        out.setdefault(table, []).append(re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING btree ", r"\1", definition))
    return out


def table_sizes() -> dict[str, int]:
    """Exact row counts of the published and marts tables."""
    from psycopg import sql

    from edu_wh.warehouse import connect

    with connect(autocommit=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('published', 'marts') and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": conn.execute(
                sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            ).fetchone()[0]
            for schema, table in tables
        }


def queries_section(scales: dict[int, dict]) -> dict:
    _raise_recorded(scales, "queries")
    top = max(scales)
    world = scales[top]
    checks = [check(f"{q['id']}, scale {top}", q["median_ms"], "<=", 100.0, "ms") for q in world["queries"]]
    by_scale = {str(s): {q["id"]: q["median_ms"] for q in w["queries"]} for s, w in scales.items()}
    limits = []
    for q in world["queries"]:
        if q["median_ms"] is not None and q["median_ms"] > 100:
            seq = [s for s in q["scans"] if s.startswith("Seq Scan")]
            limits.append(
                f"`{q['id']}`: {q['median_ms']} ms; plan: {', '.join(q['scans'])}"
                + (
                    ". It reads whole tables: for a selective filter, an index on the filter columns (dbt "
                    "`indexes=` / the `create_index` post-hook) is the fix; for a filter that matches a large "
                    "share of the rows (a whole region), a pre-aggregated published table is"
                    if seq
                    else ""
                )
            )
    return {
        "scale": top,
        "queries": world["queries"],
        "by_scale_median_ms": by_scale,
        "table_rows": world["table_rows"],
        "indexes": {
            k: v
            for k, v in world["indexes"].items()
            if k.startswith("published.") or k in {"marts.fct_education_budget_monthly", "marts.fct_school_years"}
        },
        "target_note": "target set by this benchmark: ≤ 100 ms median (interactive use in a BI tool or the portal)",
        "checks": checks,
        "limits": limits,
    }
