"""Every word of the release a person reads about a column exists in Kazakh, Russian and English:
labels and definitions of every published column, the meaning of every coded value, one name per
measure; and every file of a release has no column without a definition in any language."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from publication import codes
from publication.contract import LANGUAGES, published_models
from publication.readme import CONTENTS_SHEET, DICTIONARY_SHEET, TECHNICAL_SHEET
from tests.publication.release_scenario import two_releases

CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


@pytest.fixture(scope="module")
def contract(dbt_manifest):
    manifest = json.loads(Path(dbt_manifest).read_text(encoding="utf-8"))
    return manifest, published_models(manifest)


def test_every_published_column_has_labels_and_a_definition_in_three_languages(contract):
    _, specs = contract
    missing = []
    for table in specs.values():
        if not (table.description and table.description_kk and table.description_ru):
            missing.append(f"{table.name}: description")
        for col in table.columns:
            for lang in LANGUAGES:
                if not getattr(col, f"label_{lang}") or not col.definition(lang):
                    missing.append(f"{table.name}.{col.name} ({lang})")
            if not col.documented:
                missing.append(f"{table.name}.{col.name}: documented is false")
    assert missing == []
    # a Kazakh or Russian definition is not the English one copied
    for table in specs.values():
        for col in table.columns:
            for lang in ("kk", "ru"):
                assert CYRILLIC.search(col.definition(lang)), (
                    f"{table.name}.{col.name} ({lang}): {col.definition(lang)}"
                )


def test_claims_status_is_defined_as_a_verdict_not_as_a_construction_status(contract):
    _, specs = contract
    status = specs["claims"].column("status")
    assert "confirmed" in status.description and "under_construction" not in status.description
    assert codes.label("claims", "status", "differs", "ru") == "расходится"
    assert codes.label("comfortable_school_projects", "status", "under_construction", "kk") == "салынып жатыр"


def _accepted_values(manifest: dict, uid: str, column: str, tests: dict) -> set[str]:
    """The values accepted for ``column`` by the nearest models (the published one first, then what it is
    built from, breadth first) that test them; staging is left out: it holds codes as delivered."""
    nodes, found, seen, queue = manifest["nodes"], set(), set(), [uid]
    while queue:
        current = queue.pop(0)
        if current in seen or current not in nodes or (nodes[current].get("fqn") or ["", ""])[1] == "staging":
            continue
        seen.add(current)
        if (current, column) in tests:
            found |= tests[(current, column)]  # the nearest test wins: its parents may use the name otherwise
            continue
        queue.extend((nodes[current].get("depends_on") or {}).get("nodes") or [])
    return found


def test_every_accepted_value_of_a_published_column_has_a_label_in_three_languages(contract):
    # Given: the values dbt accepts for a text column of a published table (its own accepted_values test,
    # else the nearest model it is built from that tests the column); Then: each has a kk / ru / en label
    # in dbt_project/seeds/code_labels.csv
    manifest, specs = contract
    tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node.get("resource_type") == "test" and meta.get("name") == "accepted_values":
            for parent in node["depends_on"]["nodes"]:
                tests[(parent, node.get("column_name"))] |= {str(v) for v in meta["kwargs"].get("values") or []}
    unlabelled, checked = [], 0
    for table in specs.values():
        for column in table.columns:
            if column.kind != "text":
                continue
            for value in _accepted_values(manifest, table.unique_id, column.name, tests):
                checked += 1
                entry = codes.labels_for(table.name, column.name).get(value)
                if not entry or not all(entry.get(lang) for lang in LANGUAGES):
                    unlabelled.append(f"{table.name}.{column.name} = {value}")
    assert checked > 20 and sorted(unlabelled) == []


def test_one_name_per_measure_across_published_tables(contract):
    # the same label means the same measure and must carry the same column name ...
    _, specs = contract
    names_by_label = defaultdict(set)
    for table in specs.values():
        for col in table.columns:
            names_by_label[(col.label_en.lower(), col.unit)].add(col.name)
    assert {label: names for label, names in names_by_label.items() if len(names) > 1} == {}
    # ... and no measure is called X in one table and X_<unit> in another (design_capacity_places)
    names = {col.name for table in specs.values() for col in table.columns}
    suffixes = ("_places", "_count", "_number", "_total", "_pupils", "_schools", "_persons", "_value")
    pairs = sorted(n for n in names for s in suffixes if n.endswith(s) and n[: -len(s)] in names)
    assert pairs == []


# --- the files of a release -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(template_db, dbt_manifest, tmp_path_factory):
    with two_releases(template_db, tmp_path_factory.mktemp("definitions")) as s:
        yield s


def _sheet_top(ws) -> tuple[list[list], list[str]]:
    """The three label rows (kk, ru, en) and the header of identifiers (row 4) of a sheet with columns."""
    rows = [[c for c in row] for row in ws.iter_rows(min_row=1, max_row=4, values_only=True)]
    header = [c for c in rows[3] if c is not None]
    return [r[: len(header)] for r in rows[:3]], header


def test_every_release_file_has_no_column_without_a_definition_in_any_language(scenario):
    folder = scenario.folder(scenario.second)
    with open(folder / "data_dictionary.csv", encoding="utf-8-sig", newline="") as fh:
        dictionary = {(r["table"], r["column"]): r for r in csv.DictReader(fh)}
    defined = {
        key
        for key, r in dictionary.items()
        if r["definition"] and r["definition_kk"] and r["definition_ru"] and r["documented"] == "true"
        and r["label_kk"] and r["label_ru"] and r["label_en"]
    }  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    workbook = openpyxl.load_workbook(folder / f"edu_wh_r{scenario.second:06d}.xlsx", read_only=True)
    sheets = set(workbook.sheetnames)
    seen = set()
    for entry in manifest["tables"]:
        table = entry["name"]
        for rel in (entry["csv"], entry["csv_excel"]):
            with open(folder / rel, encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh, delimiter=";" if "excel" in rel else ","))
            seen |= {(table, c, rel) for c in header}
        parquet = pq.read_schema(folder / entry["parquet"])
        seen |= {(table, c, entry["parquet"]) for c in parquet.names}
        for field in parquet:
            meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
            assert all(meta.get(k) for k in ("description", "label_kk", "label_ru", "label_en")), (table, field.name)
        ws = workbook[entry["xlsx_sheet"]]
        labels, header = _sheet_top(ws)
        seen |= {(table, c, entry["xlsx_sheet"]) for c in header}
        assert all(all(row) and len(row) == len(header) for row in labels), (table, labels)  # kk, ru, en over each
        sheets.discard(entry["xlsx_sheet"])
    undefined = sorted(f"{file}: {table}.{column}" for table, column, file in seen if (table, column) not in defined)
    assert seen and undefined == []
    # the dictionary's own columns (CSV header, the workbook's dictionary sheet, JSON, Markdown) are defined too
    as_json = json.loads((folder / "data_dictionary.json").read_text(encoding="utf-8"))
    fields = {
        f["field"]: f
        for f in as_json["fields"]
        if all(f[k] for k in ("label_kk", "label_ru", "label_en", "definition", "definition_kk", "definition_ru"))
        and CYRILLIC.search(f["definition_kk"]) and CYRILLIC.search(f["definition_ru"])
    }  # fmt: skip
    with open(folder / "data_dictionary.csv", encoding="utf-8-sig", newline="") as fh:
        csv_header = next(csv.reader(fh))
    labels, header = _sheet_top(workbook[DICTIONARY_SHEET])
    sheets.discard(DICTIONARY_SHEET)
    assert csv_header == header and [c for c in header if c not in fields] == []
    assert [row for row in labels if not all(row)] == [] and labels[1][1] == "Столбец"
    markdown = (folder / "data_dictionary.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` | {f['label_kk']} |" in markdown for name, f in fields.items())
    # what is left of the workbook is text, not columns: the contents sheet and the technical README
    assert sheets == {CONTENTS_SHEET, TECHNICAL_SHEET}
    for table in as_json["tables"]:
        assert table["description"] and table["description_kk"] and table["description_ru"], table["table"]
        for col in table["columns"]:
            assert col["definition"] and col["definition_kk"] and col["definition_ru"], (table["table"], col["column"])


def test_the_code_labels_seed_has_six_fields_on_every_row():
    # a comma inside an unquoted label ("0,0") would shift the row and fail `dbt seed`
    with open(codes.seed_path(), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["table_name", "column_name", "code", "label_kk", "label_ru", "label_en"]
    assert [i for i, r in enumerate(rows, start=1) if len(r) != 6] == []
    assert codes.label("", "value_status", "negligible", "ru") == "пренебрежимо мало («0,0»)"
