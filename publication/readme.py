"""What a reader sees first: the release README (Markdown) and the workbook's contents sheet.

Both open with what the release is and how to read its files in Kazakh, Russian and English, then
list the tables with their titles in the three languages (in the workbook: a link to each sheet);
the long technical lists (release identifiers, every check, every input file) come last.

Sheet names are the tables' titles, numbered in the order of the contents (``01 Мектептер саны``):
a sheet name holds at most 31 characters, so it carries the Kazakh title and the contents sheet
gives all three.
"""

from __future__ import annotations

import datetime as dt

from expectations import check_texts
from publication import changes as changes_mod
from publication import exports
from publication.snapshot import ReleaseSnapshot

CONTENTS_SHEET = "Мазмұны · Содержание · Contents"[:31]
TECHNICAL_SHEET = "README"
DICTIONARY_SHEET = "dictionary"

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
        "ұяшық — мән жоқ. Ақша сомалары — теңгемен. Күндер ЖЖЖЖ-АА-КК түрінде. «=», «+», «-», «@» белгілерінен "
        "басталатын мәтін формула емес, мәтін ретінде сақталған. Қызғылт сары түспен белгіленген жолдар — "
        "синтетикалық деректер. Әр бағанның анықтамасы «dictionary» парағында.",
        "На каждом листе таблицы: строки 1–3 — названия столбцов на казахском, русском и английском (в скобках — "
        "единица измерения); строка 4 — имя столбца (как в CSV, Parquet и SQL); данные начинаются со строки 5. "
        "Пустая ячейка — значения нет. Денежные суммы — в тенге. Даты в виде ГГГГ-ММ-ДД. Текст, начинающийся с "
        "«=», «+», «-», «@», сохранён как текст, а не формула. Строки, выделенные оранжевым, — синтетические "
        "данные. Определение каждого столбца — на листе «dictionary».",
        "On each table sheet: rows 1–3 are the column labels in Kazakh, Russian and English (unit in brackets); "
        "row 4 is the column name (as in the CSV, Parquet and SQL); data start in row 5. An empty cell means no "
        "value. Money is in tenge. Dates are YYYY-MM-DD. Text beginning with =, +, -, @ is stored as text, never "
        "as a formula. Rows shaded orange are synthetic data. Every column is defined on the “dictionary” sheet.",
    ),
    "synthetic": (
        "НАЗАР АУДАРЫҢЫЗ: бұл шығарылымда синтетикалық (жасанды) деректер бар, олар нақты статистика емес.",
        "ВНИМАНИЕ: в этом выпуске есть синтетические (сгенерированные) данные, это не реальная статистика.",
        "ATTENTION: this release contains synthetic (generated) data; it is not real statistics.",
    ),
    "files": (
        "Сол деректер файлдарда: csv_excel/ — орыс немесе қазақ тіліндегі Excel-де екі рет басып ашуға арналған "
        "(нүктелі үтір, ондық үтір, кодтар мәтін ретінде); csv/ — бағдарламаларға арналған стандартты CSV (үтір, "
        "ондық нүкте, UTF-8); parquet/; деректер сөздігі data_dictionary.*; өзгерістер CHANGES.md; портал "
        "portal/index.html; файлдардың SHA-256 сомалары manifest.json ішінде.",
        "Те же данные в файлах: csv_excel/ — для открытия двойным щелчком в Excel с русскими или казахскими "
        "настройками (точка с запятой, десятичная запятая, коды как текст); csv/ — стандартный CSV для программ "
        "(запятая, десятичная точка, UTF-8); parquet/; словарь данных data_dictionary.*; изменения CHANGES.md; "
        "портал portal/index.html; суммы SHA-256 всех файлов в manifest.json.",
        "The same data as files: csv_excel/ opens by double-click in an Excel set to Russian or Kazakh "
        "(semicolons, decimal comma, codes as text); csv/ is the standard CSV for programs (comma, decimal "
        "point, UTF-8); parquet/; the data dictionary data_dictionary.*; changes in CHANGES.md; the portal "
        "portal/index.html; SHA-256 sums of every file in manifest.json.",
    ),
    "technical": (
        "Техникалық мәліметтер (шығарылым, тексерулер, кіріс файлдар) — «README» парағында, соңында.",
        "Технические сведения (выпуск, проверки, входные файлы) — на листе «README», в конце.",
        "Technical details (release, checks, input files) are on the “README” sheet, at the end.",
    ),
}

HEADINGS = {
    "how": "Қалай оқу керек / Как читать / How to read",
    "files": "Файлдар / Файлы / Files",
    "tables": "Кестелер / Таблицы / Tables",
    "release": "Шығарылым / Выпуск / Release",
    "changes": "Өзгерістер / Изменения / Changes",
    "checks": "Тексерулер / Проверки / Checks",
    "inputs": "Кіріс файлдар / Входные файлы / Input files",
}


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def sheet_names(snapshot: ReleaseSnapshot) -> dict[str, str]:
    """Published table → its sheet: ``NN <Kazakh title>`` (the model meta's ``label_kk_short`` if the
    title is longer than a sheet name may be), unique, at most 31 characters."""
    taken = {CONTENTS_SHEET.lower(), TECHNICAL_SHEET.lower(), DICTIONARY_SHEET.lower()}
    names = {}
    for n, name in enumerate(sorted(snapshot.tables), start=1):
        spec = snapshot.tables[name].spec
        title = spec.label("kk") if len(spec.label("kk")) <= 28 else spec.meta.get("label_kk_short") or spec.label("kk")
        names[name] = exports.sheet_title(f"{n:02d} {_short(str(title), 28)}", taken)
    return names


def opening_blocks(snapshot: ReleaseSnapshot) -> list[tuple[str, list]]:
    rid = snapshot.release_id
    blocks: list[tuple[str, list]] = [
        (
            f"edu-wh: {rid}-шығарылым / выпуск {rid} / release {rid}",
            [[README_TEXT["what"][i].format(id=rid)] for i in range(3)],
        ),
    ]
    if snapshot.is_synthetic:
        blocks.append(("", [[text] for text in README_TEXT["synthetic"]]))
    blocks.append((HEADINGS["how"], [[text] for text in README_TEXT["how"]]))
    blocks.append((HEADINGS["files"], [[text] for text in README_TEXT["files"]]))
    return blocks


def table_rows(snapshot: ReleaseSnapshot, sheets: dict[str, str]) -> list[list]:
    rows = [["парақ / лист / sheet", "қазақша", "русский", "English", "жол / строк / rows", "table"]]
    for name, table in sorted(snapshot.tables.items()):
        spec = table.spec
        rows.append([sheets.get(name, ""), spec.label("kk"), spec.label("ru"), spec.label("en"), len(table.rows), name])
    return rows


def technical_blocks(snapshot: ReleaseSnapshot, changes: dict) -> list[tuple[str, list]]:
    r, rid, gate, results = snapshot.release, snapshot.release_id, snapshot.gate_run, snapshot.gate_results
    blocks: list[tuple[str, list]] = [
        (
            HEADINGS["release"],
            [
                ["release_id", str(rid)],
                ["published_at (UTC)", str(_iso(r.get("published_at")))],
                ["files made at (UTC)", snapshot.read_at.isoformat(timespec="seconds")],
                ["previous release", str(r.get("previous_release") or "—")],
                ["git commit", str(r.get("git_commit") or "—")],
                ["content hash", str(r.get("content_hash") or "")],
                ["synthetic data", "иә / да / yes" if snapshot.is_synthetic else "жоқ / нет / no"],
            ],
        )
    ]
    change_rows = [[changes_mod.summary_line(changes)]]
    for t in changes.get("tables", []):
        change_rows.append([t["table"], t["status"], f"+{t['added']:,} / ~{t['changed']:,} / -{t['removed']:,}"])
    blocks.append((HEADINGS["changes"], change_rows))
    passed = sum(1 for x in results if x["success"])
    critical = sum(1 for x in results if not x["success"] and x["severity"] == "critical")
    warnings = sum(1 for x in results if not x["success"] and x["severity"] != "critical")
    check_rows = [
        [
            f"gate run {gate.get('gate_run_id', '—')}: {passed} of {len(results)} checks passed, "
            f"{critical} critical failures, {warnings} warnings"
        ],
        ["dataset", "нені қорғайды", "что защищает", "what it protects", "check", "severity", "result"],
    ]
    for x in results:
        said = check_texts.texts(x["protects"])
        check_rows.append(
            [x["dataset"], said["kk"], said["ru"], said["en"], x["expectation"], x["severity"],
             "өтті / пройдена / passed" if x["success"] else "ӨТПЕДІ / НЕ ПРОЙДЕНА / FAILED"]
        )  # fmt: skip
    blocks.append((HEADINGS["checks"], check_rows))
    inputs = [["batch", "source", "file", "synthetic"]]
    for b in r.get("input_batches") or []:
        inputs.append(
            [str(b.get("batch_id")), b.get("source"), b.get("source_file"), "yes" if b.get("is_synthetic") else "no"]
        )
    blocks.append((HEADINGS["inputs"], inputs))
    return blocks


def readme_markdown(snapshot: ReleaseSnapshot, sheets: dict[str, str], changes: dict) -> str:
    """README.md: what the release is and how to read it, the tables, then the technical lists."""
    blocks = [
        *opening_blocks(snapshot),
        (HEADINGS["tables"], table_rows(snapshot, sheets)),
        *technical_blocks(snapshot, changes),
    ]
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


def add_contents_sheet(wb, snapshot: ReleaseSnapshot, sheets: dict[str, str], styles: exports.Styles):
    """The first sheet: what the release is, how to read it (kk/ru/en), a link to every sheet."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = exports.add_text_sheet(wb, CONTENTS_SHEET, opening_blocks(snapshot), styles, widths=(34, 40, 40, 40, 12, 24))
    heading = exports._text_cell(ws, HEADINGS["tables"])
    heading.font = styles.title_font
    ws.append([heading])
    targets = [(sheets[name], name) for name in sorted(snapshot.tables)]
    targets += [(DICTIONARY_SHEET, None), (TECHNICAL_SHEET, None)]
    header, *rows = table_rows(snapshot, sheets)
    rows += [
        [DICTIONARY_SHEET, "Деректер сөздігі", "Словарь данных", "Data dictionary", None, ""],
        [TECHNICAL_SHEET, "Шығарылым мен тексерулер", "Выпуск и проверки", "Release and checks", None, ""],
    ]
    cells = []
    for text in header:
        cell = exports._text_cell(ws, text)
        cell.font, cell.fill = styles.header_font, styles.header_fill
        cells.append(cell)
    ws.append(cells)
    for (sheet, _), row in zip(targets, rows, strict=True):
        link = exports._text_cell(ws, sheet)
        link.hyperlink = Hyperlink(ref="", location=f"'{sheet}'!A1", display=sheet)
        link.font = styles.link_font
        ws.append([link, *(exports._data_cell(ws, v, "#,##0" if isinstance(v, int) else None) for v in row[1:])])
    ws.append([])
    ws.append([exports._text_cell(ws, text) for text in README_TEXT["technical"]])
    return ws
