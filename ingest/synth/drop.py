"""A landing drop: the synthetic world rendered into every publisher's format.

``write_drop(out_dir, scale, seed)`` builds the world once and calls each renderer of
:data:`RENDERERS` (imported lazily; a renderer whose module does not exist yet is skipped with a
note). File sources write into ``out_dir/<source>/``, so the drop can serve directly as a landing
directory; API sources write their publisher's fixtures into ``out_dir/_publisher_api/<source>/``
(the fake servers serve them). ``out_dir/SYNTHETIC_DROP.json`` is the marker the loader looks for
(every batch loaded from below it is flagged ``is_synthetic``): scale, seed, generator version and
every file with its SHA-256, size and row count. It carries no timestamp, so the same arguments
give byte-identical drops.

Renderer contract: ``render(world, out_dir: Path) -> list[Path]``; a module may also define
``count_rows(path) -> int | None`` for the marker (otherwise CSV lines, JSON list lengths and
worksheet rows below the header are counted).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edu_wh.hashes import file_sha256 as _sha256
from ingest.loader import SYNTHETIC_MARKER

#: source → "module:function" rendering that source's files from the world
RENDERERS: dict[str, str] = {
    "nedb": "ingest.nedb:render",
    "comfortable_school": "ingest.comfortable_school:render",
    "egov": "ingest.egov.synth:render",
    "budget": "ingest.budget.synth:render",
}
BENCH_DIR = "_bench"


@dataclass
class DropResult:
    out_dir: Path
    scale: int
    seed: int
    files: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # the seed figures as the world states them

    @property
    def marker(self) -> Path:
        return self.out_dir / SYNTHETIC_MARKER


def load_renderer(spec: str) -> Callable | None:
    """The render function, or None when its module is not written yet (any other import error
    is a bug and propagates)."""
    module_name, _, function = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise
    return getattr(module, function, None)


def count_rows(path: Path, module=None) -> int | None:
    counter = getattr(module, "count_rows", None)
    if counter is not None:
        return counter(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        return max(lines - 1, 0)
    if suffix == ".json":
        data = json.loads(path.read_bytes())
        if isinstance(data, list):
            return len(data)
        if isinstance(data, dict):
            for key in ("rows", "data", "records", "items"):
                if isinstance(data.get(key), list):
                    return len(data[key])
        return None
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return sum(max(ws.max_row - 1, 0) for ws in wb.worksheets)
        finally:
            wb.close()
    return None


def _remove_previous(out_dir: Path) -> None:
    """Delete the files a previous drop in this folder listed (and nothing else)."""
    marker = out_dir / SYNTHETIC_MARKER
    if not marker.exists():
        return
    try:
        previous = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return
    for entry in previous.get("files", []):
        path = (out_dir / entry.get("path", "")).resolve()
        if out_dir.resolve() in path.parents and path.is_file():
            path.unlink()


def write_marker(result: DropResult, generator_version: str, *, complete: bool) -> None:
    content = {
        "generator": "edu-wh synth",
        "generator_version": generator_version,
        "scale": result.scale,
        "seed": result.seed,
        "complete": complete,
        "files": result.files,
        "skipped": result.skipped,
        "notes": result.notes,
    }
    result.marker.write_text(json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_drop(
    out_dir: Path,
    scale: int = 1,
    seed: int = 2023,
    *,
    sources: list[str] | None = None,
    nedb_rows: int | None = None,
    on_step: Callable[[str, str], None] | None = None,
) -> DropResult:
    """Build the world and render every source into ``out_dir``; returns what was written.

    ``on_step(stage, detail)`` is called as work progresses (``edu-wh synth`` shows it).
    ``nedb_rows`` also writes a large NEDB extract of that many rows for benchmarks into
    ``out_dir/_bench/`` (outside the source folders, so a drop used as landing does not load it).
    """
    from ingest.synth.world import GENERATOR_VERSION, build_world, invariant_figures

    step = on_step or (lambda stage, detail: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(sources or []) - set(RENDERERS))
    if unknown:
        raise ValueError(f"no renderer for {', '.join(unknown)}; known: {', '.join(RENDERERS)}")
    _remove_previous(out_dir)
    result = DropResult(out_dir, scale, seed)
    # the marker first: anything loaded from here while the drop is written is already synthetic
    write_marker(result, GENERATOR_VERSION, complete=False)
    step("world", f"building the world (scale {scale}, seed {seed})")
    world = build_world(scale, seed)
    result.notes.extend(world.notes)
    result.figures = invariant_figures(world)
    written: list[tuple[str, Path, object]] = []
    for source, spec in RENDERERS.items():
        if sources and source not in sources:
            continue
        render = load_renderer(spec)
        if render is None:
            reason = f"renderer {spec} is not available yet"
            result.skipped.append({"source": source, "reason": reason})
            step("skip", f"{source}: {reason}")
            continue
        step("render", source)
        module = importlib.import_module(spec.partition(":")[0])
        for path in render(world, out_dir):
            written.append((source, Path(path), module))
    if nedb_rows:
        from ingest.nedb import write_bulk_file

        step("render", f"nedb bulk file, {nedb_rows:,} rows")
        path = out_dir / BENCH_DIR / f"nedb_bulk_2023-24_{nedb_rows}rows.csv"
        written.append(("nedb_bulk", write_bulk_file(path, nedb_rows, seed=seed), None))
    step("marker", "hashing files")
    for source, path, module in sorted(written, key=lambda item: item[1].as_posix()):
        result.files.append(
            {
                "source": source,
                "path": path.resolve().relative_to(out_dir.resolve()).as_posix(),
                "sha256": _sha256(path),
                "bytes": path.stat().st_size,
                "rows": count_rows(path, module),
            }
        )
    write_marker(result, GENERATOR_VERSION, complete=True)
    return result
