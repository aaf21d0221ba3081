"""The server stack (docker-compose.yml, docker/): structure, secrets, versions, init scripts.

There is no Docker engine on these machines: the compose file is parsed and checked here, and
validated by ``docker-compose config -q`` (Debian's docker-compose) when that binary exists. The
init scripts run for real: the warehouse's against the embedded PostgreSQL (psql), Metabase's
against a stand-in Metabase API on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
import yaml

from edu_wh.config import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
COMPOSE_TEXT = COMPOSE_FILE.read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
ENV_EXAMPLE = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
DOCKERFILE = (REPO_ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
SERVICES = COMPOSE["services"]

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
#: jobs that run once and exit; everything else runs and must say when it is healthy
JOBS = {"airflow-init", "warehouse-init", "metabase-setup"}
#: ${NAME…} references resolved by compose (``$${NAME}`` is left to the container's shell)
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"(PASSWORD|PASS|SECRET|TOKEN|KEY)$")


def _references() -> list[tuple[str, str | None, str]]:
    return [(m[1], m[2], m[3]) for m in REFERENCE.finditer(COMPOSE_TEXT)]


def _example_names(*, uncommented: bool = False) -> set[str]:
    pattern = r"^([A-Z][A-Z0-9_]*)=" if uncommented else r"^#?\s*([A-Z][A-Z0-9_]*)="
    return {m.group(1) for m in re.finditer(pattern, ENV_EXAMPLE, re.M)}


def test_the_file_says_what_it_is_for():
    header = COMPOSE_TEXT.split("\n\n", 1)[0]
    assert header.startswith("# edu-wh") and "server" in header
    assert "Airflow" in COMPOSE_TEXT[:1500] and "Metabase" in COMPOSE_TEXT[:1500]


def test_the_full_stack_is_there():
    assert AIRFLOW_SERVICES | JOBS | {"warehouse", "airflow-db", "redis", "metabase"} <= set(SERVICES)
    assert "x-airflow-common" in COMPOSE
    common = COMPOSE["x-airflow-common"]
    for name in AIRFLOW_SERVICES | {"warehouse-init"}:
        service = SERVICES[name]
        assert service["image"] == common["image"] and service["build"] == common["build"], name
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
    commands = {name: " ".join(SERVICES[name]["command"]) for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "airflow api-server"
    assert commands["airflow-scheduler"] == "airflow scheduler"
    assert commands["airflow-dag-processor"] == "airflow dag-processor"
    assert commands["airflow-triggerer"] == "airflow triggerer"
    assert commands["airflow-worker"] == "airflow celery worker"
    assert SERVICES["warehouse-init"]["command"] == ["edu-wh", "up"]
    env = common["environment"]
    assert (
        env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
    )
    assert "@airflow-db:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@warehouse:5432/" in env["EDU_WH_DATABASE_URL"]
    assert env["DO_NOT_TRACK"] == "1" and env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"


def test_every_service_has_a_healthcheck_and_waits_for_what_it_needs():
    for name, service in SERVICES.items():
        if name in JOBS:
            assert service.get("restart") == "no", f"{name} is a one-off job"
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for needed, rule in (service.get("depends_on") or {}).items():
            assert isinstance(rule, dict), f"{name} depends on {needed} without a condition"
            if needed in JOBS:
                assert rule["condition"] == "service_completed_successfully", (name, needed)
            else:
                assert rule["condition"] == "service_healthy", (name, needed)
                assert SERVICES[needed].get("healthcheck"), (name, needed)
    # Airflow starts after its database is migrated and the warehouse bootstrapped
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        needs = SERVICES[name]["depends_on"]
        assert {"airflow-init", "warehouse-init", "airflow-db", "redis", "warehouse"} <= set(needs), name
    assert SERVICES["metabase-setup"]["depends_on"] == {"metabase": {"condition": "service_healthy"}}


def test_the_warehouse_runs_the_same_postgres_major_as_the_embedded_server(pg_server):
    from tests.conftest import admin_url

    with psycopg.connect(admin_url()) as conn:
        embedded_major = int(conn.execute("show server_version_num").fetchone()[0]) // 10000
    image = SERVICES["warehouse"]["image"]
    default_tag = re.fullmatch(r"postgres:\$\{WAREHOUSE_POSTGRES_TAG:-([^}]+)\}", image)
    assert default_tag, image
    assert int(re.match(r"\d+", default_tag.group(1)).group()) == embedded_major == 16
    assert re.search(r"^# WAREHOUSE_POSTGRES_TAG=16\b", ENV_EXAMPLE, re.M)


def test_no_literal_secrets_only_references_to_env():
    for name, kind, default in _references():
        assert kind in {":-", ":?"}, f"${{{name}}} needs a default (:-) or a required marker (:?)"
        if SECRET_NAME.search(name):
            assert kind == ":?" or default == "", f"secret {name} must not have a default ({default!r})"
    # no password written into a URL, and no value of a secret-looking key that is not a reference
    assert not re.search(r"://[^/\s:@]+:(?!\$\{)[^@\s]+@", COMPOSE_TEXT)
    for match in re.finditer(r"^\s+([A-Z_]+):\s*(.+)$", COMPOSE_TEXT, re.M):
        key, value = match.group(1), match.group(2).strip().strip('"')
        if SECRET_NAME.search(key):
            assert value.startswith("${") and value.endswith("}"), f"{key} has a literal value"
    for secret in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert COMPOSE["x-airflow-common"]["environment"][secret].startswith("${")


def test_every_variable_is_in_env_example_and_the_required_ones_are_placeholders():
    names = {name for name, _, _ in _references()}
    missing = names - _example_names()
    assert not missing, f"not in .env.example: {sorted(missing)}"
    required = {name for name, kind, _ in _references() if kind == ":?"}
    assert required and required <= _example_names(uncommented=True)
    for name in required:
        assert re.search(rf"^{name}=CHANGE_ME$", ENV_EXAMPLE, re.M), f"{name} must be a CHANGE_ME placeholder"


def test_ports_bind_to_loopback_by_default():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert port.startswith("${STACK_BIND_ADDRESS:-127.0.0.1}:"), (name, port)


def test_the_image_installs_from_the_lock_and_builds_the_manifest():
    assert "uv sync --frozen --no-dev" in DOCKERFILE
    assert "COPY --chown=50000:0 pyproject.toml uv.lock" in DOCKERFILE
    assert "edu-wh manifest" in DOCKERFILE and "manifest.json" in DOCKERFILE
    for setting in (
        "DO_NOT_TRACK=1",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY=False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS=false",
        "UV_PYTHON_DOWNLOADS=never",
    ):
        assert setting in DOCKERFILE, setting
    assert "python:3.11" in DOCKERFILE  # the interpreter the lock was made for
    # the manifest built into the image must not sit in a volume, which would keep an older one
    target = re.search(r"EDU_WH_DBT_TARGET_PATH=(\S+)", DOCKERFILE).group(1)
    mounted = {v.split(":")[1] for s in SERVICES.values() for v in s.get("volumes", []) if v.count(":") >= 1}
    assert not any(target == m or target.startswith(m.rstrip("/") + "/") for m in mounted), (target, mounted)
    for source in re.findall(r"^COPY (?:--chown=\S+ )?(.+) \S+$", DOCKERFILE, re.M):
        for path in source.split():
            assert (REPO_ROOT / path).exists(), f"the Dockerfile copies {path}, which does not exist"
    ignored = (REPO_ROOT / "docker" / "Dockerfile.dockerignore").read_text().split()
    assert {".env", ".local", ".venv", ".git"} <= set(ignored)


def _compose_binary() -> str | None:
    return shutil.which("docker-compose")


def _compose_config(env_file, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_compose_binary(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "EDU_WH", "COMPOSE"))},
    )


@pytest.mark.skipif(
    _compose_binary() is None, reason="no docker-compose binary (apt-get install docker-compose) to validate with"
)
def test_docker_compose_validates_the_file_with_the_example_env(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(ENV_EXAMPLE)
    result = _compose_config(env_file, tmp_path)
    assert result.returncode == 0, result.stderr
    # and a required secret left out is refused by name
    env_file.write_text(re.sub(r"^WAREHOUSE_DB_PASSWORD=.*$", "", ENV_EXAMPLE, flags=re.M))
    refused = _compose_config(env_file, tmp_path)
    assert refused.returncode != 0 and "set WAREHOUSE_DB_PASSWORD in .env" in refused.stderr


def test_docker_env_fills_every_placeholder_with_a_fresh_secret(tmp_path):
    from cryptography.fernet import Fernet

    from cli.commands.airflow import docker_env_text

    first, second = docker_env_text(ENV_EXAMPLE), docker_env_text(ENV_EXAMPLE)
    assert "CHANGE_ME\n" not in first and first != second
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.+)$", first, re.M))
    Fernet(values["AIRFLOW_FERNET_KEY"].encode())  # a valid key
    secrets = [values[name] for name in values if SECRET_NAME.search(name)]
    assert len(secrets) == len(set(secrets)) and all(len(s) >= 32 for s in secrets)
    # the commented documentation lines are kept as they were
    assert [line for line in first.splitlines() if line.startswith("#")] == [
        line for line in ENV_EXAMPLE.splitlines() if line.startswith("#")
    ]
    if _compose_binary():
        env_file = tmp_path / ".env"
        env_file.write_text(first)
        assert _compose_config(env_file, tmp_path).returncode == 0


# --- the init scripts, run for real ------------------------------------------------------------------


def _run_init_script(script, database: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(script)],
        env={
            "PATH": os.environ["PATH"],
            "PGHOST": "127.0.0.1",
            "PGPORT": os.environ["EDU_WH_PG_PORT"],
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": database,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is needed to run the init script")
def test_the_bi_login_is_a_read_only_member_of_edu_wh_analyst(warehouse, db):
    from edu_wh.bootstrap import bootstrap
    from ingest.registry import all_sources

    script = REPO_ROOT / "docker" / "warehouse-init" / "10-bi-reader.sh"
    database = warehouse.rsplit("/", 1)[1]
    env = {"BI_READER_USER": "edu_wh_bi", "BI_READER_PASSWORD": "pw with 'quotes' and \\ backslash"}
    # runs at the warehouse's first start; running it again changes nothing
    for _ in range(2):
        result = _run_init_script(script, database, env)
        assert result.returncode == 0, result.stderr
    with psycopg.connect(warehouse) as conn:
        bootstrap(conn, all_sources())  # `edu-wh up` (warehouse-init) after it
        conn.commit()
    role = db.execute(
        "select rolcanlogin, rolsuper, rolpassword like 'SCRAM-SHA-256$%%', "
        "pg_has_role('edu_wh_bi', 'edu_wh_analyst', 'member'), "
        "pg_has_role('edu_wh_bi', 'edu_wh_transformer', 'member') from pg_authid where rolname = 'edu_wh_bi'"
    ).fetchone()
    assert role == (True, False, True, True, False)
    db.execute("create table published.example (n int)")
    db.execute("grant select on published.example to edu_wh_analyst")
    bi_url = warehouse.replace("postgres@", "edu_wh_bi@")
    with psycopg.connect(bi_url, autocommit=True) as bi:
        assert bi.execute("select count(*) from published.example").fetchone() == (0,)
        assert bi.execute("select count(*) from meta.releases").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select count(*) from raw.quarantine")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            bi.execute("create temporary table scratch (n int)")


class _FakeMetabase:
    """A stand-in for Metabase's setup API (the two endpoints the setup script calls)."""

    def __init__(self, token: str | None):
        self.setups: list[dict] = []
        setups = self.setups

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = json.dumps({"setup-token": token, "version": {"tag": "v0.50.0"}}).encode()
                self.send_response(200 if self.path == "/api/session/properties" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                data = self.rfile.read(int(self.headers["Content-Length"]))
                setups.append({"path": self.path, "body": json.loads(data)})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"id": "session"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is needed to run the Metabase setup script")
def test_metabase_setup_connects_with_the_read_only_bi_login():
    script = REPO_ROOT / "docker" / "metabase-setup.sh"
    env = {
        "PATH": os.environ["PATH"],
        "METABASE_ADMIN_EMAIL": "admin@edu.example.kz",
        "METABASE_ADMIN_PASSWORD": 'adm"in\\pw',
        "WAREHOUSE_DB_NAME": "edu_wh",
        "BI_READER_USER": "edu_wh_bi",
        "BI_READER_PASSWORD": 'bi"pw\\1',
    }
    fresh = _FakeMetabase(token="0b7c-setup-token")
    try:
        result = subprocess.run(
            ["sh", str(script)], env={**env, "METABASE_URL": fresh.url}, capture_output=True, text=True, timeout=30
        )
    finally:
        fresh.close()
    assert result.returncode == 0, result.stderr
    (setup,) = fresh.setups
    assert setup["path"] == "/api/setup" and setup["body"]["token"] == "0b7c-setup-token"
    assert setup["body"]["user"]["password"] == 'adm"in\\pw'
    details = setup["body"]["database"]["details"]
    assert setup["body"]["database"]["engine"] == "postgres"
    assert (details["host"], details["port"], details["dbname"]) == ("warehouse", 5432, "edu_wh")
    assert (details["user"], details["password"]) == ("edu_wh_bi", 'bi"pw\\1')
    assert details["schema-filters-patterns"] == "published,marts,reference"
    assert setup["body"]["prefs"]["allow_tracking"] is False

    done = _FakeMetabase(token=None)
    try:
        again = subprocess.run(
            ["sh", str(script)], env={**env, "METABASE_URL": done.url}, capture_output=True, text=True, timeout=30
        )
    finally:
        done.close()
    assert again.returncode == 0 and "already set up" in again.stdout and done.setups == []
