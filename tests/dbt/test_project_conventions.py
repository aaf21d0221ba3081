"""Naming and documentation conventions of the dbt project, checked on the manifest
(dbt_project_evaluator cannot be installed offline, so this test plays its part)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return json.loads(dbt_manifest.read_text())


def models(manifest):
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["package_name"] == "edu_wh"]


LAYERS = {
    "staging": ("stg_",),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_"),
    "published": ("pub_",),
}


def layer_of(node) -> str:
    return node["fqn"][1]


def test_every_model_lives_in_a_known_layer_with_its_prefix(manifest):
    for node in models(manifest):
        layer = layer_of(node)
        assert layer in LAYERS, f"{node['name']} is in models/{layer}/, not a known layer"
        assert node["name"].startswith(LAYERS[layer]), f"{node['name']} in {layer} must start with {LAYERS[layer]}"


def test_staging_names_say_their_source(manifest):
    for node in models(manifest):
        if layer_of(node) == "staging":
            assert "__" in node["name"], f"{node['name']} must be stg_<source>__<entity>"
            assert node["fqn"][2] == node["name"].split("__")[0].removeprefix("stg_"), (
                f"{node['name']} must live in models/staging/{node['name'].split('__')[0].removeprefix('stg_')}/"
            )


def test_only_staging_models_read_sources(manifest):
    nodes = manifest["nodes"]
    for node in models(manifest):
        sources = node["depends_on"]["nodes"]
        reads_source = any(dep.startswith("source.") for dep in sources)
        if layer_of(node) == "staging":
            assert sum(dep.startswith("source.") for dep in sources) <= 1, (
                f"{node['name']} reads more than one source()"
            )
            if not reads_source:
                # a staging model derived from its source's own staging models (and seeds), e.g. the
                # press claims registry matched to stg_press__numbers: still one source per folder
                upstream = [nodes[dep] for dep in sources if dep in nodes and nodes[dep]["resource_type"] == "model"]
                assert upstream and all(
                    layer_of(up) == "staging" and up["fqn"][2] == node["fqn"][2] for up in upstream
                ), f"{node['name']} is a staging model but reads neither a source() nor its source's staging models"
        else:
            assert not reads_source, f"{node['name']} reads a source() directly; go through a staging model"


def test_staging_reads_raw_tables_through_loaded_rows(manifest):
    """Raw keeps the rows of superseded batches; a staging model that read its raw table directly
    would count a reloaded file twice."""
    for node in models(manifest):
        raw_sources = [dep for dep in node["depends_on"]["nodes"] if dep.startswith("source.") and ".meta." not in dep]
        if raw_sources:
            assert "macro.edu_wh.loaded_rows" in node["depends_on"]["macros"], (
                f"{node['name']} reads {raw_sources[0]} without loaded_rows()"
            )


def test_every_model_is_documented_with_its_grain(manifest):
    for node in models(manifest):
        assert node["description"].strip(), f"{node['name']} has no description"
        grain = node["config"].get("meta", {}).get("grain") or node.get("meta", {}).get("grain")
        assert grain, f"{node['name']} does not state its grain (config: meta: grain: [...])"
        assert "grain" in node["description"].lower(), f"{node['name']}'s description must state the grain in words"


def test_every_model_grain_is_tested(manifest):
    tests_by_model: dict[str, list] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            for dep in node["depends_on"]["nodes"]:
                tests_by_model.setdefault(dep, []).append(node)
    for node in models(manifest):
        names = {
            t["test_metadata"]["name"] for t in tests_by_model.get(node["unique_id"], []) if t.get("test_metadata")
        }
        assert names & {"unique", "unique_combination"}, f"{node['name']} has no uniqueness test on its grain"


def test_published_models_are_contracts_with_trilingual_labels(manifest):
    for node in models(manifest):
        if layer_of(node) != "published":
            continue
        assert node["config"]["contract"]["enforced"], f"{node['name']} must enforce its contract"
        assert node["config"]["schema"] == "candidate", f"{node['name']} must build into candidate"
        assert node["config"].get("alias") and node["config"]["alias"] == node["name"].removeprefix("pub_")
        meta = node["config"].get("meta", {})
        for key in ("label_kk", "label_ru", "label_en"):
            assert meta.get(key), f"{node['name']} lacks table meta {key}"
        assert node["columns"], f"{node['name']} documents no columns"
        for column in node["columns"].values():
            assert column.get("data_type"), f"{node['name']}.{column['name']} has no data_type"
            labels = column.get("meta", {})
            for key in ("label_kk", "label_ru", "label_en"):
                assert labels.get(key), f"{node['name']}.{column['name']} lacks {key}"


def test_published_tables_carry_territory_period_and_provenance(manifest):
    period_columns = {
        "academic_year",
        "year",
        "calendar_year",
        "period",
        "status_date",
        "valid_from",
        "report_date",
        "published_date",
    }
    for node in models(manifest):
        if layer_of(node) != "published":
            continue
        columns = set(node["columns"])
        assert "kato_code" in columns, f"{node['name']} has no kato_code"
        assert columns & period_columns, f"{node['name']} has no period column"
        if node["name"] != "pub_territories":
            assert "is_synthetic" in columns, f"{node['name']} must say whether rows are synthetic"


def test_money_columns_name_their_unit(manifest):
    for node in models(manifest):
        for name in node["columns"]:
            if (
                set(name.split("_")) & {"amount", "cost", "budget", "spend", "plan", "executed"}
                and not name.endswith(("_kzt", "_kzt_thousands", "_pct", "_percent", "_ratio", "_share", "_year"))
                # provenance of a group of figures (budget_source_name, budget_is_synthetic) is not money
                and not name.endswith(("_source_name", "_source_reference", "_is_synthetic"))
                and not name.startswith(("is_", "has_"))
            ):
                if node["columns"][name].get("data_type") in (None, "numeric", "bigint", "integer"):
                    pytest.fail(f"{node['name']}.{name} looks like money but does not end in _kzt")


def test_every_marts_and_published_column_has_a_description(manifest):
    # the description is the column's definition and, through persist_docs, its database comment
    # (tests/dbt/test_column_comments.py checks the comments of the real tables)
    undocumented = []
    for node in models(manifest):
        if layer_of(node) not in ("marts", "published"):
            continue
        assert node["columns"], f"{node['name']} documents no columns"
        undocumented += [f"{node['name']}.{c}" for c, col in node["columns"].items() if not col["description"].strip()]
    assert undocumented == []


def test_marts_and_published_persist_their_docs_as_comments(manifest):
    for node in models(manifest):
        if layer_of(node) in ("marts", "published"):
            assert node["config"].get("persist_docs") == {"relation": True, "columns": True}, node["name"]
