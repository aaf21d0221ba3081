"""Settings of one warehouse installation, read from the environment.

Every component (loader, dbt profile, GX, DAGs, CLI) resolves the warehouse through
:func:`settings`, so ``EDU_WH_DATABASE_URL`` switches all of them at once. Reading the
environment is cheap and side-effect free, so this module is safe to import at DAG parse time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"

#: Every environment variable the project reads, its default and what it does.
#: The README's configuration table is generated from (and tested against) this list.
ENV_VARS: list[tuple[str, str, str]] = [
    (
        "EDU_WH_DATABASE_URL",
        "(unset: embedded)",
        "PostgreSQL URL of an external warehouse, e.g. `postgresql://user:pw@host:5432/edu_wh`. Unset: the embedded PostgreSQL 16 in `EDU_WH_HOME/pgdata` is started and used.",
    ),
    (
        "EDU_WH_HOME",
        "`.local/`",
        "Working directory for the embedded server, landing files, Airflow home, reports and releases.",
    ),
    ("EDU_WH_PG_PORT", "`54329`", "TCP port of the embedded server; it listens on 127.0.0.1 only."),
    ("EDU_WH_LANDING_DIR", "`$EDU_WH_HOME/landing`", "Where publishers' files land, one folder per source."),
    (
        "EDU_WH_RELEASES_DIR",
        "`$EDU_WH_HOME/releases`",
        "Where each release's exports, dictionary and portal are written.",
    ),
    ("EDU_WH_KEEP_RELEASES", "`5`", "How many previous releases stay in the warehouse for `edu-wh rollback`."),
    (
        "EDU_WH_USE_ROLES",
        "`1`",
        "`1`: each component works under its least-privilege role (`SET ROLE`). `0`: connect as the URL's user only.",
    ),
    ("EDU_WH_EGOV_BASE_URL", "`https://data.egov.kz`", "Base URL of the data.egov.kz open-data API."),
    (
        "EDU_WH_EGOV_API_KEY",
        "(unset)",
        "data.egov.kz API key; alternatively the Airflow connection `egov_open_data` (password field).",
    ),
    ("EDU_WH_BUDGET_BASE_URL", "`https://budget.egov.kz`", "Base URL of the open budgets portal."),
    ("EDU_WH_HTTP_TIMEOUT", "`30`", "Seconds before any HTTP request to a publisher times out."),
    (
        "EDU_WH_ALERT_WEBHOOK_URL",
        "(unset)",
        "If set, failure notifications (with the gate report) are POSTed here as JSON.",
    ),
    (
        "EDU_WH_ALERT_SMTP_HOST",
        "(unset)",
        "If set with `EDU_WH_ALERT_EMAIL_TO`, failure notifications are also e-mailed.",
    ),
    ("EDU_WH_ALERT_SMTP_PORT", "`25`", "Port of the SMTP server."),
    (
        "EDU_WH_ALERT_SMTP_USER",
        "(unset)",
        "If set, the e-mail is sent after STARTTLS and a login with this user and `EDU_WH_ALERT_SMTP_PASSWORD`.",
    ),
    ("EDU_WH_ALERT_SMTP_PASSWORD", "(unset)", "Password of `EDU_WH_ALERT_SMTP_USER`."),
    ("EDU_WH_ALERT_EMAIL_FROM", "`edu-wh@localhost`", "Sender of failure e-mails."),
    ("EDU_WH_ALERT_EMAIL_TO", "(unset)", "Comma-separated recipients of failure e-mails."),
    ("EDU_WH_MAX_FILE_MB", "`512`", "Files larger than this are rejected before parsing."),
    (
        "EDU_WH_DBT_TARGET_PATH",
        "`$EDU_WH_HOME/dbt/target`",
        "dbt's target directory; the DAGs are rendered from the manifest.json in it.",
    ),
    (
        "EDU_WH_PIPELINE_LOCK_TTL_SECONDS",
        "`10800`",
        "Age after which the pipeline lease of a silent run counts as abandoned and may be taken over.",
    ),
    (
        "EDU_WH_LANDING_SCAN_SCHEDULE",
        "`*/30 * * * *`",
        "Cron schedule of the ingest DAGs that pick up landed files (the API sources keep their own).",
    ),
    ("EDU_WH_DEBUG", "(unset)", "If set, `edu-wh` prints the traceback instead of a one-line error and hint."),
    ("AIRFLOW_HOME", "`$EDU_WH_HOME/airflow`", "Set by the CLI for local runs (SQLite metadata)."),
]

EMBEDDED_DATABASE = "edu_wh"
EMBEDDED_SUPERUSER = "postgres"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    pg_port: int
    landing_dir: Path
    releases_dir: Path
    keep_releases: int
    use_roles: bool
    egov_base_url: str
    egov_api_key: str | None
    budget_base_url: str
    http_timeout: float
    alert_webhook_url: str | None
    alert_smtp_host: str | None
    alert_email_to: tuple[str, ...]
    max_file_bytes: int

    @property
    def embedded(self) -> bool:
        return not self.database_url

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        """The embedded server's unix socket folder: short on purpose, outside the checkout.

        PostgreSQL refuses a socket path over 107 bytes, so a folder inside a deeply nested
        checkout would stop the server from starting. One short private folder per EDU_WH_HOME
        (named by a hash of it) under the system temp dir keeps every checkout path working.
        """
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
        base = Path("/tmp") if Path("/tmp").is_dir() else Path(tempfile.gettempdir())
        return base / f"edu-wh-{digest}"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target/ (manifest, compiled SQL), per installation so parallel runs never share it."""
        return Path(os.environ.get("EDU_WH_DBT_TARGET_PATH") or self.home / "dbt" / "target")

    @property
    def airflow_home(self) -> Path:
        return Path(os.environ.get("AIRFLOW_HOME") or self.home / "airflow")

    @property
    def url(self) -> str:
        """libpq URL of the warehouse (embedded or external)."""
        if self.database_url:
            return self.database_url
        return f"postgresql://{EMBEDDED_SUPERUSER}@127.0.0.1:{self.pg_port}/{EMBEDDED_DATABASE}"

    @property
    def sqlalchemy_url(self) -> str:
        """The same warehouse as a SQLAlchemy URL for psycopg 3 (used by GX)."""
        parts = urlsplit(self.url)
        return parts._replace(scheme="postgresql+psycopg").geturl()

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that ``dbt_project/profiles.yml`` reads."""
        parts = urlsplit(self.url)
        return {
            "EDU_WH_DBT_HOST": parts.hostname or "127.0.0.1",
            "EDU_WH_DBT_PORT": str(parts.port or 5432),
            "EDU_WH_DBT_USER": unquote(parts.username or EMBEDDED_SUPERUSER),
            "EDU_WH_DBT_PASSWORD": unquote(parts.password or ""),
            "EDU_WH_DBT_DBNAME": (parts.path or "/").lstrip("/") or EMBEDDED_DATABASE,
            "EDU_WH_DBT_ROLE": "edu_wh_transformer"
            if self.use_roles
            else unquote(parts.username or EMBEDDED_SUPERUSER),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.home / "dbt" / "logs"),
        }

    def redacted_url(self) -> str:
        parts = urlsplit(self.url)
        if parts.password:
            netloc = f"{quote(parts.username or '')}:***@{parts.hostname}"
            if parts.port:
                netloc += f":{parts.port}"
            return parts._replace(netloc=netloc).geturl()
        return self.url


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings() -> Settings:
    """Read the settings afresh from the environment (cheap; no caching so tests can change it)."""
    env = os.environ
    home = Path(env.get("EDU_WH_HOME") or REPO_ROOT / ".local").resolve()
    return Settings(
        home=home,
        database_url=env.get("EDU_WH_DATABASE_URL") or None,
        pg_port=int(env.get("EDU_WH_PG_PORT") or 54329),
        landing_dir=Path(env.get("EDU_WH_LANDING_DIR") or home / "landing").resolve(),
        releases_dir=Path(env.get("EDU_WH_RELEASES_DIR") or home / "releases").resolve(),
        keep_releases=int(env.get("EDU_WH_KEEP_RELEASES") or 5),
        use_roles=_bool(env.get("EDU_WH_USE_ROLES"), True),
        egov_base_url=(env.get("EDU_WH_EGOV_BASE_URL") or "https://data.egov.kz").rstrip("/"),
        egov_api_key=env.get("EDU_WH_EGOV_API_KEY") or None,
        budget_base_url=(env.get("EDU_WH_BUDGET_BASE_URL") or "https://budget.egov.kz").rstrip("/"),
        http_timeout=float(env.get("EDU_WH_HTTP_TIMEOUT") or 30),
        alert_webhook_url=env.get("EDU_WH_ALERT_WEBHOOK_URL") or None,
        alert_smtp_host=env.get("EDU_WH_ALERT_SMTP_HOST") or None,
        alert_email_to=tuple(a.strip() for a in (env.get("EDU_WH_ALERT_EMAIL_TO") or "").split(",") if a.strip()),
        max_file_bytes=int(float(env.get("EDU_WH_MAX_FILE_MB") or 512) * 1024 * 1024),
    )


@contextlib.contextmanager
def scoped_env(**values: str | None) -> Iterator[None]:
    """Set (``None``: unset) environment variables for the block, and put back what was there after."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = str(value)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
