"""Security: who may read and write what, data from files never becomes SQL, no secrets in the
repository, and the embedded server is reachable from this machine only.

The role matrix is read from the catalogue for *every* relation of every schema (so a new table or
schema is covered without touching this file) on a warehouse that has been through a real swap
(published = a former candidate, the previous release kept as ``archive_r1``), and a sample of it
is then tried for real as each role. tests/test_pipeline.py keeps its few hand-picked statements
(``test_roles_are_refused_what_they_should_not_do`` / ``test_roles_can_do_what_they_should``) as
the readable examples; this is the exhaustive version.

Exports neutralising formula injection (``=``, ``+``, ``-``, ``@`` at the start of a cell) are
proved by tests/publication/test_exports.py (the CSV and XLSX neutralisation cases).
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import socket
import stat
import subprocess
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import REPO, admin_url
from tests.reliability.corpus import CASES, INJECTION, Inputs, write_case
from tests.reliability.helpers import prepare_variant, record_figures

ROLES = ("edu_wh_ministry_reader", "edu_wh_analyst", "edu_wh_loader", "edu_wh_transformer")
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
ANALYST_META = {"load_batches", "releases", "gate_runs", "gate_results", "events"}
LOADER_META = {"load_batches", "api_cursors", "events"}


def policy(role: str, schema: str, table: str, privilege: str) -> bool:
    """What each role may do, as the architecture states it (docs/ARCHITECTURE.md, edu_wh/bootstrap.py)."""
    read = privilege == "SELECT"
    if role == "edu_wh_ministry_reader":
        return read and schema == "published"
    if role == "edu_wh_analyst":
        return read and (schema in {"marts", "published", "reference"} or (schema == "meta" and table in ANALYST_META))
    if role == "edu_wh_loader":
        if schema == "raw":
            return privilege in {"SELECT", "INSERT"}  # append-only: delivered data is never changed
        if schema == "meta" and table in LOADER_META:
            return privilege in {"SELECT", "INSERT", "UPDATE"}
        return False
    raise AssertionError(role)


def relations(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind in ('r', 'v', 'm', 'p', 'f') and n.nspname not in ('pg_catalog', 'information_schema') "
        "and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%' order by 1, 2"
    ).fetchall()


def effective(conn, role: str, schema: str, table: str, privilege: str) -> bool:
    """The role can really do it: USAGE on the schema and the privilege on the relation."""
    return conn.execute(
        "select has_schema_privilege(%s, %s, 'USAGE') and has_table_privilege(%s, format('%%I.%%I', %s::text, %s::text), %s)",
        (role, schema, role, schema, table, privilege),
    ).fetchone()[0]


@pytest.fixture
def swapped(release_copy):
    """The released warehouse after one more real publish: published came from a candidate by the swap."""
    from publication.swap import publish

    prepare_variant("Almaty (security test)")
    assert publish(run_id="test__security").status == "published"
    with psycopg.connect(release_copy, autocommit=True) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
        assert {"archive_r1", "published", "raw", "marts", "meta"} <= schemas
        yield conn


def test_every_role_reads_and_writes_exactly_what_it_should_in_every_schema(swapped):
    conn = swapped
    wrong = []
    checked = Counter()
    for schema, table in relations(conn):
        for role in ROLES[:3]:
            for privilege in ("SELECT", *WRITES):
                allowed = effective(conn, role, schema, table, privilege)
                checked[role] += 1
                if allowed != policy(role, schema, table, privilege):
                    wrong.append(f"{role} {'can' if allowed else 'cannot'} {privilege} {schema}.{table}")
    assert not wrong, f"{len(wrong)} privilege(s) differ from the policy: {wrong[:15]}"
    # the transformer builds from raw but never changes what was delivered
    raw = [t for s, t in relations(conn) if s == "raw"]
    changed = [t for t in raw for p in WRITES if effective(conn, "edu_wh_transformer", "raw", t, p)]
    assert not changed, changed
    assert checked["edu_wh_ministry_reader"] > 100
    record_figures("security", "role matrix", injected=sum(checked.values()), survived=sum(checked.values()))


def test_no_reader_can_create_objects_or_temporary_tables(swapped):
    conn = swapped
    db = conn.info.dbname
    schemas = [r[0] for r in conn.execute("select nspname from pg_namespace where nspname !~ '^pg_'").fetchall()]
    for role in ROLES[:3]:
        creatable = [
            s for s in schemas if conn.execute("select has_schema_privilege(%s, %s, 'CREATE')", (role, s)).fetchone()[0]
        ]
        assert creatable == [], f"{role} can create objects in {creatable}"
        assert not conn.execute("select has_database_privilege(%s, %s, 'CREATE')", (role, db)).fetchone()[0], role
    assert not conn.execute("select has_database_privilege('public', %s, 'TEMPORARY')", (db,)).fetchone()[0]
    assert not conn.execute("select has_database_privilege('public', %s, 'CONNECT')", (db,)).fetchone()[0]


@pytest.mark.parametrize("role", ROLES[:3])
def test_the_catalogue_matrix_is_what_postgresql_enforces(swapped, role):
    """One table per schema, tried for real as the role (read, and a write that is rolled back)."""
    conn = swapped
    first = {}
    for schema, table in relations(conn):
        first.setdefault(schema, table)
    tried = 0
    for schema, table in first.items():
        target = sql.Identifier(schema, table)
        for privilege, statement in (
            ("SELECT", sql.SQL("select * from {} limit 1").format(target)),
            ("DELETE", sql.SQL("delete from {} where false").format(target)),
        ):
            expected = policy(role, schema, table, privilege)
            with conn.transaction(force_rollback=True):
                conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                try:
                    with conn.transaction():
                        conn.execute(statement)
                    allowed = True
                except psycopg.errors.InsufficientPrivilege:
                    allowed = False
            tried += 1
            assert allowed == expected, f"{role}: {privilege} on {schema}.{table} {'worked' if allowed else 'refused'}"
    assert tried >= 16


def test_the_archived_release_is_not_readable_by_readers_and_published_is(swapped):
    conn = swapped
    for role in ("edu_wh_ministry_reader", "edu_wh_analyst"):
        assert not conn.execute("select has_schema_privilege(%s, 'archive_r1', 'USAGE')", (role,)).fetchone()[0]
        assert conn.execute("select has_schema_privilege(%s, 'published', 'USAGE')", (role,)).fetchone()[0]
    with conn.transaction(force_rollback=True):
        conn.execute("set local role edu_wh_ministry_reader")
        name = conn.execute("select name_en from published.territories where kato_code = '750000000'").fetchone()
        assert name == ("Almaty (security test)",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("select count(*) from archive_r1.territories")


# --- identifiers from files --------------------------------------------------------------------------


def test_identifiers_and_values_from_files_are_stored_as_data_never_run_as_sql(db, tmp_path, monkeypatch):
    """A sheet name, a CSV header and a cell that are SQL (``x"; drop table raw.quarantine; --``)
    travel as COPY data: the loader composes statements only from the source's fixed column list
    (``psycopg.sql.Identifier``), never from the file."""
    from cli.samples import ensure_synthetic_drop
    from ingest.loader import load_file
    from ingest.registry import get_source
    from tests.reliability.corpus import SCHOOLS_XLSX, set_value, xlsx_edit

    inputs = Inputs(ensure_synthetic_drop())
    tables_before = db.execute("select count(*) from pg_tables where schemaname in ('raw', 'meta')").fetchone()[0]
    by_id = {c.id: c for c in CASES}
    for case_id in ("dyn_injection_in_sheet_name", "nedb_injection_in_header"):
        path = write_case(by_id[case_id], inputs, tmp_path)
        assert load_file(get_source(by_id[case_id].source), path).status == "loaded"
    cell = tmp_path / "cell" / "number_of_schools_injected_cell.xlsx"
    cell.parent.mkdir()
    cell.write_bytes(xlsx_edit(SCHOOLS_XLSX, lambda wb: set_value("город Алматы", 24, INJECTION)(wb.active)))
    assert load_file(get_source("bns_dynamic"), cell).rows_quarantined == 1
    # the sheet name is a value of raw.bns_dynamic_cells._sheet
    assert ('x"; drop table raw.quarantine; ',) in db.execute(
        "select distinct _sheet from raw.bns_dynamic_cells"
    ).fetchall()
    # the header is reported as an ignored column of the extract, verbatim
    notes = db.execute("select notes from meta.load_batches where source = 'nedb'").fetchone()[0]
    assert INJECTION in notes
    # the cell is kept verbatim in the quarantined record
    record = db.execute("select record ->> 'cell_text' from raw.quarantine where source = 'bns_dynamic'").fetchone()
    assert record == (INJECTION,)
    # and nothing was dropped
    assert db.execute("select to_regclass('raw.quarantine')").fetchone()[0] == "raw.quarantine"
    assert (
        db.execute("select count(*) from pg_tables where schemaname in ('raw', 'meta')").fetchone()[0] == tables_before
    )
    record_figures("security", "SQL in sheet name, header and cell", injected=3, survived=3)


# --- secrets ------------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Fernet key": re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:(?P<value>[^\s@/'\"]+)@"),
    "assigned secret": re.compile(
        r"(?i)\b[a-z0-9_]*(?:password|passwd|secret|api_?key|apikey|token|fernet)[a-z0-9_]*[\"']?\s*[:=]\s*"
        r"[\"'](?P<value>[^\"'\s]{6,})[\"']"
    ),
}
#: values that are documented placeholders, not secrets (.env.example, README, the fakes' test keys)
PLACEHOLDER = re.compile(
    r"(?i)^(change_?me|pw|password|\*+|x+|\$\{?[a-z_][a-z0-9_]*\}?|.*(fake|test|example|dummy|placeholder|setup).*)$"
)
SECRET_FILES = re.compile(r"(^|/)(\.env|.*\.pem|.*\.p12|.*\.pfx|id_rsa.*|id_ed25519.*|fernet\.key|credentials\.json)$")


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def find_secrets(name: str, text: str) -> list[str]:
    """Credential-looking strings in one file's text (placeholders allowed)."""
    found = []
    for kind, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.groupdict().get("value") or match.group(0)
            if kind in {"password in a URL", "assigned secret"}:
                if PLACEHOLDER.match(value) or re.search(r"\.\w+$", value) or entropy(value) < 3.0:
                    continue  # a placeholder, a file name, or a word
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {kind}")
    return found


def test_the_secret_scanner_finds_planted_secrets_and_accepts_placeholders():
    from cryptography.fernet import Fernet

    # assembled at run time, so this file's own text holds no secret-looking literal
    planted = {
        "private key": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
        "fernet": f"AIRFLOW__CORE__FERNET_KEY={Fernet.generate_key().decode()}\n",
        "url": "EDU_WH_DATABASE_URL=postgresql://edu_wh:" + "Xk9#vq2LmP7z" + "@db.example.kz:5432/edu_wh\n",
        "api key": "EDU_WH_EGOV_API_KEY = " + '"9f3b2c7d41e84a6f"\n',
        "aws": "aws_access_key_id = " + "AKIA" + "IOSFODNN7EXAMPLE\n",
    }
    for label, text in planted.items():
        assert find_secrets(label, text), f"the scanner missed a planted {label}"
    placeholders = (
        "AIRFLOW_FERNET_KEY=CHANGE_ME\nEDU_WH_DATABASE_URL=postgresql://user:pw@host:5432/edu_wh\n"
        'DEFAULT_API_KEY = "fake-egov-key"\nbi_password="$BI_READER_PASSWORD"\n'
    )
    assert find_secrets("placeholders", placeholders) == []


def test_no_secrets_are_tracked_in_the_repository():
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    files = [f for f in files if f]
    assert len(files) > 100
    assert [f for f in files if SECRET_FILES.search(f) or f.startswith(".local/")] == []
    found, scanned = [], 0
    for name in files:
        path = REPO / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary workbooks (samples), or deleted in the working tree
        scanned += 1
        found.extend(find_secrets(name, text))
    assert not found, found
    record_figures("security", "secret scan of tracked files", injected=scanned, survived=scanned)


# --- the embedded server -------------------------------------------------------------------------------


def local_addresses() -> list[tuple[int, tuple]]:
    """(family, sockaddr without port) of every address of this machine's interfaces, from /proc."""
    out: list[tuple[int, tuple]] = []
    trie = Path("/proc/net/fib_trie")
    if trie.exists():
        lines = trie.read_text().splitlines()
        for i, line in enumerate(lines[1:], start=1):
            if "/32 host LOCAL" in line:
                address = lines[i - 1].split()[-1]
                out.append((socket.AF_INET, (address,)))
    inet6 = Path("/proc/net/if_inet6")
    if inet6.exists():
        for line in inet6.read_text().splitlines():
            hexaddr, index, *_ = line.split()
            address = str(ipaddress.IPv6Address(bytes.fromhex(hexaddr)))
            scope = int(index, 16) if address.startswith("fe80") else 0
            out.append((socket.AF_INET6, (address, 0, scope)))
    return sorted(set(out))


def can_connect(family: int, sockaddr: tuple, port: int) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        target = (sockaddr[0], port, *sockaddr[2:]) if family == socket.AF_INET6 else (sockaddr[0], port)
        return sock.connect_ex(target) == 0


def test_the_embedded_server_listens_on_127_0_0_1_and_its_socket_only(pg_server):
    cfg = pg_server
    with psycopg.connect(admin_url()) as conn:
        assert conn.execute("show listen_addresses").fetchone()[0] == "127.0.0.1"
        assert Path(conn.execute("show unix_socket_directories").fetchone()[0]) == cfg.socket_dir
        hba = conn.execute(
            "select type, address from pg_hba_file_rules where type like 'host%%' and error is null"
        ).fetchall()
    # even a wider listen_addresses would meet a pg_hba.conf that admits loopback only
    assert hba and all(ipaddress.ip_address(address).is_loopback for _, address in hba), hba
    assert can_connect(socket.AF_INET, ("127.0.0.1",), cfg.pg_port)
    others = [a for a in local_addresses() if a[1][0] != "127.0.0.1"] + [(socket.AF_INET, ("127.0.0.2",))]
    reachable = [a[1][0] for a in others if can_connect(*a, cfg.pg_port)]
    assert reachable == [], f"the warehouse answers on {reachable}"
    assert any(not ipaddress.ip_address(a[1][0]).is_loopback for a in others) or os.environ.get("CI"), (
        "no non-loopback interface to try"
    )
    record_figures("security", "connections from other addresses", injected=len(others), survived=len(others))


def test_the_data_directory_and_socket_are_private_to_the_server(pg_server):
    cfg = pg_server
    with psycopg.connect(admin_url()) as conn:
        assert Path(conn.execute("show data_directory").fetchone()[0]) == cfg.pgdata
    for path in (cfg.pgdata, cfg.socket_dir):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}: group or others can read it"
    owners = {path.stat().st_uid for path in (cfg.pgdata, cfg.socket_dir)}
    assert len(owners) == 1
