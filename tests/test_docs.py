"""The README tells the truth: its commands, configuration table and tree match the repository."""

from __future__ import annotations

import re

from edu_wh.config import ENV_VARS, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_setup_commands():
    assert "make demo" in README and "make test" in README
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_environment_variable_is_in_the_configuration_table():
    for name, _default, _ in ENV_VARS:
        assert re.search(rf"\|\s*`{name}`\s*\|", README), f"{name} missing from the README configuration table"


def test_env_example_only_names_known_variables():
    known = {name for name, _, _ in ENV_VARS}
    example = (REPO_ROOT / ".env.example").read_text()
    for line in example.splitlines():
        match = re.match(r"#?\s*(EDU_WH_[A-Z_]+)=", line)
        if match:
            assert match.group(1) in known, match.group(1)


def test_every_variable_the_code_reads_is_documented():
    known = {name for name, _, _ in ENV_VARS}
    # EDU_WH_DBT_*: written by edu_wh.config for dbt's profiles.yml; EDU_WH_TEST_*: the test suite's own
    internal = re.compile(r"EDU_WH_(DBT_(HOST|PORT|USER|PASSWORD|DBNAME|SCHEMA|THREADS|ROLE)|TEST_|RELIABILITY_)")
    read = set()
    for folder in ("edu_wh", "orchestration", "cli", "ingest", "expectations", "publication", "dags"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            for name in re.findall(r"[\"'](EDU_WH_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")):
                if not internal.match(name):
                    read.add(name)
    assert read - known == set(), "read by the code but not in ENV_VARS (and the README table)"


def test_the_annotated_tree_names_only_paths_that_exist():
    tree = README.split("```", 2)[1]
    for match in re.finditer(r"^[│├└─\s]*([\w./-]+?)/?\s{2,}", tree, re.M):
        name = match.group(1)
        if name in {".", ""} or "," in name:
            continue
        assert any(REPO_ROOT.glob(f"**/{name}")) or (REPO_ROOT / name).exists(), (
            f"README tree names {name}, which does not exist"
        )


def test_changelog_has_an_unreleased_section():
    assert "## Unreleased" in (REPO_ROOT / "CHANGELOG.md").read_text()
