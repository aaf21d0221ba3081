"""The dbt layers as the dbt guide "How we structure our dbt projects" draws them, checked on the manifest:
staging reads sources, seeds and staging; intermediate reads staging, intermediate and seeds (never a
mart or a published model); marts read intermediate (and staging, seeds); a mart that builds on another
mart names it in its description ("build on separate marts thoughtfully"); published models read marts."""

from __future__ import annotations

import pytest

from edu_wh.dbt_runner import load_manifest

#: what each layer may read: "source", "seed" or a model layer
ALLOWED = {
    "staging": {"source", "seed", "staging"},
    "intermediate": {"seed", "staging", "intermediate"},
    "marts": {"seed", "staging", "intermediate", "marts"},
    "published": {"seed", "marts"},
}


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return load_manifest(dbt_manifest)


def kind(manifest: dict, unique_id: str) -> str:
    """``source``, ``seed`` or the model's layer (``models/<layer>/``)."""
    if unique_id.startswith("source."):
        return "source"
    node = manifest["nodes"][unique_id]
    if node["resource_type"] == "seed":
        return "seed"
    return node["fqn"][1]


def edges(manifest: dict):
    """(model, its layer, the node it reads, that node's kind) for every model of the project."""
    project = manifest["metadata"]["project_name"]
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["package_name"] != project:
            continue
        for upstream in sorted(set(node["depends_on"]["nodes"])):
            yield node, node["fqn"][1], upstream, kind(manifest, upstream)


def test_every_model_reads_only_the_layers_below_it(manifest):
    wrong = [
        f"{node['name']} ({layer}) reads {upstream} ({upstream_kind})"
        for node, layer, upstream, upstream_kind in edges(manifest)
        if upstream_kind not in ALLOWED[layer]
    ]
    assert not wrong, "models reading a layer they must not:\n" + "\n".join(wrong)


def test_a_mart_built_on_another_mart_says_so(manifest):
    unsaid = [
        f"{node['name']} reads {manifest['nodes'][upstream]['name']} but its description does not name it"
        for node, layer, upstream, upstream_kind in edges(manifest)
        if layer == upstream_kind == "marts" and manifest["nodes"][upstream]["name"] not in node["description"]
    ]
    assert not unsaid, "\n".join(unsaid)


def test_the_layer_rules_catch_an_intermediate_model_reading_a_mart(manifest):
    # the rule itself: an intermediate model depending on a mart is reported (a doctored manifest)
    doctored = {**manifest, "nodes": dict(manifest["nodes"])}
    intermediate = next(
        n for n in doctored["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] == "intermediate"
    )
    mart = next(uid for uid, n in doctored["nodes"].items() if n["resource_type"] == "model" and n["fqn"][1] == "marts")
    doctored["nodes"][intermediate["unique_id"]] = {
        **intermediate,
        "depends_on": {**intermediate["depends_on"], "nodes": [*intermediate["depends_on"]["nodes"], mart]},
    }
    with pytest.raises(AssertionError, match=intermediate["name"]):
        test_every_model_reads_only_the_layers_below_it(doctored)
