"""The fake publishers as the demo and a user run them: the context manager and ``edu-wh fake-publishers``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import httpx

from edu_wh.commands.publishers import fake_publishers
from ingest.budget import synth as budget_synth
from ingest.budget.client import REPORT_PATH, REPORT_TYPE
from ingest.egov import synth as egov_synth
from tests.ingest.publisher_world import small_world


def render(tmp_path):
    out = tmp_path / "synth"
    egov_synth.render(small_world(), out)
    budget_synth.render(small_world(), out)
    return out


def test_the_context_manager_serves_both_and_points_the_settings_at_them(tmp_path, monkeypatch):
    from edu_wh.config import settings

    monkeypatch.setenv("EDU_WH_EGOV_BASE_URL", "https://data.egov.kz")
    monkeypatch.delenv("EDU_WH_EGOV_API_KEY", raising=False)
    # Given fixtures rendered from a world, When the fakes run
    with fake_publishers(render(tmp_path), api_key="demo") as fakes:
        cfg = settings()
        egov_url = fakes.egov.url
        # Then the settings point at them while the block runs
        assert cfg.egov_base_url == fakes.egov.url and cfg.egov_api_key == "demo"
        assert cfg.budget_base_url == fakes.budget.url and fakes.budget.url.startswith("http://127.0.0.1:")
        # And they answer in the publishers' shapes
        body = json.dumps({"from": 0, "size": 2})
        egov = httpx.get(
            f"{cfg.egov_base_url}/api/detailed/state_schools/v1", params={"apiKey": "demo", "source": body}
        )
        assert egov.status_code == 200 and len(egov.json()["data"]) == 2 and egov.json()["totalCount"] > 2
        budget = httpx.get(
            cfg.budget_base_url + REPORT_PATH,
            params={"type": REPORT_TYPE, "region": "Алматинская область", "date": "12.2023", "rows": "50", "page": "1"},
        )
        assert budget.json()["records"] == 3 and budget.json()["userdata"]["unit"] == "тыс. тенге"
    # And afterwards the settings are as they were and the ports are closed
    assert settings().egov_base_url == "https://data.egov.kz" and settings().egov_api_key is None
    try:
        httpx.get(egov_url, timeout=1)
        raise AssertionError("the fake data.egov.kz still answers")
    except httpx.TransportError:
        pass


def test_the_command_prints_the_urls_and_stops_on_ctrl_c(tmp_path):
    # Given the command started as a user starts it
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edu_wh", "fake-publishers", "--fixtures", str(render(tmp_path)), "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        # Then it names both fakes and the settings to export
        egov_url = re.search(r"export EDU_WH_EGOV_BASE_URL=(\S+)", text).group(1)
        assert "export EDU_WH_EGOV_API_KEY=k" in text and "EDU_WH_BUDGET_BASE_URL=http://127.0.0.1:" in text
        assert "state_schools/v1" in text and "2023-01 … 2023-12" in text
        # And the fake answers, refusing a request without the key
        assert httpx.get(f"{egov_url}/api/v4/state_schools/v1", params={"source": "{}"}).status_code == 403
    finally:
        # When Ctrl-C arrives, Then it stops cleanly
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out
