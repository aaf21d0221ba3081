"""The data dictionary covers every column of every published table, in every format, from the manifest."""

from __future__ import annotations

import csv
import json

import openpyxl
import psycopg
import pytest

from publication.contract import published_models
from tests.publication.release_scenario import EXTRA_TABLE, two_releases


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("dictionary")) as s:
        yield s


def published_columns(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
            "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'published' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped "
            "order by 1, a.attnum"
        ).fetchall()


def test_every_published_column_is_in_every_format_of_the_dictionary(scenario):
    folder = scenario.folder(scenario.second)
    expected = published_columns(scenario.url)
    assert {t for t, _, _ in expected} == {"school_counts", "territories", EXTRA_TABLE}

    with open(folder / "data_dictionary.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["table"], r["column"], r["type"]) for r in rows] == expected

    as_json = json.loads((folder / "data_dictionary.json").read_text(encoding="utf-8"))
    assert [(t["table"], c["column"], c["type"]) for t in as_json["tables"] for c in t["columns"]] == expected

    markdown = (folder / "data_dictionary.md").read_text(encoding="utf-8")
    for table, column, _ in expected:
        assert f"## `{table}`" in markdown and f"`{column}`" in markdown

    ws = openpyxl.load_workbook(folder / f"edu_wh_r{scenario.second:06d}.xlsx")["dictionary"]
    # three label rows (kk, ru, en) above the header of identifiers
    assert [ws.cell(row=r, column=2).value for r in (1, 2, 3)] == ["Баған", "Столбец", "Column"]
    header = [c.value for c in ws[4]]
    sheet = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=5)]
    assert [(r["table"], r["column"], r["type"]) for r in sheet] == expected
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == f"A4:W{len(expected) + 4}"


def test_labels_units_definitions_grain_and_sources_come_from_the_manifest(scenario):
    with open(scenario.folder(scenario.second) / "data_dictionary.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {(r["table"], r["column"]): r for r in csv.DictReader(fh)}
    # every label of the published models is there, in three languages
    for name, spec in published_models().items():
        if name not in {t for t, _ in rows}:
            continue  # another area's model, not built in this test
        for col in spec.columns:
            row = rows[(name, col.name)]
            assert (row["label_kk"], row["label_ru"], row["label_en"]) == (col.label_kk, col.label_ru, col.label_en)
            assert row["label_kk"] and row["label_ru"] and row["label_en"], (name, col.name)
            assert row["documented"] == "true"
    count = rows[("school_counts", "schools_count")]
    assert (count["unit"], count["unit_kk"], count["unit_ru"]) == ("schools", "бірлік", "единиц")
    assert count["definition"].startswith("Number of schools") and count["definition_from"] == ""
    assert count["definition_ru"].startswith("Число школ") and count["definition_kk"].startswith("Мектептер саны")
    basis = rows[("school_counts", "territory_basis")]["codes"]
    assert "as_published = сол кездегі шекарада / в границах того времени / as published" in basis
    assert count["grain"] == "kato_code × academic_year × population_type × territory_basis"
    assert count["in_grain"] == "false" and rows[("school_counts", "academic_year")]["in_grain"] == "true"
    assert count["source"] == "BNS dynamic table"
    assert "raw.bns_dynamic_cells" in count["built_from"]
    assert rows[("territories", "kato_code")]["grain"] == "kato_code × valid_from"
    # the new table, known only from its model in the manifest
    amount = rows[(EXTRA_TABLE, "amount_kzt")]
    assert (amount["label_ru"], amount["unit_ru"], amount["type"]) == ("Сумма", "тенге", "numeric(18,2)")
    assert amount["definition"] == "Spent, in tenge." and amount["definition_from"] == ""
    assert (amount["definition_kk"], amount["definition_ru"]) == ("Жұмсалғаны, теңге.", "Потрачено, тенге.")
    assert amount["source"] == "Test ledger (fixture); Test ledger"
    assert (amount["rows"], amount["non_empty"]) == ("4", "4")
    assert rows[(EXTRA_TABLE, "change_share")]["non_empty"] == "3"


def test_published_models_are_found_in_the_manifest_by_folder_not_by_name():
    manifest = {
        "metadata": {"project_name": "edu_wh"},
        "nodes": {
            "model.edu_wh.fct_x": {
                "resource_type": "model", "package_name": "edu_wh", "name": "fct_x", "fqn": ["edu_wh", "marts", "fct_x"],
                "original_file_path": "models/marts/fct_x.sql", "depends_on": {"nodes": []},
                "columns": {"amount_kzt": {"name": "amount_kzt", "description": "Amount spent, tenge."}},
            },
            "model.edu_wh.pub_x": {
                "resource_type": "model", "package_name": "edu_wh", "name": "pub_x", "alias": "x",
                "fqn": ["edu_wh", "published", "pub_x"], "original_file_path": "models/published/pub_x.sql",
                "description": "X.", "depends_on": {"nodes": ["model.edu_wh.fct_x"]},
                "config": {"meta": {"grain": "kato_code", "label_kk": "Икс", "label_ru": "Икс", "label_en": "X"}},
                "columns": {
                    "kato_code": {"name": "kato_code", "data_type": "text", "meta": {"label_en": "KATO code"}},
                    "amount_kzt": {"name": "amount_kzt", "data_type": "numeric",
                                   "config": {"meta": {"label_kk": "Сома", "label_ru": "Сумма", "label_en": "Amount",
                                                       "unit": "kzt_thousands"}}},
                },
            },
            "test.edu_wh.not_null_x": {"resource_type": "test", "package_name": "edu_wh", "name": "t",
                                       "fqn": ["edu_wh", "published", "t"]},
        },
    }  # fmt: skip
    specs = published_models(manifest)
    assert list(specs) == ["x"]
    spec = specs["x"]
    assert spec.grain == ("kato_code",) and spec.label("kk") == "Икс"
    amount = spec.column("amount_kzt")
    assert amount.label("kk") == "Сома (мың теңге)" and amount.label("ru") == "Сумма (тыс. тенге)"
    assert amount.description == "Amount spent, tenge." and amount.description_from == "fct_x"
    assert amount.number_format == "#,##0"
    assert spec.column("kato_code").documented is False  # kk and ru labels missing
    # labels in three languages but no kk / ru definition of "amount_kzt" anywhere: not documented
    assert amount.definition("en") and amount.definition("ru") == "" and amount.documented is False


def test_documented_only_when_labels_and_definitions_exist_in_three_languages():
    def node(columns: dict) -> dict:
        return {
            "metadata": {"project_name": "edu_wh"},
            "nodes": {
                "model.edu_wh.pub_y": {
                    "resource_type": "model", "package_name": "edu_wh", "name": "pub_y", "alias": "y",
                    "fqn": ["edu_wh", "published", "pub_y"], "original_file_path": "models/published/pub_y.sql",
                    "description": "Y.", "depends_on": {"nodes": []}, "columns": columns,
                }
            },
        }  # fmt: skip

    labels = {"label_kk": "Жыл", "label_ru": "Год", "label_en": "Year"}
    spec = published_models(node({
        # kk / ru definitions from the catalogue by column name (publication/catalogue/column_definitions.yml)
        "year": {"name": "year", "description": "Calendar year.", "meta": labels},
        # no English definition: not documented, whatever the catalogue has
        "academic_year": {"name": "academic_year", "description": "", "meta": labels},
        # kk / ru definitions in the column's meta
        "odd": {"name": "odd", "description": "Odd.", "meta": {**labels, "definition_kk": "Тақ.", "definition_ru": "Нечёт."}},
        "only_kk": {"name": "only_kk", "description": "Odd.", "meta": {**labels, "definition_kk": "Тақ."}},
    }))["y"]  # fmt: skip
    year = spec.column("year")
    assert (year.definition_kk, year.definition_ru) == ("Күнтізбелік (бюджеттік) жыл.", "Календарный (бюджетный) год.")
    assert year.documented is True
    assert spec.column("academic_year").documented is False
    assert spec.column("odd").documented is True and spec.column("odd").definition("kk") == "Тақ."
    assert spec.column("only_kk").documented is False
