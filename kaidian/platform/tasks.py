"""The platform's jobs."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from .jobs import periodic
from .unit import unit

log = logging.getLogger("kaidian.mail")


def send_email(to: str, subject: str, body: str) -> None:
    """Send one email; without ``MAIL_SERVER`` (development) it is written to the log instead."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("mail to=%s subject=%s body=%s", to, subject, body)
        current_app.extensions.setdefault("kaidian_outbox", []).append((to, subject, body))
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        smtp.send_message(message)


@periodic(interval=3600, queue="low", timeout=120)
def purge_expired_sessions() -> None:
    """Forget expired logins (``sessions.purge_expired``)."""
    from .sessions import purge_expired

    with unit():
        purge_expired()
