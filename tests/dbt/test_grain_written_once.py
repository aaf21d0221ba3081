"""A model's grain is written once in its YAML (``config.meta.grain``, with a YAML anchor that the
``unique_combination`` test and, for a contract, the primary key refer to): the manifest is the one
source the gate, the exports and the change report read (edu_wh.dbt_runner.published_grains)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edu_wh.config import DBT_PROJECT_DIR
from edu_wh.dbt_runner import load_manifest, published_grains


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return load_manifest(dbt_manifest)


def project_models(manifest):
    project = manifest["metadata"]["project_name"]
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["package_name"] == project]


def test_the_grain_list_is_written_once_in_each_yaml_file():
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for grain in re.findall(r"^\s+grain: (?:&\w+ )?(\[.*\])$", text, flags=re.M):
            written = len(re.findall(r"(?<![\w&*])" + re.escape(grain), text))
            # a grain shared by two models of one file is written once per model, never twice for one
            models = len(re.findall(r"^\s+grain: (?:&\w+ )?" + re.escape(grain) + "$", text, flags=re.M))
            assert written == models, (
                f"{Path(path).name}: the grain {grain} is written {written} times for {models} model(s)"
            )


def test_the_tests_and_keys_of_a_model_are_its_grain(manifest):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("test_metadata")]
    for node in project_models(manifest):
        grain = (node["config"].get("meta") or {}).get("grain")
        combinations = [
            t["test_metadata"]["kwargs"]["columns"]
            for t in tests
            if t["test_metadata"]["name"] == "unique_combination" and node["unique_id"] in t["depends_on"]["nodes"]
        ]
        for columns in combinations:
            assert columns == grain, f"{node['name']}: unique_combination {columns} is not its grain {grain}"
        keys = [c["columns"] for c in node.get("constraints") or [] if c["type"] == "primary_key"]
        if keys and len(keys[0]) > 1:  # a compound key is the grain (a one-column key is a surrogate id)
            assert keys == [grain], f"{node['name']}: primary key {keys} is not its grain {grain}"


def test_published_grains_come_from_the_manifest(manifest):
    grains = published_grains(manifest)
    published = [n for n in project_models(manifest) if n["fqn"][1] == "published"]
    assert len(grains) == len(published)
    for node in published:
        assert grains[node["alias"]] == tuple(node["config"]["meta"]["grain"])
