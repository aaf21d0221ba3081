"""Failure notifications: always logged; POSTed to a webhook and/or e-mailed when configured.

Configured by environment (see README): ``EDU_WH_ALERT_WEBHOOK_URL``, ``EDU_WH_ALERT_SMTP_HOST``
(+ ``EDU_WH_ALERT_SMTP_PORT``, ``EDU_WH_ALERT_SMTP_USER``/``EDU_WH_ALERT_SMTP_PASSWORD``,
``EDU_WH_ALERT_EMAIL_FROM``) and ``EDU_WH_ALERT_EMAIL_TO``. A notification carries the failed
task, the error and, for a gate failure, the gate report (Markdown) and the failing checks.

The DAGs call :func:`notify_task_failure` as their ``on_failure_callback``. A DAG-level callback
gets the task instance that failed the run but not its exception (it runs in the DAG processor,
or in ``dag.test()``), so the gate's report is read back from ``meta.gate_runs`` by run id.
A notification never raises: a channel that fails is logged and the others still go out.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
from email.message import EmailMessage

from edu_wh.config import settings

log = logging.getLogger("orchestration.notify")

#: failing checks listed in the short text (all of them are in ``failed_checks`` and the report)
TEXT_CHECKS = 10


def build_message(
    dag_id: str,
    task_id: str,
    run_id: str,
    error: str,
    report: str | None = None,
    failed_checks: list[dict] | None = None,
) -> dict:
    title = f"edu-wh: {dag_id}.{task_id} failed"
    lines = [f"*{title}*", f"run `{run_id}`", error]
    for check in (failed_checks or [])[:TEXT_CHECKS]:
        lines.append(f"- [{check['severity']}] {check['dataset']}: {check['protects']} — {check['how_to_resolve']}")
    return {
        "title": title,
        "text": "\n".join(lines),  # what Slack / Mattermost / Teams-style incoming webhooks display
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "error": error,
        "gate_report": report,
        "failed_checks": failed_checks or [],
    }


def send(message: dict) -> list[str]:
    """Deliver a message on every configured channel; returns the channels used."""
    cfg = settings()
    used = ["log"]
    log.error("%s: %s", message["title"], message["error"])
    if cfg.alert_webhook_url:
        import httpx

        try:
            httpx.post(cfg.alert_webhook_url, json=message, timeout=cfg.http_timeout).raise_for_status()
            used.append("webhook")
        except httpx.HTTPError as exc:
            log.error("webhook notification failed: %s", exc)
    if cfg.alert_smtp_host and cfg.alert_email_to:
        try:
            _send_email(message, cfg)
            used.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            log.error("e-mail notification failed: %s", exc)
    return used


def _send_email(message: dict, cfg) -> None:
    email = EmailMessage()
    email["Subject"] = message["title"]
    email["From"] = os.environ.get("EDU_WH_ALERT_EMAIL_FROM", "edu-wh@localhost")
    email["To"] = ", ".join(cfg.alert_email_to)
    body = f"{message['error']}\n\nrun: {message['run_id']}\n"
    if message.get("failed_checks"):
        body += "\nFailing checks:\n" + "".join(
            f"- [{c['severity']}] {c['dataset']}: {c['expectation']} — {c['protects']}\n  how to resolve: "
            f"{c['how_to_resolve']}\n"
            for c in message["failed_checks"]
        )
    if message.get("gate_report"):
        body += "\n" + message["gate_report"]
    email.set_content(body)
    if message.get("gate_report"):
        email.add_attachment(
            message["gate_report"].encode("utf-8"),
            maintype="text",
            subtype="markdown",
            filename=f"gate-report-{message['run_id']}.md".replace(":", "-").replace("+", "-"),
        )
    port = int(os.environ.get("EDU_WH_ALERT_SMTP_PORT", "25"))
    with smtplib.SMTP(cfg.alert_smtp_host, port, timeout=cfg.http_timeout) as smtp:
        user = os.environ.get("EDU_WH_ALERT_SMTP_USER")
        if user:
            smtp.starttls()
            smtp.login(user, os.environ.get("EDU_WH_ALERT_SMTP_PASSWORD", ""))
        smtp.send_message(email)


def gate_failure(run_id: str) -> tuple[str, list[dict]] | None:
    """The report and failing checks of the latest failed gate run of ``run_id``, if any."""
    from edu_wh.warehouse import connect

    with connect("analyst", autocommit=True, application_name="edu-wh notify", start=False) as conn:
        gate = conn.execute(
            "select gate_run_id, report_markdown from meta.gate_runs where run_id = %s and success is false "
            "order by gate_run_id desc limit 1",
            (run_id,),
        ).fetchone()
        if not gate:
            return None
        rows = conn.execute(
            "select suite, dataset, expectation, severity, protects, how_to_resolve, observed, kwargs "
            "from meta.gate_results where gate_run_id = %s and not success "
            "order by severity = 'critical' desc, suite, expectation",
            (gate[0],),
        ).fetchall()
    keys = ("suite", "dataset", "expectation", "severity", "protects", "how_to_resolve", "observed", "kwargs")
    return gate[1] or "", [dict(zip(keys, row)) for row in rows]


def notify_task_failure(context) -> list[str]:
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    dag = context.get("dag")
    dag_id = getattr(ti, "dag_id", None) or getattr(dag, "dag_id", "?")
    task_id = getattr(ti, "task_id", None) or "?"
    run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
    report, checks = None, []
    gate_report = getattr(exc, "report", None)
    if gate_report is not None:
        report = getattr(gate_report, "markdown", None)
    try:
        found = gate_failure(run_id)
    except Exception as lookup_error:  # noqa: BLE001 - a notification must go out whatever the database does
        log.error("could not read the gate report of %s: %s", run_id, lookup_error)
        found = None
    if found:
        report = report or found[0]
        checks = found[1]
    if exc:
        error = str(exc)
    elif checks:
        critical = [c for c in checks if c["severity"] == "critical"]
        error = (
            f"publication gate failed: {len(critical)} critical check(s) failed "
            f"({'; '.join(c['dataset'] + ': ' + c['protects'] for c in critical[:3])}); "
            "published tables were left unchanged"
        )
    else:
        error = f"task {task_id} failed ({context.get('reason') or 'see its log'})"
    message = build_message(
        dag_id=dag_id, task_id=task_id, run_id=run_id, error=error, report=report, failed_checks=checks
    )
    return send(message)


def format_json(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, indent=2)
