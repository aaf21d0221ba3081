"""The files of a release, for ministry staff and analysts: ``releases/r<NNNNNN>/``.

``export_release()`` reads the current release as one consistent snapshot
(:mod:`publication.snapshot`), then writes, into a temporary folder next to the final one::

    index.html                   → portal/index.html
    README.md                    what the release is and how to read it (kk/ru/en), tables, then checks
    edu_wh_r<N>.xlsx             contents sheet, every table (kk/ru/en label rows), dictionary, README
    csv/<table>.csv              UTF-8 with BOM, comma, decimal point (for programs)
    csv_excel/<table>.csv        for a Russian/Kazakh-locale Excel: semicolon, decimal comma, codes as text
    parquet/<table>.parquet      typed, with column descriptions in the schema metadata
    data_dictionary.{csv,json,md}
    CHANGES.md, changes.json     what changed since the previous release
    quality_report.md            the publication gate's report for this release
    quality/data_docs/           the same gate run as GX's own Data Docs (index.html: suites, results)
    dbt_docs/                    dbt's documentation site (index.html, static_index.html, JSON)
    portal/                      the static portal (index.html, assets/ with Plotly)
    manifest.json                ids, hashes, inputs, gate summary; sha256 and size of every file

and renames the folder into place (atomic). A release folder that exists is never rebuilt: exports
are keyed by release id, so a rerun is a no-op. The pipeline calls :func:`export_current_release`
after each publish.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

from edu_wh.config import settings
from edu_wh.errors import UserError
from edu_wh.hashes import file_sha256 as sha256
from publication import changes as changes_mod
from publication import csv_excel, dictionary, exports, readme
from publication.contract import LANGUAGES, published_models
from publication.snapshot import ReleaseSnapshot, current_release_id, read_previous, read_release

log = logging.getLogger("edu_wh.release_files")

MANIFEST = "manifest.json"
DATA_DOCS = "quality/data_docs"


def release_folder(release_id: int) -> Path:
    return settings().releases_dir / f"r{release_id:06d}"


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


# --- the folder ------------------------------------------------------------------------------------


def _write_tables(snapshot: ReleaseSnapshot, folder: Path, changes: dict, dict_rows: list[dict]) -> tuple[dict, str]:
    """CSV (standard and Excel variant), Parquet and the workbook; returns table → files (paths relative
    to the portal) and the workbook name. The workbook opens on its contents sheet; the data dictionary
    and the technical README come last."""
    workbook_name = f"edu_wh_r{snapshot.release_id:06d}.xlsx"
    sheets = readme.sheet_names(snapshot)
    styles = exports.Styles()
    wb = exports.new_workbook()
    readme.add_contents_sheet(wb, snapshot, sheets, styles)
    files: dict[str, dict] = {}
    for name in sorted(snapshot.tables):
        table = snapshot.tables[name]
        csv_path = exports.write_csv(table, folder / "csv" / f"{name}.csv")
        excel_path = csv_excel.write_csv_excel(table, folder / "csv_excel" / f"{name}.csv")
        pq_path = exports.write_parquet(table, snapshot.release, folder / "parquet" / f"{name}.parquet")
        written = exports.add_table_sheet(wb, table, sheets[name], styles)
        if written["truncated"]:
            log.warning("%s has more rows than a sheet holds; the XLSX sheet is cut, CSV/Parquet are whole", name)
        files[name] = {
            "csv": {"path": f"../csv/{csv_path.name}", "bytes": csv_path.stat().st_size},
            "csv_excel": {"path": f"../csv_excel/{excel_path.name}", "bytes": excel_path.stat().st_size},
            "parquet": {"path": f"../parquet/{pq_path.name}", "bytes": pq_path.stat().st_size},
            "xlsx": {"path": f"../{workbook_name}", "sheet": sheets[name]},
        }
    header = dictionary.FIELDS
    exports.add_grid_sheet(
        wb,
        readme.DICTIONARY_SHEET,
        header,
        [[r[k] for k in header] for r in dict_rows],
        styles,
        widths=(18, 22, 6, 28, 28, 28, 14, 10, 10, 10, 12, 60, 60, 60, 18, 50, 40, 8, 30, 30, 8, 10, 10),
        labels=[[f[f"label_{lang}"] for f in dictionary.field_rows()] for lang in LANGUAGES],
    )
    exports.add_text_sheet(
        wb, readme.TECHNICAL_SHEET, readme.technical_blocks(snapshot, changes), styles, widths=(40, 60, 40, 12, 14)
    )
    wb.save(folder / workbook_name)
    (folder / "README.md").write_text(readme.readme_markdown(snapshot, sheets, changes), encoding="utf-8")
    for entry in files.values():
        entry["xlsx"]["bytes"] = (folder / workbook_name).stat().st_size
    return files, workbook_name


def _downloads(folder: Path, workbook: str) -> list[dict]:
    entries = [
        ("workbook", workbook, "XLSX"),
        ("dictionary", "data_dictionary.csv", "CSV"),
        ("dictionary", "data_dictionary.json", "JSON"),
        ("dictionary", "data_dictionary.md", "Markdown"),
        ("changes_file", "CHANGES.md", "Markdown"),
        ("quality_file", "quality_report.md", "Markdown"),
        ("quality_data_docs", f"{DATA_DOCS}/index.html", "HTML"),
        ("dbt_docs", "dbt_docs/static_index.html", "HTML"),
        ("manifest", MANIFEST, "JSON"),
    ]
    out = []
    for key, rel, fmt in entries:
        path = folder / rel
        out.append(
            {
                "label_key": key,
                "path": f"../{rel}",
                "format": fmt,
                "bytes": path.stat().st_size if path.exists() else None,
            }
        )
    return out


def _manifest(snapshot: ReleaseSnapshot, folder: Path, *, run_id: str | None, files_by_table: dict) -> dict:
    from publication.swap import git_commit

    r = snapshot.release
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel != MANIFEST:
            files.append({"path": rel, "sha256": sha256(path), "bytes": path.stat().st_size})
    return {
        "release_id": snapshot.release_id,
        "published_at": _iso(r.get("published_at")),
        "exported_at": snapshot.read_at.isoformat(),
        "git_commit": r.get("git_commit"),
        "exporter_git_commit": git_commit(),
        "dbt_project_hash": r.get("dbt_project_hash"),
        "content_hash": r.get("content_hash"),
        "table_hashes": r.get("table_hashes"),
        "row_counts": r.get("row_counts"),
        "previous_release": r.get("previous_release"),
        "publish_run_id": r.get("run_id"),
        "export_run_id": run_id,
        "is_synthetic": snapshot.is_synthetic,
        "input_batches": r.get("input_batches"),
        "gate_run_id": r.get("gate_run_id"),
        "gate_summary": r.get("gate_summary"),
        "tables": [
            {
                "name": name,
                "rows": len(t.rows),
                "content_md5": t.hash,
                "label": {lang: t.spec.label(lang) for lang in LANGUAGES},
                "grain": list(t.spec.grain),
                "csv": f"csv/{name}.csv",
                "csv_excel": f"csv_excel/{name}.csv",
                "parquet": f"parquet/{name}.parquet",
                "xlsx_sheet": files_by_table.get(name, {}).get("xlsx", {}).get("sheet"),
                "synthetic_rows": t.synthetic_rows,
            }
            for name, t in sorted(snapshot.tables.items())
        ],
        "files": files,
    }


def _redirect_page() -> str:
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=portal/index.html"><title>edu-wh release</title></head>'
        '<body><a href="portal/index.html">portal/index.html</a></body></html>\n'
    )


def _copy_data_docs(snapshot: ReleaseSnapshot, target: Path) -> None:
    """GX's Data Docs of the gate run that vouched for this release, rendered by that run
    (:func:`expectations.data_docs.write_data_docs`); a run without them (rendered by an older
    version, or its reports folder cleared) leaves a note instead."""
    from expectations.data_docs import data_docs_dir

    gate_run_id = snapshot.release.get("gate_run_id")
    source = data_docs_dir(settings().reports_dir, gate_run_id) if gate_run_id is not None else None
    if source is not None and (source / "index.html").exists():
        shutil.copytree(source, target)
        return
    target.mkdir(parents=True)
    (target / "index.html").write_text(
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Data Docs</title></head><body>'
        f"<p>No GX Data Docs were rendered for gate run {gate_run_id}; see ../../quality_report.md.</p>"
        "</body></html>\n",
        encoding="utf-8",
    )


def build_folder(snapshot: ReleaseSnapshot, folder: Path, changes: dict, *, run_id: str | None = None) -> None:
    from publication.dbt_docs import write_dbt_docs
    from publication.portal.builder import write_portal

    folder.mkdir(parents=True)
    dict_rows = dictionary.dictionary_rows(snapshot)
    files, workbook = _write_tables(snapshot, folder, changes, dict_rows)
    dictionary.write_csv(dict_rows, folder / "data_dictionary.csv")
    dictionary.write_json(snapshot, dict_rows, folder / "data_dictionary.json")
    dictionary.write_markdown(snapshot, dict_rows, folder / "data_dictionary.md")
    changes_mod.write(changes, folder)
    (folder / "quality_report.md").write_text(
        snapshot.gate_run.get("report_markdown") or "No gate report was recorded for this release.\n", encoding="utf-8"
    )
    _copy_data_docs(snapshot, folder / DATA_DOCS)
    write_dbt_docs(snapshot, folder / "dbt_docs")
    (folder / "index.html").write_text(_redirect_page(), encoding="utf-8")
    write_portal(snapshot, folder / "portal", files=files, downloads=_downloads(folder, workbook), changes=changes)
    manifest = _manifest(snapshot, folder, run_id=run_id, files_by_table=files)
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )


def export_release(release_id: int | None = None, *, run_id: str | None = None) -> Path:
    """Write the files of ``release_id`` (default: the current release); a no-op if they exist."""
    cfg = settings()
    wanted = release_id if release_id is not None else current_release_id()
    if wanted is None:
        raise UserError("no release has been published yet", hint="run the pipeline (`edu-wh demo`) first")
    if release_folder(wanted).exists():
        log.info("release %s was already exported to %s", wanted, release_folder(wanted))
        return release_folder(wanted)
    specs = published_models()
    snapshot = read_release(release_id, specs=specs)
    folder = release_folder(snapshot.release_id)
    if folder.exists():
        return folder
    previous = read_previous(snapshot, specs=specs)
    changes = changes_mod.compute_changes(snapshot, previous)
    cfg.releases_dir.mkdir(parents=True, exist_ok=True)
    tmp = cfg.releases_dir / f".r{snapshot.release_id:06d}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        build_folder(snapshot, tmp, changes, run_id=run_id)
        try:
            os.rename(tmp, folder)  # atomic; fails if another export got there first
        except OSError:
            if not folder.exists():
                raise
            log.info("release %s was exported concurrently; keeping that one", snapshot.release_id)
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("release %s exported to %s", snapshot.release_id, folder)
    return folder


def export_current_release(run_id: str | None = None) -> Path:
    """What the pipeline calls after each publish: the files of the current release."""
    return export_release(None, run_id=run_id)


def verify_folder(folder: Path) -> list[str]:
    """Problems found checking a release folder against its manifest (empty: all files intact)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    listed = {f["path"] for f in manifest["files"]}
    for f in manifest["files"]:
        path = folder / f["path"]
        if not path.exists():
            problems.append(f"{f['path']}: missing")
        elif path.stat().st_size != f["bytes"] or sha256(path) != f["sha256"]:
            problems.append(f"{f['path']}: differs from the manifest")
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != MANIFEST and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    return problems
