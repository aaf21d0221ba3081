"""The fake publishers as the demo and a user run them: the context manager and ``edu-wh fake-publishers``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import httpx

from ingest.budget import synth as budget_synth
from ingest.budget.client import REPORT_PATH, REPORT_TYPE
from ingest.egov import synth as egov_synth
from ingest.fake_publishers import fake_publishers
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
    # Given the command started as a script starts it in the background: a shell without job control
    # passes SIGINT on as ignored (the command must install its own handler; it once ran until killed)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "fake-publishers", "--fixtures", str(render(tmp_path)), "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509 - no threads started yet
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
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack on stderr
            _, err = proc.communicate(timeout=30)
            raise AssertionError(f"still running 60 s after Ctrl-C; its threads:\n{err[-4000:]}") from None
    assert proc.returncode == 0, err
    assert "stopped" in out


def test_the_synthetic_world_flows_from_both_fakes_into_staging(warehouse, db, tmp_path):
    import pytest

    from edu_wh.dbt_runner import dbt_command
    from ingest.fake_publishers import render_fixtures
    from orchestration.tasks import fetch_source, load_landing

    # Given the generator's world at scale 1 rendered into the fakes' fixtures
    try:
        fixtures = render_fixtures(tmp_path / "world")
    except NotImplementedError:
        pytest.skip("ingest.synth.world.build_world is not implemented yet")
    with fake_publishers(fixtures):
        # When both sources are fetched and loaded the way the ingest DAGs do it
        for source in ("egov", "budget"):
            assert fetch_source(source)
            summary = load_landing(source)
            assert summary.loaded and not summary.rejected
    db.execute(f'grant temporary on database "{db.info.dbname}" to edu_wh_transformer')
    dbt_command(
        ["build", "-s", "+stg_egov__schools", "+stg_egov__kindergartens", "+stg_budget__execution"]
        + ["--indirect-selection", "cautious", "--vars", "{edu_wh_unit_tests: true}"]
    )
    # Then every school and kindergarten of the registers is in staging once, with its territory
    fixture = json.loads((fixtures / "_publisher_api" / "egov" / "state_schools__v1.json").read_text())
    schools = db.execute(
        "select count(*), count(kato_code), count(distinct record_id) from staging.stg_egov__schools "
        "where source_dataset = 'state_schools'"
    ).fetchone()
    assert schools == (len({r["id"] for r in fixture["records"]}),) * 3
    assert db.execute("select count(*) from staging.stg_egov__kindergartens where kato_code is null").fetchone()[0] == 0
    # And the budget reproduces the seed figures: 394 bn tenge for education in Almaty oblast in 2023
    # (+78 bn on 2022), of which 2,172 mn tenge executed for the safe transport of pupils
    plans = dict(
        db.execute(
            "select year, sum(plan_kzt) from staging.stg_budget__execution "
            "where kato_code = '190000000' and month = 12 and is_education group by year"
        ).fetchall()
    )
    assert plans[2023] == 394_000_000_000 and plans[2023] - plans[2022] == 78_000_000_000
    transport = db.execute(
        "select executed_kzt from staging.stg_budget__execution where kato_code = '190000000' and year = 2023 "
        "and month = 12 and program_name ilike '%подвоз%'"
    ).fetchone()[0]
    assert transport == 2_172_000_000
