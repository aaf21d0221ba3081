"""``edu-wh fake-publishers``: serve the fake data.egov.kz and open-budget portal (ingest/fake_publishers.py)
on 127.0.0.1 until Ctrl-C, for manual runs against the synthetic world's fixtures."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.console import out
from ingest.fake_publishers import fake_publishers

app = typer.Typer()


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
