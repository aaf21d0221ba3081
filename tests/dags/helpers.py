"""Helpers shared by the orchestration tests (DAGs, notifications, concurrency)."""

from __future__ import annotations


def load_samples() -> dict[str, list[str]]:
    """Stage every real sample file in landing and load it directly (what the ingest DAGs would do),
    so a transform sees the same inputs as the demo; returns source → files loaded."""
    from cli.samples import SAMPLE_FILES, stage_samples
    from orchestration.tasks import load_landing

    stage_samples()
    loaded = {}
    for source in dict.fromkeys(name for name, _ in SAMPLE_FILES):
        summary = load_landing(source)
        assert not summary.rejected, summary.rejected
        loaded[source] = [f["file"] for f in summary.loaded] + summary.already_loaded
    return loaded
