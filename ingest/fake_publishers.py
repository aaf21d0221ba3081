"""The fake data.egov.kz and open-budget portal, for the demo, tests and manual runs.

Both serve the fixtures the synthetic renderers wrote (``ingest/egov/synth.py``,
``ingest/budget/synth.py``; :func:`render_fixtures` writes both) on 127.0.0.1.
:func:`fake_publishers` runs them as a context manager that also points this process's settings
at them (for ``make demo`` and tests that run the ingest DAGs)::

    with fake_publishers(render_fixtures(out_dir)) as fakes:
        fetch_source("egov")   # talks to fakes.egov

``edu-wh fake-publishers`` (cli/commands/publishers.py) is the command-line front end.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
