"""``edu-wh fake-publishers``: the fake data.egov.kz and open-budget portal, for the demo and manual runs.

Both serve the fixtures the synthetic renderers wrote (``ingest/egov/synth.py``,
``ingest/budget/synth.py``; :func:`render_fixtures` writes both) on 127.0.0.1. In code,
:func:`fake_publishers` is the same as a context manager that also points this process's settings
at them (for ``make demo`` and tests that run the ingest DAGs)::

    with fake_publishers(render_fixtures(out_dir)) as fakes:
        fetch_source("egov")   # talks to fakes.egov
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from edu_wh.cli import app, out
from edu_wh.errors import UserError


@dataclass
class FakePublishers:
    egov: object
    budget: object
    api_key: str

    def env(self) -> dict[str, str]:
        """The settings that point edu-wh at these fakes."""
        return {
            "EDU_WH_EGOV_BASE_URL": self.egov.url,
            "EDU_WH_EGOV_API_KEY": self.api_key,
            "EDU_WH_BUDGET_BASE_URL": self.budget.url,
        }


def render_fixtures(out_dir: Path, *, scale: int = 1, seed: int = 2023) -> Path:
    """Render the synthetic world's publisher fixtures (``out_dir/_publisher_api/{egov,budget}``)."""
    from ingest.budget import synth as budget_synth
    from ingest.egov import synth as egov_synth
    from ingest.synth.world import build_world

    world = build_world(scale, seed)
    egov_synth.render(world, out_dir)
    budget_synth.render(world, out_dir)
    return Path(out_dir)


@contextlib.contextmanager
def fake_publishers(
    fixtures: Path,
    *,
    api_key: str | None = None,
    egov_port: int = 0,
    budget_port: int = 0,
    set_env: bool = True,
) -> Iterator[FakePublishers]:
    """Run both fakes on 127.0.0.1 while the block runs; with ``set_env``, this process's
    ``EDU_WH_EGOV_BASE_URL``, ``EDU_WH_EGOV_API_KEY`` and ``EDU_WH_BUDGET_BASE_URL`` point at them
    (restored afterwards)."""
    from ingest.budget.fake import FakeBudget
    from ingest.egov.fake import DEFAULT_API_KEY, FakeEgov

    fixtures = Path(fixtures)
    if not fixtures.is_dir():
        raise UserError(f"{fixtures}: no such folder", hint="render fixtures first (edu-wh synth --out DIR)")
    key = api_key or DEFAULT_API_KEY
    egov = FakeEgov(fixtures, api_key=key).start(egov_port)
    try:
        budget = FakeBudget(fixtures).start(budget_port)
    except BaseException:
        egov.stop()
        raise
    fakes = FakePublishers(egov, budget, key)
    saved = {name: os.environ.get(name) for name in fakes.env()}
    try:
        if set_env:
            os.environ.update(fakes.env())
        yield fakes
    finally:
        if set_env:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        budget.stop()
        egov.stop()


@app.command("fake-publishers")
def fake_publishers_command(
    fixtures: Annotated[
        Path, typer.Option("--fixtures", help="Folder the synthetic renderers wrote (holding _publisher_api/).")
    ],
    api_key: Annotated[str | None, typer.Option(help="API key the fake data.egov.kz accepts.")] = None,
    egov_port: Annotated[int, typer.Option(help="Port of the fake data.egov.kz (0: any free port).")] = 0,
    budget_port: Annotated[int, typer.Option(help="Port of the fake open-budget portal (0: any free port).")] = 0,
) -> None:
    """Serve the fake data.egov.kz and open-budget portal on 127.0.0.1 until Ctrl-C."""
    with fake_publishers(
        fixtures, api_key=api_key, egov_port=egov_port, budget_port=budget_port, set_env=False
    ) as fakes:
        datasets = ", ".join(f"{d}/{v}" for d, v in fakes.egov.datasets()) or "none"
        periods = fakes.budget.periods()
        out.print(f"fake data.egov.kz      {fakes.egov.url}  (datasets: {datasets})")
        out.print(
            f"fake budget.egov.kz    {fakes.budget.url}  (reports {periods[0]} … {periods[-1]})"
            if periods
            else f"fake budget.egov.kz    {fakes.budget.url}  (no reports)"
        )
        out.print("point edu-wh at them with:")
        for name, value in fakes.env().items():
            out.print(f"  export {name}={value}")
        out.print("Ctrl-C to stop")
        # Stop on Ctrl-C and on `kill`, even when started from a script in the background: a shell
        # without job control starts background commands with SIGINT ignored, and Python keeps an
        # inherited SIG_IGN (the command would then run until SIGKILL).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            out.print("stopped")
