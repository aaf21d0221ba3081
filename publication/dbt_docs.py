"""dbt's documentation site for a release: ``dbt docs generate`` output, pointed at ``published``.

``dbt docs generate`` runs against the warehouse (the catalog needs it) into a temporary target
directory, so the shared ``target/`` that Cosmos renders DAGs from is never touched. The published
models are built in ``candidate`` and swapped into ``published``; by the time a release is exported
``candidate`` is gone or already holds the next build. So the published models are re-pointed at
``published`` in the manifest, and their catalog entries (columns, types, row counts) are taken
from the release snapshot, not from whatever ``candidate`` holds now.

Writes ``index.html`` (needs a web server: it fetches the JSON files), ``manifest.json``,
``catalog.json``, and ``static_index.html`` (everything inlined; opens from a file too).

Every node of the project is documented (the manifest holds all of them, tests included); dbt
compiles, and reads the catalog of, the models, seeds, snapshots and sources only
(:data:`DOCUMENTED`): compiling the ~480 data tests too took 10 of the 12 s of ``dbt docs generate``
and shows nothing a reader of the docs looks at (a test's own SQL is in the manifest).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from edu_wh.config import settings
from publication.contract import is_published_model
from publication.snapshot import ReleaseSnapshot

#: what ``dbt docs generate`` compiles and catalogues (``--indirect-selection empty``: not the tests on them)
DOCUMENTED = [
    "--select",
    "resource_type:model",
    "resource_type:seed",
    "resource_type:snapshot",
    "resource_type:source",
    "--indirect-selection",
    "empty",
]


def _catalog_entry(uid: str, database: str, snapshot: ReleaseSnapshot, name: str) -> dict:
    table = snapshot.tables[name]
    return {
        "metadata": {
            "type": "BASE TABLE",
            "schema": snapshot.schema,
            "name": name,
            "database": database,
            "comment": table.spec.description or None,
            "owner": None,
        },
        "columns": {
            col.name: {"type": col.data_type, "index": i, "name": col.name, "comment": col.description or None}
            for i, col in enumerate(table.spec.columns, start=1)
        },
        "stats": {
            "row_count": {
                "id": "row_count",
                "label": "Rows",
                "value": len(table.rows),
                "include": True,
                "description": f"Rows in release {snapshot.release_id}",
            },
            "has_stats": {
                "id": "has_stats",
                "label": "Has Stats?",
                "value": True,
                "include": False,
                "description": "Indicates whether there are statistics for this table",
            },
        },
        "unique_id": uid,
    }


def point_at_release(manifest: dict, catalog: dict, snapshot: ReleaseSnapshot) -> None:
    project = (manifest.get("metadata") or {}).get("project_name")
    catalog.setdefault("nodes", {})
    for uid, node in (manifest.get("nodes") or {}).items():
        if not is_published_model(node, project):
            continue
        name = node.get("alias") or node["name"]
        if name not in snapshot.tables:
            catalog["nodes"].pop(uid, None)
            continue
        database = node.get("database") or ""
        node["schema"] = snapshot.schema
        node["relation_name"] = f'"{database}"."{snapshot.schema}"."{name}"'
        catalog["nodes"][uid] = _catalog_entry(uid, database, snapshot, name)


def write_dbt_docs(snapshot: ReleaseSnapshot, out_dir: Path) -> list[Path]:
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    from edu_wh.dbt_runner import dbt_command

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="edu-wh-docs-") as tmp:
        target = Path(tmp)
        cached = settings().dbt_target_dir / "partial_parse.msgpack"
        if cached.exists():  # a head start; dbt checks it against the project and reparses if stale
            shutil.copy2(cached, target / cached.name)
        dbt_command(["docs", "generate", *DOCUMENTED, "--target-path", str(target)])
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    point_at_release(manifest, catalog, snapshot)
    manifest_text = json.dumps(manifest, ensure_ascii=False)
    catalog_text = json.dumps(catalog, ensure_ascii=False)
    (out_dir / "manifest.json").write_text(manifest_text, encoding="utf-8")
    (out_dir / "catalog.json").write_text(catalog_text, encoding="utf-8")
    index = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    (out_dir / "index.html").write_text(index, encoding="utf-8")
    static = index.replace('"MANIFEST.JSON INLINE DATA"', manifest_text.replace("</", "<\\/")).replace(
        '"CATALOG.JSON INLINE DATA"', catalog_text.replace("</", "<\\/")
    )
    (out_dir / "static_index.html").write_text(static, encoding="utf-8")
    return [out_dir / n for n in ("index.html", "static_index.html", "manifest.json", "catalog.json")]
