"""Candidate claims from new press articles: the CSV a reviewer edits, and the accepted rows made
registry rows.

The warehouse proposes the candidates (``intermediate.int_claim_candidates_proposed``: every body
quantity no registry claim carries, classified by the keyword rules of
``seeds/press_claim_rules.csv``). ``edu-wh claims candidates`` writes them here as CSV with an empty
``accept`` column; the reviewer writes ``yes`` in the rows that are claims, corrects any field
(indicator, territory, period, a shorter quote) or completes an ``unclassified`` row, and runs
``edu-wh claims accept FILE``: the accepted rows are checked and appended to
``seeds/press_claims_registry.csv``. Nothing is written when any accepted row is wrong; the error
names the file, the row and the reason. The next build no longer proposes them (their numbers are
then carried by a registry claim).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from edu_wh.errors import UserError
from ingest.press import REGISTRY_COLUMNS, REGISTRY_FILE
from ingest.reference import SEEDS_DIR

CANDIDATE_COLUMNS = (
    "accept",
    "claim_id",
    "candidate_id",
    "status",
    "reason",
    "source_document",
    "document_sha256",
    "language",
    "quote",
    "phrase",
    "value",
    "unit",
    "qualifier",
    "kato_code",
    "indicator_code",
    "period",
    "period_kind",
    "note",
)
ACCEPTED = {"yes", "y", "true", "1", "x", "да", "иә", "ия"}
KATO = re.compile(r"^\d{9}$")
REF = re.compile(r"ref\(['\"](\w+)['\"]\)")
#: what a reviewer is told beside a value the seeds do not know
HINTS = {"source_document": "add its title, publisher, date and sha256 to seeds/press_documents.csv first"}


def proposed_claim_id(document_file: str, char_start: int | str) -> str:
    """``press-<the file name up to its first '_'>-at<offset>``: registry ids stay readable and unique."""
    stem = Path(document_file).stem.split("_", 1)[0]
    return f"press-{stem}-at{char_start}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def candidate_rows(records: Iterable[dict]) -> list[dict[str, str]]:
    """Warehouse rows (int_claim_candidates_proposed) → CSV rows, every value as text."""
    rows = []
    for r in records:
        note = "; ".join(
            part
            for part in (
                f"indicator by rule {r['indicator_rule_id']}" if r.get("indicator_rule_id") else "",
                f"territory {r['territory_basis']}" if r.get("territory_basis") else "",
                f"period: {r['period_basis']}" if r.get("period_basis") else "",
            )
            if part
        )
        row = {c: _text(r.get(c)) for c in CANDIDATE_COLUMNS}
        row.update(accept="", claim_id=proposed_claim_id(r["source_document"], r["char_start"]), note=note)
        rows.append(row)
    return rows


def write_candidates(rows: list[dict[str, str]], path: Path) -> Path:
    """The review CSV: UTF-8 with a BOM (Excel opens it), one row per candidate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CANDIDATE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_candidates(path: Path) -> list[dict[str, str]]:
    """The review CSV as the reviewer left it (``;`` or ``,`` separated, with or without a BOM)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the candidates file ({exc})", hint="save it as UTF-8 CSV") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in ("accept", *REGISTRY_COLUMNS) if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError(
            f"{path}, row 1: the candidates file lacks the column(s) {', '.join(missing)}",
            hint="start from the file `edu-wh claims candidates` wrote",
        )
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def _column(path: Path, column: str) -> set[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def registry_domains(registry: str = "press_claims_registry") -> dict[str, tuple[set[str], str]]:
    """column → (the values it may take, where they come from), read from the registry seed's own dbt
    tests in ``seeds/_seeds.yml`` (``accepted_values`` and ``relationships`` to another seed): a row
    accepted here passes those tests in the next build, and the rule is written once, in the YAML."""
    import yaml

    spec = yaml.safe_load((SEEDS_DIR / "_seeds.yml").read_text(encoding="utf-8"))
    seed = next(s for s in spec["seeds"] if s["name"] == registry)
    domains = {}
    for column in seed.get("columns", []):
        for test in column.get("data_tests") or []:
            if not isinstance(test, dict):
                continue
            kind, body = next(iter(test.items()))
            args = (body or {}).get("arguments", body) or {}
            if kind == "accepted_values":
                domains[column["name"]] = ({str(v) for v in args["values"]}, "the accepted values of seeds/_seeds.yml")
            elif kind == "relationships" and (ref := REF.search(str(args.get("to", "")))):
                domains[column["name"]] = (_column(SEEDS_DIR / f"{ref[1]}.csv", args["field"]), f"seeds/{ref[1]}.csv")
    return domains


def check_accepted(rows: list[dict[str, str]], path: Path, registry: Path) -> list[dict[str, str]]:
    """The accepted rows as registry rows; every problem of every accepted row, or a UserError."""
    existing = _column(registry, "claim_id")
    domains = registry_domains()
    accepted, problems, seen = [], [], set()
    for number, row in enumerate(rows, start=2):
        if row.get("accept", "").lower() not in ACCEPTED:
            continue
        why = []
        for column in REGISTRY_COLUMNS:
            if column != "note" and not row.get(column):
                why.append(f"{column} is empty")
        try:
            Decimal(row.get("value") or "x")
        except InvalidOperation:
            why.append(f"value {row.get('value')!r} is not a number")
        if row.get("kato_code") and not KATO.match(row["kato_code"]):
            why.append(f"kato_code {row['kato_code']!r} is not a 9-digit KATO code")
        for column, (allowed, where) in domains.items():
            if row.get(column) and row[column] not in allowed:
                hint = f" ({HINTS[column]})" if column in HINTS else ""
                why.append(f"{column} {row[column]!r} is not in {where}{hint}")
        claim_id = row.get("claim_id", "")
        if claim_id in existing:
            why.append(f"claim_id {claim_id} is already in the registry")
        elif claim_id in seen:
            why.append(f"claim_id {claim_id} is accepted twice in this file")
        seen.add(claim_id)
        if why:
            problems.append(f"row {number} ({claim_id or 'no claim_id'}): " + "; ".join(why))
        else:
            accepted.append({c: row.get(c, "") for c in REGISTRY_COLUMNS})
    if problems:
        raise UserError(
            f"{path}: {len(problems)} accepted row(s) cannot become registry rows, nothing was written: "
            + " | ".join(problems),
            hint="correct those rows (or clear their `accept`) and run `edu-wh claims accept` again",
        )
    return accepted


def accept_candidates(path: Path, registry: Path | None = None) -> list[dict[str, str]]:
    """Append the accepted rows of the review CSV to the claims registry (all or nothing)."""
    registry = registry or SEEDS_DIR / REGISTRY_FILE
    accepted = check_accepted(read_candidates(path), path, registry)
    if not accepted:
        return []
    with open(registry, encoding="utf-8", newline="") as fh:
        text = fh.read()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
    writer.writerows(accepted)
    with open(registry, "a", encoding="utf-8", newline="") as fh:
        fh.write(("" if text.endswith("\n") else "\n") + buffer.getvalue())
    return accepted
