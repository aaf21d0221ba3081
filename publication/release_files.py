"""The files of a release, for ministry staff and analysts: ``releases/r<NNNNNN>/``.

``export_release()`` reads the current release as one consistent snapshot
(:mod:`publication.snapshot`), then writes, into a temporary folder next to the final one::

    index.html                   → portal/index.html
    README.md                    what the release is, its checks, how to read the files (kk/ru/en)
    edu_wh_r<N>.xlsx             every table (kk/ru/en label rows) + README + dictionary sheets
    csv/<table>.csv              UTF-8 with BOM
    parquet/<table>.parquet      typed, with column descriptions in the schema metadata
    data_dictionary.{csv,json,md}
    CHANGES.md, changes.json     what changed since the previous release
    quality_report.md            the publication gate's report for this release
    dbt_docs/                    dbt's documentation site (index.html, static_index.html, JSON)
    portal/                      the static portal (index.html, assets/ with Plotly)
    manifest.json                ids, hashes, inputs, gate summary; sha256 and size of every file

and renames the folder into place (atomic). A release folder that exists is never rebuilt: exports
are keyed by release id, so a rerun is a no-op. The pipeline calls :func:`export_current_release`
after each publish.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

from edu_wh.config import settings
from edu_wh.errors import UserError
from publication import changes as changes_mod
from publication import dictionary, exports
from publication.contract import LANGUAGES, published_models
from publication.snapshot import ReleaseSnapshot, current_release_id, read_previous, read_release

log = logging.getLogger("edu_wh.release_files")

MANIFEST = "manifest.json"

README_TEXT = {
    "what": (
        "Бұл — Алматы қаласы мен Алматы облысының білім беру статистикасы қоймасының {id}-шығарылымы: "
        "жариялау алдындағы барлық сыни тексерулерден өткен кестелер.",
        "Это выпуск {id} хранилища статистики образования города Алматы и Алматинской области: таблицы, "
        "прошедшие все критические проверки перед публикацией.",
        "This is release {id} of the education statistics warehouse for Almaty city and Almaty oblast: the "
        "tables that passed every critical check before publication.",
    ),
    "how": (
        "Әр кесте парағында: 1–3-жолдар — бағандардың қазақ, орыс және ағылшын тілдеріндегі атаулары (жақшада "
        "өлшем бірлігі); 4-жол — баған аты (CSV, Parquet және SQL-дегідей); деректер 5-жолдан басталады. Бос "
        "ұяшық — мән жоқ. «=», «+», «-», «@» белгілерінен басталатын мәтін формула емес, мәтін ретінде сақталған "
        "(CSV-де алдында апостроф бар). Қызғылт сары түспен белгіленген жолдар — синтетикалық деректер.",
        "На каждом листе таблицы: строки 1–3 — названия столбцов на казахском, русском и английском (в скобках — "
        "единица измерения); строка 4 — имя столбца (как в CSV, Parquet и SQL); данные начинаются со строки 5. "
        "Пустая ячейка — значения нет. Текст, начинающийся с «=», «+», «-», «@», сохранён как текст, а не формула "
        "(в CSV перед ним стоит апостроф). Строки, выделенные оранжевым, — синтетические данные.",
        "On each table sheet: rows 1–3 are the column labels in Kazakh, Russian and English (unit in brackets); "
        "row 4 is the column name (as in the CSV, Parquet and SQL); data start in row 5. An empty cell means no "
        "value. Text beginning with =, +, -, @ is stored as text, never as a formula (in the CSV it has a leading "
        "apostrophe). Rows shaded orange are synthetic data.",
    ),
    "synthetic": (
        "НАЗАР АУДАРЫҢЫЗ: бұл шығарылымда синтетикалық (жасанды) деректер бар, олар нақты статистика емес.",
        "ВНИМАНИЕ: в этом выпуске есть синтетические (сгенерированные) данные, это не реальная статистика.",
        "ATTENTION: this release contains synthetic (generated) data; it is not real statistics.",
    ),
    "files": (
        "Сол деректер: csv/ (UTF-8, BOM), parquet/, деректер сөздігі data_dictionary.*, өзгерістер CHANGES.md, "
        "портал portal/index.html, файлдардың SHA-256 сомалары manifest.json ішінде.",
        "Те же данные: csv/ (UTF-8 с BOM), parquet/, словарь данных data_dictionary.*, изменения CHANGES.md, "
        "портал portal/index.html, суммы SHA-256 всех файлов в manifest.json.",
        "The same data: csv/ (UTF-8 with BOM), parquet/, the data dictionary data_dictionary.*, changes in "
        "CHANGES.md, the portal portal/index.html, SHA-256 sums of every file in manifest.json.",
    ),
}


def release_folder(release_id: int) -> Path:
    return settings().releases_dir / f"r{release_id:06d}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


# --- README (sheet and Markdown) -------------------------------------------------------------------


def readme_blocks(snapshot: ReleaseSnapshot, sheets: dict[str, str], changes: dict) -> list[tuple[str, list]]:
    r = snapshot.release
    rid = snapshot.release_id
    gate = snapshot.gate_run
    results = snapshot.gate_results
    blocks: list[tuple[str, list]] = [
        (f"edu-wh release {rid}", [[README_TEXT["what"][i].format(id=rid)] for i in range(3)]),
    ]
    if snapshot.is_synthetic:
        blocks.append(("", [[text] for text in README_TEXT["synthetic"]]))
    blocks.append(
        (
            "Release / Шығарылым / Выпуск",
            [
                ["release_id", str(rid)],
                ["published_at (UTC)", str(_iso(r.get("published_at")))],
                ["files made at (UTC)", snapshot.read_at.isoformat(timespec="seconds")],
                ["previous release", str(r.get("previous_release") or "—")],
                ["git commit", str(r.get("git_commit") or "—")],
                ["content hash", str(r.get("content_hash") or "")],
                ["synthetic data", "yes / иә / да" if snapshot.is_synthetic else "no / жоқ / нет"],
            ],
        )
    )
    table_rows = [["table", "sheet", "kk", "ru", "en", "rows", "synthetic rows"]]
    for name, table in sorted(snapshot.tables.items()):
        spec = table.spec
        table_rows.append(
            [
                name,
                sheets.get(name, ""),
                spec.label("kk"),
                spec.label("ru"),
                spec.label("en"),
                len(table.rows),
                table.synthetic_rows,
            ]
        )
    blocks.append(("Tables / Кестелер / Таблицы", table_rows))
    passed = sum(1 for x in results if x["success"])
    critical = sum(1 for x in results if not x["success"] and x["severity"] == "critical")
    warnings = sum(1 for x in results if not x["success"] and x["severity"] != "critical")
    check_rows = [
        [
            f"gate run {gate.get('gate_run_id', '—')}: {passed} of {len(results)} checks passed, "
            f"{critical} critical failures, {warnings} warnings"
        ],
        ["dataset", "what it protects", "check", "severity", "result"],
    ]
    for x in results:
        check_rows.append(
            [x["dataset"], x["protects"], x["expectation"], x["severity"], "passed" if x["success"] else "FAILED"]
        )
    blocks.append(("Checks / Тексерулер / Проверки", check_rows))
    blocks.append(("How to read / Қалай оқу керек / Как читать", [[text] for text in README_TEXT["how"]]))
    blocks.append(("Files / Файлдар / Файлы", [[text] for text in README_TEXT["files"]]))
    inputs = [["batch", "source", "file", "synthetic"]]
    for b in r.get("input_batches") or []:
        inputs.append(
            [str(b.get("batch_id")), b.get("source"), b.get("source_file"), "yes" if b.get("is_synthetic") else "no"]
        )
    blocks.append(("Input files / Кіріс файлдар / Входные файлы", inputs))
    change_rows = [[changes_mod.summary_line(changes)]]
    for t in changes.get("tables", []):
        change_rows.append([t["table"], t["status"], f"+{t['added']:,} / ~{t['changed']:,} / -{t['removed']:,}"])
    blocks.append(("Changes / Өзгерістер / Изменения", change_rows))
    return blocks


def readme_markdown(blocks: list[tuple[str, list]]) -> str:
    lines = []
    for i, (heading, rows) in enumerate(blocks):
        if heading:
            lines += [("# " if i == 0 else "## ") + heading, ""]
        wide = [r for r in rows if len(r) > 1]
        for r in rows:
            if len(r) == 1:
                lines += [str(r[0]), ""]
        if wide:
            lines.append("| " + " | ".join(str(c) for c in wide[0]) + " |")
            lines.append("|" + "---|" * len(wide[0]))
            for r in wide[1:]:
                lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
            lines.append("")
    return "\n".join(lines)


# --- the folder ------------------------------------------------------------------------------------


def _write_tables(snapshot: ReleaseSnapshot, folder: Path, changes: dict, dict_rows: list[dict]) -> tuple[dict, str]:
    """CSV, Parquet and the workbook; returns table → files (paths relative to the portal) and the workbook name."""
    workbook_name = f"edu_wh_r{snapshot.release_id:06d}.xlsx"
    taken = {"readme", "dictionary"}
    sheets = {name: exports.sheet_title(name, taken) for name in sorted(snapshot.tables)}
    styles = exports.Styles()
    wb = exports.new_workbook()
    blocks = readme_blocks(snapshot, sheets, changes)
    exports.add_text_sheet(wb, "README", blocks, styles, widths=(40, 60, 40, 40, 40, 12, 14))
    files: dict[str, dict] = {}
    for name in sorted(snapshot.tables):
        table = snapshot.tables[name]
        csv_path = exports.write_csv(table, folder / "csv" / f"{name}.csv")
        pq_path = exports.write_parquet(table, snapshot.release, folder / "parquet" / f"{name}.parquet")
        written = exports.add_table_sheet(wb, table, sheets[name], styles)
        if written["truncated"]:
            log.warning("%s has more rows than a sheet holds; the XLSX sheet is cut, CSV/Parquet are whole", name)
        files[name] = {
            "csv": {"path": f"../csv/{csv_path.name}", "bytes": csv_path.stat().st_size},
            "parquet": {"path": f"../parquet/{pq_path.name}", "bytes": pq_path.stat().st_size},
            "xlsx": {"path": f"../{workbook_name}", "sheet": sheets[name]},
        }
    header = dictionary.FIELDS
    exports.add_grid_sheet(
        wb,
        "dictionary",
        header,
        [[r[k] for k in header] for r in dict_rows],
        styles,
        widths=(18, 22, 6, 28, 28, 28, 14, 10, 10, 10, 12, 60, 18, 40, 8, 30, 30, 8, 10, 10),
    )
    wb.save(folder / workbook_name)
    (folder / "README.md").write_text(readme_markdown(blocks), encoding="utf-8")
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
