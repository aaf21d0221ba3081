"""Failure notifications, delivered to a real webhook server and a real SMTP server on 127.0.0.1.

The failure is real: on the released warehouse, a copy of the real BNS schools table with Almaty
city's 2022/23 count typed as 33,300 lands, goes through ``ingest_bns`` and ``transform_publish``
with ``dag.test()``; the gate blocks it, the current release stays as it was, and the DAG's failure
callback must deliver the gate report and the failing checks.
"""

from __future__ import annotations

import email
import json
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openpyxl
import psycopg
import pytest

from tests.conftest import SAMPLES, run_dag

SCHOOLS = SAMPLES / "bns" / "number_of_schools_by_region_2000-2023_ru.xlsx"


class Webhook:
    """A real HTTP server that records the JSON bodies POSTed to it (and can be told to fail)."""

    def __init__(self, status: int = 200):
        self.received: list[dict] = []
        received, self.status = self.received, status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"path": self.path, "content_type": self.headers["Content-Type"], **json.loads(body)})
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/edu-wh"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """A real SMTP server (the standard library's smtpd, Python ≤ 3.11) that keeps what it receives."""

    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import asyncore
            import smtpd
        self._asyncore = asyncore
        self.messages: list[email.message.Message] = []
        messages = self.messages

        class Server(smtpd.SMTPServer):
            def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
                msg = email.message_from_bytes(data if isinstance(data, bytes) else data.encode())
                msg["X-Envelope-To"] = ", ".join(rcpttos)
                messages.append(msg)

        self.map: dict = {}
        self.server = Server(("127.0.0.1", 0), None, decode_data=False, map=self.map)
        self.port = self.server.socket.getsockname()[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self._asyncore.loop(timeout=0.1, count=1, map=self.map)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)
        self.server.close()


def _smtpd_available() -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import smtpd  # noqa: F401
    except ImportError:
        return False
    return True


def _implausible_copy(path):
    """The real table with Almaty city's 2022/23 count typed as 33,300 instead of 333."""
    wb = openpyxl.load_workbook(SCHOOLS)
    ws = wb.active
    for row in ws.iter_rows():
        if row[0].value == "город Алматы":
            row[23].value = 33300
            break
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def failed_gate_run(released_db, dagbag, tmp_path_factory):
    """One real failing transform_publish run on the released warehouse (release 1 is current), with
    both the webhook and e-mail channels configured; the bad delivery is taken out again afterwards."""
    if not _smtpd_available():
        pytest.skip("no SMTP server in the standard library (smtpd was removed in Python 3.12) and no aiosmtpd")
    from edu_wh.config import settings

    url = released_db["EDU_WH_DATABASE_URL"]
    tmp = tmp_path_factory.mktemp("notify")
    with Webhook() as hook, Mailbox() as mailbox, pytest.MonkeyPatch.context() as mp:
        for key, value in released_db.items():
            mp.setenv(key, value)
        mp.setenv("EDU_WH_ALERT_WEBHOOK_URL", hook.url)
        mp.setenv("EDU_WH_ALERT_SMTP_HOST", "127.0.0.1")
        mp.setenv("EDU_WH_ALERT_SMTP_PORT", str(mailbox.port))
        mp.setenv("EDU_WH_ALERT_EMAIL_TO", "data-team@edu.example.kz, duty@edu.example.kz")
        mp.setenv("EDU_WH_ALERT_EMAIL_FROM", "edu-wh@edu.example.kz")
        with psycopg.connect(url) as conn:
            before = conn.execute(
                "select release_id, content_hash from meta.releases where status = 'current'"
            ).fetchone()
            published_before = _school_counts_hash(conn)
        target = settings().landing_dir / "bns_dynamic" / "number_of_schools_corrected.xlsx"
        target.write_bytes(_implausible_copy(tmp / target.name).read_bytes())
        try:
            ingest = run_dag(dagbag, "ingest_bns")
            run = run_dag(dagbag, "transform_publish")
            deadline = time.monotonic() + 10
            while not mailbox.messages and time.monotonic() < deadline:
                time.sleep(0.1)
            with psycopg.connect(url) as conn:
                result = {
                    "ingest": ingest,
                    "run": run,
                    "webhook": list(hook.received),
                    "mail": list(mailbox.messages),
                    "before": before,
                    "after": conn.execute(
                        "select release_id, content_hash from meta.releases where status = 'current'"
                    ).fetchone(),
                    "releases": conn.execute("select count(*) from meta.releases").fetchone()[0],
                    "published_before": published_before,
                    "published_after": _school_counts_hash(conn),
                    "gate": conn.execute(
                        "select success, report_markdown from meta.gate_runs order by gate_run_id desc limit 1"
                    ).fetchone(),
                }
                # the previous release still answers queries, as the ministry reader
                conn.execute("set role edu_wh_ministry_reader")
                result["city_2022"] = conn.execute(
                    "select schools_count from published.school_counts where kato_code = '750000000' "
                    "and academic_year = '2022/23' and population_type = 'total' and territory_basis = 'as_published'"
                ).fetchone()[0]
        finally:
            # take the bad delivery back out so later tests see the clean sample
            with psycopg.connect(url, autocommit=True) as conn:
                batch = conn.execute(
                    "select batch_id from meta.load_batches where source_file = %s", (target.name,)
                ).fetchone()
                if batch:
                    conn.execute("delete from raw.bns_dynamic_cells where _batch_id = %s", batch)
                    conn.execute(
                        "update meta.load_batches set status = 'failed', error = 'removed by test' where batch_id = %s",
                        batch,
                    )
            target.unlink(missing_ok=True)
    yield result


def _school_counts_hash(conn) -> str:
    return conn.execute(
        "select md5(string_agg(t::text, '' order by t::text)) from published.school_counts t"
    ).fetchone()[0]


def test_the_gate_blocks_the_implausible_value_and_the_release_stays(failed_gate_run):
    assert failed_gate_run["ingest"].state == "success"
    run = failed_gate_run["run"]
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "failed"
    assert states["gate"] == "failed" and states["publish"] == "upstream_failed"
    assert states["release_lock"] == "success"
    # published stays exactly as it was: same release, same rows
    assert failed_gate_run["after"] == failed_gate_run["before"] and failed_gate_run["releases"] == 1
    assert failed_gate_run["published_after"] == failed_gate_run["published_before"]
    success, report = failed_gate_run["gate"]
    assert success is False and "33300" in report and "How to resolve" in report
    assert failed_gate_run["city_2022"] == 333


def test_the_webhook_receives_the_gate_report_and_the_failing_checks(failed_gate_run):
    run = failed_gate_run["run"]
    assert len(failed_gate_run["webhook"]) == 1, "exactly one notification per failed run"
    message = failed_gate_run["webhook"][0]
    assert message["path"] == "/hooks/edu-wh" and message["content_type"] == "application/json"
    assert message["dag_id"] == "transform_publish" and message["task_id"] == "gate"
    assert message["run_id"] == run.run_id
    critical = [c for c in message["failed_checks"] if c["severity"] == "critical"]
    assert message["error"].startswith(f"publication gate failed: {len(critical)} critical check(s) failed")
    # the gate report, in Markdown, names the bad value and says how to resolve it
    assert "33300" in message["gate_report"] and "How to resolve" in message["gate_report"]
    assert message["gate_report"].lstrip().startswith("#")
    # the failing checks, each with what it protects and how to resolve it; among them the plausibility range
    assert all(c["protects"] and c["how_to_resolve"] for c in message["failed_checks"])
    (check,) = [
        c
        for c in critical
        if c["dataset"] == "candidate.school_counts"
        and c["expectation"] == "expect_column_values_to_be_between"
        and c["kwargs"]["column"] == "schools_count"
    ]
    assert check["kwargs"]["max_value"] == 12000
    assert "plausible" in check["protects"] and "source_reference" in check["how_to_resolve"]
    # the short text that chat webhooks show lists the failing check
    assert (
        "transform_publish.gate failed" in message["text"] and "[critical] candidate.school_counts" in message["text"]
    )


def test_the_email_carries_the_failing_checks_and_the_report_as_markdown(failed_gate_run):
    assert len(failed_gate_run["mail"]) == 1
    mail = failed_gate_run["mail"][0]
    assert mail["Subject"] == "edu-wh: transform_publish.gate failed"
    assert mail["From"] == "edu-wh@edu.example.kz"
    assert mail["X-Envelope-To"] == "data-team@edu.example.kz, duty@edu.example.kz"
    parts = list(mail.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert (
        "Failing checks:" in body and "[critical] candidate.school_counts: expect_column_values_to_be_between" in body
    )
    assert "33300" in body
    attachment = next(p for p in parts if p.get_filename())
    assert attachment.get_filename().startswith("gate-report-") and attachment.get_filename().endswith(".md")
    assert "33300" in attachment.get_payload(decode=True).decode()


def test_a_failure_outside_the_gate_is_notified_without_a_gate_report(warehouse, dagbag):
    from edu_wh.config import settings

    # Given a truncated delivery in landing, which the loader refuses as a whole
    landing = settings().landing_dir / "bns_dynamic"
    landing.mkdir(parents=True)
    (landing / "truncated.xlsx").write_bytes(SCHOOLS.read_bytes()[:3000])
    with Webhook() as hook, pytest.MonkeyPatch.context() as mp:
        mp.setenv("EDU_WH_ALERT_WEBHOOK_URL", hook.url)
        # When the ingest DAG runs
        run = run_dag(dagbag, "ingest_bns")
    # Then the run fails and the notification names the file and the failed task, with no gate report
    assert run.state == "failed"
    (message,) = hook.received
    assert message["dag_id"] == "ingest_bns" and message["task_id"] == "check_rejections"
    assert message["gate_report"] is None and message["failed_checks"] == []
    assert "check_rejections failed" in message["error"]


def test_a_failing_channel_is_logged_and_the_others_still_deliver(monkeypatch, caplog):
    from orchestration.notify import build_message, send

    with Webhook(status=500) as broken:
        monkeypatch.setenv("EDU_WH_ALERT_WEBHOOK_URL", broken.url)
        used = send(build_message("transform_publish", "gate", "manual__x", "publication gate failed"))
    assert used == ["log"]
    assert len(broken.received) == 1
    assert "webhook notification failed" in caplog.text and "500" in caplog.text
