"""The warehouse connection, and the embedded PostgreSQL 16 server used when no URL is given.

The embedded server runs the PostgreSQL binaries shipped by the ``pgserver`` wheel from a data
directory inside the repository (``.local/pgdata``), listening on 127.0.0.1 and a unix socket in
a short private folder under the system temp dir only (``Settings.socket_dir``). It is started if not running, reused if running, and keeps running
between commands until ``edu-wh down`` (``make down``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from edu_wh.config import EMBEDDED_DATABASE, EMBEDDED_SUPERUSER, Settings, settings
from edu_wh.errors import UserError

PG_SYSTEM_USER = "pgserver"  # OS user that owns the data directory when we run as root

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "'256MB'",
    "work_mem": "'32MB'",
    "maintenance_work_mem": "'256MB'",
    "max_wal_size": "'2GB'",
    "checkpoint_timeout": "'15min'",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "timezone": "'UTC'",
    "lc_messages": "'C'",
}


def _quiet_pgserver_import() -> None:
    # pgserver computes a per-user runtime directory at import time and warns if unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(settings().home / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    Path(os.environ["XDG_RUNTIME_DIR"]).chmod(0o700)


def _bin_dir() -> Path:
    _quiet_pgserver_import()
    import pgserver._commands as cmds  # imported lazily: the wheel is ~60 MB of binaries

    return cmds.POSTGRES_BIN_PATH


def _run_as_owner(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    user = PG_SYSTEM_USER if os.geteuid() == 0 else None
    return subprocess.run(args, check=True, capture_output=True, text=True, user=user, **kwargs)


def _prepare_permissions(cfg: Settings) -> None:
    """As root, PostgreSQL must run as an unprivileged user that can traverse to its files."""
    if os.geteuid() != 0:
        return
    _quiet_pgserver_import()
    import stat

    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(PG_SYSTEM_USER)
    import pwd

    entry = pwd.getpwnam(PG_SYSTEM_USER)
    bin_dir = _bin_dir()
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    for path in (cfg.pgdata, cfg.socket_dir):
        path.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(path)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    cfg.pgdata.chmod(0o700)
    cfg.socket_dir.chmod(0o700)


@contextlib.contextmanager
def _server_lock(cfg: Settings) -> Iterator[None]:
    cfg.home.mkdir(parents=True, exist_ok=True)
    with open(cfg.home / ".pgserver.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _postmaster_pid(cfg: Settings) -> int | None:
    pid_file = cfg.pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError, PermissionError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def embedded_status(cfg: Settings | None = None) -> dict:
    cfg = cfg or settings()
    pid = _postmaster_pid(cfg)
    return {
        "pgdata": str(cfg.pgdata),
        "initialised": (cfg.pgdata / "PG_VERSION").exists(),
        "running": pid is not None,
        "pid": pid,
        "port": cfg.pg_port,
        "url": cfg.url,
    }


def _initdb(cfg: Settings) -> None:
    bin_dir = _bin_dir()
    _prepare_permissions(cfg)
    _run_as_owner(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(cfg.pgdata),
            "-U",
            EMBEDDED_SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]
    )
    conf = cfg.pgdata / "postgresql.conf"
    lines = [f"{key} = {value}" for key, value in SERVER_SETTINGS.items()]
    with open(conf, "a", encoding="utf-8") as fh:
        fh.write("\n# edu-wh embedded warehouse\n" + "\n".join(lines) + "\n")


def _log_tail(cfg: Settings, lines: int = 15) -> str:
    """The last lines of the embedded server's log, for an error message."""
    with contextlib.suppress(OSError):
        return "\n".join((cfg.pgdata / "server.log").read_text(errors="replace").splitlines()[-lines:])
    return ""


def start_embedded(cfg: Settings | None = None) -> bool:
    """Start the embedded server if it is not running. Returns True if it was started now."""
    cfg = cfg or settings()
    with _server_lock(cfg):
        if _postmaster_pid(cfg) is not None:
            return False
        if not (cfg.pgdata / "PG_VERSION").exists():
            if cfg.pgdata.exists() and any(cfg.pgdata.iterdir()):
                raise UserError(
                    f"{cfg.pgdata} exists but is not a PostgreSQL data directory",
                    hint="remove it (make clean) or point EDU_WH_HOME elsewhere",
                )
            _initdb(cfg)
        if _port_in_use(cfg.pg_port):
            raise UserError(
                f"port {cfg.pg_port} on 127.0.0.1 is already used by another program",
                hint="set EDU_WH_PG_PORT to a free port, or stop the other server",
            )
        _prepare_permissions(cfg)
        # A crash can leave a stale pid file behind; pg_ctl refuses to start over it.
        (cfg.pgdata / "postmaster.pid").unlink(missing_ok=True)
        log = cfg.pgdata / "server.log"
        try:
            _run_as_owner(
                [
                    str(_bin_dir() / "pg_ctl"),
                    "-D",
                    str(cfg.pgdata),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-h 127.0.0.1 -p {cfg.pg_port} -k {cfg.socket_dir}",
                    "start",
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise UserError(
                f"the embedded PostgreSQL did not start: {exc.stderr.strip() or exc}\n{_log_tail(cfg)}",
                hint=f"see {log}",
            ) from exc
        _ensure_database(cfg)
        return True


def _ensure_database(cfg: Settings) -> None:
    admin_url = f"postgresql://{EMBEDDED_SUPERUSER}@127.0.0.1:{cfg.pg_port}/postgres"
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,)).fetchone()
                if not exists:
                    conn.execute(f'create database "{EMBEDDED_DATABASE}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop_embedded(cfg: Settings | None = None) -> bool:
    cfg = cfg or settings()
    with _server_lock(cfg):
        if _postmaster_pid(cfg) is None:
            return False
        try:
            _run_as_owner([str(_bin_dir() / "pg_ctl"), "-D", str(cfg.pgdata), "-m", "fast", "-w", "-t", "120", "stop"])
        except subprocess.CalledProcessError as exc:
            raise UserError(
                f"the embedded PostgreSQL did not stop: {exc.stderr.strip() or exc}\n{_log_tail(cfg)}",
                hint=f"see {cfg.pgdata / 'server.log'}",
            ) from exc
        return True


def remove_embedded(cfg: Settings | None = None) -> None:
    cfg = cfg or settings()
    stop_embedded(cfg)
    shutil.rmtree(cfg.pgdata, ignore_errors=True)
    shutil.rmtree(cfg.socket_dir, ignore_errors=True)


def ensure_warehouse(cfg: Settings | None = None) -> Settings:
    """Make the configured warehouse reachable: start the embedded one if needed."""
    cfg = cfg or settings()
    if cfg.embedded:
        if _postmaster_pid(cfg) is None:
            start_embedded(cfg)
    return cfg


def connect(
    role: str | None = None,
    *,
    autocommit: bool = False,
    cfg: Settings | None = None,
    application_name: str = "edu-wh",
    start: bool = True,
) -> psycopg.Connection:
    """Open a connection to the warehouse, under ``role`` when role switching is on.

    ``role`` is one of the warehouse roles (``loader``, ``transformer``, ``analyst``,
    ``ministry_reader``) or None for the URL's own user (used by bootstrap and admin commands).
    """
    cfg = cfg or settings()
    if start:
        ensure_warehouse(cfg)
    try:
        conn = psycopg.connect(cfg.url, autocommit=autocommit, connect_timeout=10, application_name=application_name)
    except psycopg.OperationalError as exc:
        raise UserError(
            f"cannot connect to the warehouse at {cfg.redacted_url()}: {str(exc).strip().splitlines()[0]}",
            hint="check EDU_WH_DATABASE_URL, or unset it to use the embedded server",
        ) from exc
    if role and cfg.use_roles:
        set_role(conn, role)
    return conn


def set_role(conn: psycopg.Connection, role: str) -> None:
    from edu_wh.bootstrap import ROLE_NAMES

    if role not in ROLE_NAMES:
        raise ValueError(f"unknown warehouse role {role!r}")
    was_autocommit = conn.autocommit
    conn.autocommit = True
    try:
        conn.execute(f"set role {ROLE_NAMES[role]}")
    finally:
        conn.autocommit = was_autocommit
