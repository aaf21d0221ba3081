"""A checkout nested deep still runs the embedded warehouse (PostgreSQL caps a socket path at 107 bytes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.conftest import REPO, TEST_HOME


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_embedded_server_starts_and_serves_from_a_home_200_characters_deep():
    # Given an EDU_WH_HOME whose path alone is longer than PostgreSQL's socket-path limit
    home = TEST_HOME / "deep" / "/".join(["nested-folder-of-a-user"] * 9)
    assert len(str(home)) > 200
    port = _free_port()
    env = {**os.environ, "EDU_WH_HOME": str(home), "EDU_WH_PG_PORT": str(port)}
    env.pop("EDU_WH_DATABASE_URL", None)
    code = (
        "from edu_wh.config import settings\n"
        "from edu_wh.warehouse import start_embedded\n"
        "cfg = settings(); start_embedded(cfg); print(cfg.socket_dir)\n"
    )
    try:
        # When the CLI's start-up path starts the server there
        started = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert started.returncode == 0, started.stderr
        socket_dir = Path(started.stdout.strip().splitlines()[-1])
        # Then it answers on 127.0.0.1, and its socket lives in a short folder outside the checkout
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=10) as conn:
            shown = conn.execute("show unix_socket_directories").fetchone()[0]
        assert Path(shown) == socket_dir
        assert len(str(socket_dir / ".s.PGSQL.65535")) <= 107
        assert not str(socket_dir).startswith(str(REPO))
        assert (home / "pgdata" / "PG_VERSION").exists()
    finally:
        subprocess.run(
            [sys.executable, "-c", "from edu_wh.warehouse import stop_embedded; stop_embedded()"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
