"""Failure notifications: always logged; POSTed to a webhook and/or e-mailed when configured.

Configured by environment (see README): ``EDU_WH_ALERT_WEBHOOK_URL``, ``EDU_WH_ALERT_SMTP_HOST``
(+ ``EDU_WH_ALERT_SMTP_PORT``, ``EDU_WH_ALERT_SMTP_USER``/``EDU_WH_ALERT_SMTP_PASSWORD``,
``EDU_WH_ALERT_EMAIL_FROM``) and ``EDU_WH_ALERT_EMAIL_TO``. A notification carries the failed
task, the error and, for a gate failure, the gate report.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
from email.message import EmailMessage

from edu_wh.config import settings

log = logging.getLogger("edu_wh.notify")


def build_message(dag_id: str, task_id: str, run_id: str, error: str, report: str | None = None) -> dict:
    return {
        "title": f"edu-wh: {dag_id}.{task_id} failed",
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "error": error,
        "gate_report": report,
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
        email = EmailMessage()
        email["Subject"] = message["title"]
        email["From"] = os.environ.get("EDU_WH_ALERT_EMAIL_FROM", "edu-wh@localhost")
        email["To"] = ", ".join(cfg.alert_email_to)
        body = f"{message['error']}\n\nrun: {message['run_id']}\n"
        if message.get("gate_report"):
            body += "\n" + message["gate_report"]
        email.set_content(body)
        try:
            port = int(os.environ.get("EDU_WH_ALERT_SMTP_PORT", "25"))
            with smtplib.SMTP(cfg.alert_smtp_host, port, timeout=cfg.http_timeout) as smtp:
                user = os.environ.get("EDU_WH_ALERT_SMTP_USER")
                if user:
                    smtp.starttls()
                    smtp.login(user, os.environ.get("EDU_WH_ALERT_SMTP_PASSWORD", ""))
                smtp.send_message(email)
            used.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            log.error("e-mail notification failed: %s", exc)
    return used


def notify_task_failure(context) -> list[str]:
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    report = None
    gate_report = getattr(exc, "report", None)
    if gate_report is not None:
        report = getattr(gate_report, "markdown", None)
    message = build_message(
        dag_id=getattr(ti, "dag_id", "?"),
        task_id=getattr(ti, "task_id", "?"),
        run_id=str(context.get("run_id") or getattr(ti, "run_id", "?")),
        error=str(exc) if exc else "task failed",
        report=report,
    )
    return send(message)


def format_json(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, indent=2)
