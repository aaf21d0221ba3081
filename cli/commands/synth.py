"""``edu-wh synth``: write a synthetic landing drop (the generator's world in every publisher's format)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, out

app = typer.Typer()


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the drop into (usable as a landing folder).")],
    scale: Annotated[int, typer.Option(min=1, help="N× the schools of scale 1, same regional totals.")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed; the same scale and seed give identical bytes.")] = 2023,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Render only these sources (repeatable).")
    ] = None,
    nedb_rows: Annotated[
        int | None,
        typer.Option(min=1, help="Also write an NEDB extract of N rows for benchmarks, into OUT/_bench/."),
    ] = None,
) -> None:
    """Generate a deterministic synthetic drop: files per source plus SYNTHETIC_DROP.json."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from edu_wh.errors import UserError
    from ingest.synth.drop import RENDERERS, write_drop

    unknown = sorted(set(source or []) - set(RENDERERS))
    if unknown:
        raise UserError(f"unknown source(s) {', '.join(unknown)}", hint="renderers: " + ", ".join(RENDERERS))
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True
    ) as progress:
        task = progress.add_task("starting")

        def step(stage: str, detail: str) -> None:
            if stage == "skip":
                err.print(f"[yellow]skipped[/yellow] {detail}")
            progress.update(task, description=detail if stage != "render" else f"rendering {detail}")

        result = write_drop(out_dir, scale, seed, sources=source, nedb_rows=nedb_rows, on_step=step)
    by_source: dict[str, list[dict]] = {}
    for entry in result.files:
        by_source.setdefault(entry["source"], []).append(entry)
    for name, entries in by_source.items():
        rows = sum(e["rows"] or 0 for e in entries)
        size = sum(e["bytes"] for e in entries)
        out.print(f"  {name:<20} {len(entries):>4} file(s) {rows:>12,} rows {size / 1e6:>9.1f} MB")
    for note in result.notes:
        out.print(f"  {note}")
    if not source or "nedb" in source:
        figures = result.figures
        out.print(
            "  oblast 2023/24: {:,} free-meal pupils, {:,} tenge, {} buses leased; budget FG 04 plan 2023 {} "
            "thousand tenge; Comfortable School {} projects / {:,} places".format(
                figures["oblast_2023_free_meal_pupils"],
                figures["oblast_2023_meal_cost_kzt"],
                figures["oblast_2023_buses_leased"],
                figures["oblast_budget_plan_2023_kzt_thousands"],
                figures["oblast_projects"],
                figures["oblast_project_places"],
            )
        )
    out.print(f"drop written to {result.out_dir} (marker {result.marker.name})")
