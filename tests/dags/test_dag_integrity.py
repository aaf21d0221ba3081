"""Every DAG imports cleanly, is documented, owned, tagged and retried, and does no work at parse time."""

from __future__ import annotations

import ast

from edu_wh.config import DAGS_DIR


def test_dagbag_imports_every_dag_without_errors(dagbag):
    assert not dagbag.import_errors
    assert {"ingest_bns", "transform_publish"} <= set(dagbag.dag_ids)


def test_every_dag_has_tags_owner_retries_docs_and_no_catchup(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and len(dag.doc_md) > 80, f"{dag_id} needs a docstring saying what it publishes"
        assert dag.catchup is False, dag_id
        assert dag.start_date.tzinfo is not None, dag_id
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            if not task.task_id.startswith("dbt."):
                assert task.retries >= 1 or task.task_id == "gate", f"{dag_id}.{task.task_id} has no retries"


def test_dag_files_only_wire():
    """No database, dbt, GX, pandas or network imports at the top of a DAG file."""
    heavy = {"psycopg", "great_expectations", "pandas", "dbt", "httpx", "requests", "sqlalchemy"}
    for path in DAGS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert name.split(".")[0] not in heavy, f"{path.name} imports {name} at parse time"
        assert len(path.read_text().splitlines()) < 200, f"{path.name} is too long for a wiring-only DAG file"
