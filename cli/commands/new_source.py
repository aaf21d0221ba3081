"""``edu-wh new-source NAME --like SOURCE``: a new flat-file source copied from an existing one.

It copies the pieces of the source named by ``--like`` with its names replaced by ``NAME``:

* the parser, ``ingest/<like>.py`` → ``ingest/<name>.py`` (its ``SOURCE``, class and raw table renamed);
* the staging folder, ``dbt_project/models/staging/<like>/`` → ``…/staging/<name>/`` (the source's
  YAML, the models' YAML with grain and tests, and each ``stg_<like>__*.sql``);
* the raw suite, ``expectations/suites/raw_<like>.py`` → ``raw_<name>.py``;
* the tests, ``tests/ingest/test_<like>.py``: one module per source, testing its parser, its loading,
  staging and DAG, and its raw suite (a source that still keeps its raw-suite tests apart, in
  ``tests/expectations/test_raw_<like>.py``, has that module copied too, with a note to fold it in);

then adds the source to ``SOURCES`` in ``ingest/registry.py`` (its own family, so its own ingest DAG
``ingest_<name>``); where the file is not as expected, it prints the line to add instead. Copied like
``kato`` (one staging model) that is 6 new files: the parser, the staging model and its two YAML files
(dbt keeps a source's YAML apart from its models'), the suite and the tests. A check
text of the copied suite that names the source's own files gets its kk/ru/en entry in
``expectations/catalogue/check_texts.yml`` copied with the same names replaced.

What it replaces is the source's *names*, never its columns: ``ingest.<like>``, ``stg_<like>__``,
``_<like>__``, ``raw_<like>``, ``raw.<like>``, ``source('<like>'``, the string ``"<like>"``, the raw
table's name and the class name (``Kato…`` → ``<Name>…``). A copy parses what its model parses:
edit the parser, the staging SQL and the suite for the new publisher's file, then run
``make test-source SOURCE=<name>``. It refuses an existing name, an unknown ``--like``, a source
whose parser is a package (``ingest/egov/``) and a networked source: a flat-file source is one module.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from cli.console import out
from edu_wh.errors import UserError

app = typer.Typer()

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
REGISTRY = Path("ingest") / "registry.py"
CHECK_TEXTS = Path("expectations") / "catalogue" / "check_texts.yml"


@dataclass
class Scaffold:
    """What ``new-source`` writes: new files (path → text) and the registry and catalogue changes."""

    name: str
    like: str
    files: dict[Path, str] = field(default_factory=dict)
    registry_line: str = ""
    registry_text: str | None = None  # the new ingest/registry.py, None when it must be edited by hand
    check_texts: str = ""  # entries appended to check_texts.yml
    notes: list[str] = field(default_factory=list)  # what it could not copy, to do by hand


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _raw_table(module_text: str, like: str) -> str | None:
    """The raw table's name as the module declares it (``RawTable(name="kato_rows"``)."""
    m = re.search(r"RawTable\(\s*name=\"([a-z0-9_]+)\"", module_text)
    return m[1] if m else None


def renamer(like: str, name: str, raw_table: str | None, family: str | None = None):
    """The function that replaces the names of source ``like`` by those of ``name`` in a file's text."""
    rules: list[tuple[str, str]] = []
    if raw_table:
        new_raw = name + raw_table[len(like) :] if raw_table.startswith(like + "_") else f"{name}_{raw_table}"
        rules.append((rf"\b{re.escape(raw_table)}\b", new_raw))
    rules += [
        (rf"\bingest([./]){like}\b", rf"ingest\g<1>{name}"),
        (rf"\bingest_{family or like}\b", f"ingest_{name}"),  # its ingest DAG: the new source has its own
        (rf"\bstg_{like}__", f"stg_{name}__"),
        (rf"(?<![a-z0-9])_{like}__", f"_{name}__"),
        (rf"(?<![A-Za-z0-9])raw([._]){like}\b", rf"raw\g<1>{name}"),
        (rf"\btest_{like}\b", f"test_{name}"),
        (rf"source\((['\"]){like}\1", rf"source(\g<1>{name}\g<1>"),
        (rf"(['\"]){like}\1", rf"\g<1>{name}\g<1>"),
        (rf"^(\s*-?\s*name: ){like}\s*$", rf"\g<1>{name}"),
        (rf"\b{_camel(like)}(?=[A-Z_])", _camel(name)),
    ]
    compiled = [(re.compile(p, re.M), r) for p, r in rules]

    def rename(text: str) -> str:
        for pattern, replacement in compiled:
            text = pattern.sub(replacement, text)
        return text

    return rename


def _sources(root: Path) -> dict[str, tuple[str, str, bool]]:
    """``SOURCES`` of the registry under ``root``: name → (module, family, networked), read as text
    (the repository being scaffolded may not be the one this code runs from)."""
    tree = ast.parse((root / REGISTRY).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "SOURCES":
            found = {}
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                args = [a.value for a in value.args if isinstance(a, ast.Constant)]
                networked = any(k.arg == "networked" and getattr(k.value, "value", False) for k in value.keywords)
                found[key.value] = (args[0], args[1], networked)
            return found
    raise UserError(f"no SOURCES table in {root / REGISTRY}")


def _with_entry(registry: str, line: str) -> str | None:
    """The registry with ``line`` added as the last entry of ``SOURCES``; None when its shape is unexpected."""
    lines = registry.splitlines(keepends=True)
    try:
        start = next(i for i, text in enumerate(lines) if text.startswith("SOURCES: dict[str, SourceEntry] = {"))
        end = next(i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "}")
    except StopIteration:
        return None
    return "".join(lines[:end] + [line + "\n"] + lines[end:])


def _copied_texts(root: Path, suite_text: str, rename, name: str, like: str) -> str:
    """Catalogue entries for the copied suite's texts that name the source's files (kk/ru/en renamed alike)."""
    import yaml

    catalogue = root / CHECK_TEXTS
    if not catalogue.exists():
        return ""
    entries = yaml.safe_load(catalogue.read_text(encoding="utf-8")) or []
    known = {e["en"] for e in entries}
    flat = " ".join(suite_text.split())
    added = []
    for entry in entries:
        english = entry["en"]
        renamed = {lang: rename(entry.get(lang, "")) for lang in ("en", "kk", "ru")}
        if renamed["en"] == english or renamed["en"] in known or " ".join(english.split()) not in flat:
            continue
        added.append(yaml.safe_dump([renamed], allow_unicode=True, sort_keys=False, width=1000))
        known.add(renamed["en"])
    if not added:
        return ""
    return f"# --- {name} (edu-wh new-source --like {like}) ---\n" + "".join(added)


def _is_flat(root: Path, name: str, module: str, networked: bool) -> bool:
    """A flat-file source: landed files, parsed by one module ``ingest/<name>.py``."""
    return not networked and module == f"ingest.{name}" and (root / "ingest" / f"{name}.py").is_file()


def plan(root: Path, name: str, like: str, what: str | None = None) -> Scaffold:
    """Everything ``new-source`` would write, without writing it; :class:`UserError` when it must refuse."""
    if not NAME.match(name):
        raise UserError(
            f"{name!r} is not a source name", hint="lower case letters, digits and _, starting with a letter"
        )
    sources = _sources(root)
    if name in sources:
        raise UserError(f"source {name!r} exists already (ingest/registry.py)", hint="choose another name")
    if like not in sources:
        raise UserError(f"unknown source {like!r} for --like", hint="one of: " + ", ".join(sorted(sources)))
    module, family, networked = sources[like]
    module_path = root / "ingest" / f"{like}.py"
    if not _is_flat(root, like, module, networked):
        flat = sorted(n for n, (m, _, net) in sources.items() if _is_flat(root, n, m, net))
        raise UserError(
            f"source {like!r} is not a flat-file source in one module ({module}"
            f"{', fetched from an API' if networked else ''}); new-source copies those only",
            hint="--like one of: " + ", ".join(flat) + "; a networked source follows docs/ARCHITECTURE.md",
        )
    module_text = module_path.read_text(encoding="utf-8")
    rename = renamer(like, name, _raw_table(module_text, like), family)
    copies = {module_path: root / "ingest" / f"{name}.py"}
    staging = root / "dbt_project" / "models" / "staging" / like
    for path in sorted(staging.glob("*")) if staging.is_dir() else []:
        copies[path] = root / "dbt_project" / "models" / "staging" / name / rename(path.name)
    notes = []
    if not staging.is_dir():
        notes.append(
            f"{like} has no staging folder of its own (dbt_project/models/staging/{like}/): write "
            f"staging/{name}/_{name}__sources.yml, _{name}__models.yml and stg_{name}__<entity>s.sql by hand"
        )
    for path in (
        root / "expectations" / "suites" / f"raw_{like}.py",
        root / "tests" / "ingest" / f"test_{like}.py",
        root / "tests" / "expectations" / f"test_raw_{like}.py",  # a source whose raw-suite tests are apart
    ):
        if path.exists():
            copies[path] = path.with_name(rename(path.name))
    if (root / "tests" / "expectations" / f"test_raw_{like}.py").exists():
        notes.append(
            f"{like} keeps its raw-suite tests apart (tests/expectations/test_raw_{like}.py): fold "
            f"tests/expectations/test_raw_{name}.py into tests/ingest/test_{name}.py, one test module a "
            "source, as tests/ingest/test_kato.py does"
        )
    scaffold = Scaffold(name, like, notes=notes)
    for source, target in copies.items():
        if target.exists():
            raise UserError(f"{target.relative_to(root)} exists already", hint="remove it or choose another name")
        text = rename(source.read_text(encoding="utf-8"))
        text = re.sub(r'^(\s*family = )"[a-z0-9_]+"', rf'\1"{name}"', text, flags=re.M)  # its own ingest DAG
        scaffold.files[target] = text
    description = what or f"(what {name} delivers: scaffolded from {like})"
    arguments = [f'"ingest.{name}"', f'"{name}"', json.dumps(description, ensure_ascii=False)]
    line = f'    "{name}": SourceEntry({", ".join(arguments)}),'
    if len(line) > 120:  # the house's line length: one argument a line, as ruff format writes it
        line = f'    "{name}": SourceEntry(\n' + "".join(f"        {a},\n" for a in arguments) + "    ),"
    scaffold.registry_line = line
    registry = (root / REGISTRY).read_text(encoding="utf-8")
    scaffold.registry_text = _with_entry(registry, scaffold.registry_line)
    suite = root / "expectations" / "suites" / f"raw_{like}.py"
    if suite.exists():
        scaffold.check_texts = _copied_texts(root, suite.read_text(encoding="utf-8"), rename, name, like)
    return scaffold


def write(root: Path, scaffold: Scaffold) -> list[Path]:
    """Write the scaffold; the paths written or changed, relative to ``root``."""
    written = []
    for path, text in scaffold.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path.relative_to(root))
    if scaffold.registry_text is not None:
        compile(scaffold.registry_text, str(REGISTRY), "exec")  # never leave a registry that does not import
        (root / REGISTRY).write_text(scaffold.registry_text, encoding="utf-8")
        written.append(REGISTRY)
    if scaffold.check_texts:
        with open(root / CHECK_TEXTS, "a", encoding="utf-8") as fh:
            fh.write(scaffold.check_texts)
        written.append(CHECK_TEXTS)
    return written


@app.command("new-source")
def new_source(
    name: Annotated[str, typer.Argument(help="The new source's name (lower case, e.g. school_canteens).")],
    like: Annotated[str, typer.Option("--like", help="The flat-file source to copy (e.g. kato, minfin).")],
    what: Annotated[str | None, typer.Option(help="What the publisher delivers (the DAG's documentation).")] = None,
    repo: Annotated[Path, typer.Option(help="The repository to scaffold in.")] = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be written; write nothing.")] = False,
) -> None:
    """Copy a flat-file source (parser, staging, raw suite, tests) under a new name and register it."""
    root = repo.resolve()
    scaffold = plan(root, name, like, what)
    if dry_run:
        for path in scaffold.files:
            out.print(f"would write {path.relative_to(root)}")
        out.print(f"would add to {REGISTRY}:\n{scaffold.registry_line}")
        for note in scaffold.notes:
            out.print(f"[yellow]note:[/yellow] {note}")
        return
    for path in write(root, scaffold):
        out.print(f"wrote {path}")
    for note in scaffold.notes:
        out.print(f"[yellow]note:[/yellow] {note}")
    if scaffold.registry_text is None:
        out.print(f"[yellow]add this entry to SOURCES in {REGISTRY} by hand:[/yellow]\n{scaffold.registry_line}")
    out.print(
        f"next: adapt ingest/{name}.py, dbt_project/models/staging/{name}/ and expectations/suites/raw_{name}.py "
        f"to the publisher's file, then `make test-source SOURCE={name}`"
    )
