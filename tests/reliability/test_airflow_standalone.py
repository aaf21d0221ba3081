"""``make airflow`` (``edu-wh airflow-standalone``): the Airflow UI answers within a minute, lists the
DAGs, binds 127.0.0.1 only, and stops cleanly. Long (~1 GiB, a minute): run by ``make reliability``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.reliability_long

SERVE_WITHIN_SECONDS = 60


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "reliability_long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long test: run with `make reliability` (pytest -m reliability_long)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, token: str | None = None, timeout: float = 5) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
        return response.status, json.loads(response.read())


def _token(base: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/auth/token",
        data=json.dumps({"username": "admin", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())["access_token"]


def test_airflow_standalone_serves_health_within_a_minute_and_stops(warehouse, tmp_path):
    port = _free_port()
    home = tmp_path / "airflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            # the log servers of the worker and triggerer: free ports, not another session's
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        }
    )
    log = open(tmp_path / "standalone.log", "w")  # noqa: SIM115 - closed below
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "airflow-standalone", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        exec_at, health = None, None
        while time.monotonic() - started < 240 and proc.poll() is None:
            text = (tmp_path / "standalone.log").read_text(errors="replace")
            if exec_at is None and "Airflow UI: http://127.0.0.1" in text:
                exec_at = time.monotonic()  # the warehouse, manifest and migration are done
            try:
                status, health = _get(f"{base}/api/v2/monitor/health")
                if status == 200 and health["metadatabase"]["status"] == "healthy":
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(1)
        served = time.monotonic()
        output = (tmp_path / "standalone.log").read_text(errors="replace")
        assert health and health["metadatabase"]["status"] == "healthy", output[-3000:]
        print(f"standalone: ready {exec_at - started:.1f} s, serving health {served - started:.1f} s after start")
        assert served - exec_at <= SERVE_WITHIN_SECONDS, f"{served - exec_at:.0f} s after `airflow standalone` started"
        assert f"Airflow UI: http://127.0.0.1:{port}" in output
        passwords = home / "simple_auth_manager_passwords.json.generated"
        assert str(passwords) in output.replace("\n", "")
        # the UI listens on loopback only
        assert _listening_addresses(port) == {"127.0.0.1"}
        # the admin password in that file opens the API, which lists the project's DAGs once parsed
        password = json.loads(passwords.read_text())["admin"]
        token = _token(base, password)
        dag_ids: set[str] = set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not {"transform_publish", "backfill"} <= dag_ids:
            dag_ids = {d["dag_id"] for d in _get(f"{base}/api/v2/dags?limit=100", token)[1]["dags"]}
            time.sleep(2)
        assert {"transform_publish", "backfill", "ingest_bns"} <= dag_ids
        _, errors = _get(f"{base}/api/v2/importErrors", token)
        assert errors["total_entries"] == 0, errors
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        log.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port``, read from /proc/net/tcp{,6}."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                if len(address) == 8:
                    addresses.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    words = [bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8)]
                    addresses.add(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return addresses
