"""``edu-wh new-source NAME --like SOURCE`` in a copy of the repository: what it writes, what it refuses,
and that the copy then has the new source's ingest DAG, its raw suite in the gate and passing parser tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.commands.new_source import plan, write
from edu_wh.errors import UserError
from tests.conftest import REPO

NAME, LIKE = "classifier_v2", "kato"  # kato: a flat CSV source (ingest/kato.py, one staging model)


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """The repository's files as git sees them (tracked and new, not ignored), in a temporary folder."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    root = tmp_path / "repo"
    for rel in filter(None, listed.split("\0")):
        if (REPO / rel).is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, root / rel)
    return root


def _in_copy(root: Path, code: str) -> dict:
    """Run ``code`` with the copy's packages (not this checkout's) and return the JSON it prints last."""
    env = {**os.environ, "PYTHONPATH": str(root), "EDU_WH_DBT_TARGET_PATH": str(root / "dbt_project" / "target")}
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_it_refuses_an_existing_name_an_unknown_model_and_a_source_that_is_not_one_flat_module(repo_copy):
    with pytest.raises(UserError, match="source 'kato' exists already"):
        plan(repo_copy, "kato", "minfin")
    with pytest.raises(UserError, match="unknown source 'nope' for --like") as unknown:
        plan(repo_copy, NAME, "nope")
    assert "kato" in unknown.value.hint and "minfin" in unknown.value.hint
    with pytest.raises(UserError, match="'nedb' is not a flat-file source in one module"):
        plan(repo_copy, NAME, "nedb")  # a package (ingest/nedb/)
    with pytest.raises(UserError, match="'egov' is not a flat-file source in one module .*fetched from an API"):
        plan(repo_copy, NAME, "egov")
    with pytest.raises(UserError, match="is not a source name"):
        plan(repo_copy, "Bad-Name", LIKE)
    # and nothing was written
    assert not (repo_copy / "ingest" / f"{NAME}.py").exists()


def test_a_source_made_like_kato_has_its_dag_its_suite_in_the_gate_and_passing_parser_tests(repo_copy):
    # Given a copy of the repository, When a new source is scaffolded like the KATO classifier
    written = write(repo_copy, plan(repo_copy, NAME, LIKE, "the KATO classifier, second edition"))
    # Then it is the source's module, its staging model with its two YAML files, its suite and its one
    # test module (6 new files, the target), and the registry (plus the catalogue entry of the one
    # check text that names the source's own module)
    new = {p.as_posix() for p in written} - {"ingest/registry.py", "expectations/catalogue/check_texts.yml"}
    assert new == {
        f"ingest/{NAME}.py",
        f"dbt_project/models/staging/{NAME}/_{NAME}__sources.yml",
        f"dbt_project/models/staging/{NAME}/_{NAME}__models.yml",
        f"dbt_project/models/staging/{NAME}/stg_{NAME}__classifier.sql",
        f"expectations/suites/raw_{NAME}.py",
        f"tests/ingest/test_{NAME}.py",
    }
    assert len(new) <= 6
    # the one test module tests the parser and the raw suite alike
    tests_text = (repo_copy / "tests" / "ingest" / f"test_{NAME}.py").read_text(encoding="utf-8")
    assert f"from expectations.suites.raw_{NAME} import SUITE" in tests_text and "gate(SUITE)" in tests_text
    # the check text naming kato's own module is copied with the new module's name, in kk, ru and en
    catalogue = (repo_copy / "expectations" / "catalogue" / "check_texts.yml").read_text(encoding="utf-8")
    assert f"- en: 'a new layout: extend ingest/{NAME}.py (LAYOUTS)'" in catalogue
    assert f"kk: 'жаңа пішім: ingest/{NAME}.py кеңейтіңіз (`LAYOUTS`)'" in catalogue
    assert f"ru: 'новый формат: расширьте ingest/{NAME}.py (`LAYOUTS`)'" in catalogue
    module = (repo_copy / "ingest" / f"{NAME}.py").read_text(encoding="utf-8")
    assert f'name = "{NAME}"' in module and f'name="{NAME}_rows"' in module
    assert "kato_code" in module  # its columns keep their names: only the source's names change
    # a second scaffold of the same name is refused
    with pytest.raises(UserError, match=f"source '{NAME}' exists already"):
        plan(repo_copy, NAME, LIKE)

    # And the copy knows the source: its own ingest DAG, generated from the registry, and the gate's raw suite
    found = _in_copy(
        repo_copy,
        "import json\n"
        "from edu_wh.dbt_runner import build_manifest\n"
        "build_manifest()\n"
        "from orchestration.airflow_env import apply_airflow_env\n"
        "apply_airflow_env()\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "from edu_wh.config import DAGS_DIR\n"
        "from expectations.framework import discover_suites\n"
        "from ingest.registry import SOURCES, get_source\n"
        "bag = DagBag(dag_folder=str(DAGS_DIR))\n"
        f"dag = bag.dags.get('ingest_{NAME}')\n"
        "print(json.dumps({'errors': list(bag.import_errors), 'dag_doc': dag.doc_md if dag else None,\n"
        f"  'family': SOURCES['{NAME}'].family, 'table': get_source('{NAME}').raw_table.name,\n"
        "  'suites': {s.name: s.source for s in discover_suites('raw')}}))\n",
    )
    assert found["errors"] == []
    assert found["family"] == NAME and found["table"] == f"{NAME}_rows"
    assert found["dag_doc"] and NAME in found["dag_doc"]
    assert found["suites"][f"raw.{NAME}"] == NAME  # so a loaded batch of it is checked, never uncovered

    # And its generated tests that need no warehouse pass in the copy, and so does the check-text catalogue
    # test (every text of the copied suite translated). The nine that need the warehouse (loading twice,
    # the volume guard, the size limit, staging, the DAG and the four raw-suite tests) are left to
    # `make test-source SOURCE=classifier_v2` in a scaffolded checkout: this session's server is not the copy's.
    plugins = repo_copy.parent / "plugins"
    plugins.mkdir()
    (plugins / "no_warehouse.py").write_text(NO_WAREHOUSE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo_copy), str(plugins)])}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider", "-p", "no_warehouse"]
        + [f"tests/ingest/test_{NAME}.py", "tests/expectations/test_check_texts.py"],
        cwd=repo_copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    assert " 9 deselected" in tests.stdout, tests.stdout[-1000:]


#: a pytest plugin for the copy: leave out the tests that need the embedded server
NO_WAREHOUSE = """
def pytest_collection_modifyitems(config, items):
    needs = [item for item in items if "pg_server" in getattr(item, "fixturenames", ())]
    config.hook.pytest_deselected(items=needs)
    items[:] = [item for item in items if item not in needs]
"""
