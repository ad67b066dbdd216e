"""How a notification reaches a store's staff outside the admin: a registry of channels by name.

``NOTIFY_CHANNELS`` (comma list, default ``email,sms``) says which are used. Each channel is
``send(tenant, subject, text, topic) -> outcome`` (a short word for the record: ``sent``, ``skipped: …``)
and raises ``ChannelFailed`` when it could not send. ``topic`` is what the message is about in a few
words (at most 6 characters: an SMS template's parameter, see ``customers/sms.py``), or empty. The
built-in ones reuse what the project already has:

* ``email`` — the store's contact email, else the owner's login email, through
  ``platform.tasks.send_email`` (SMTP with ``MAIL_SERVER``; without it the mail is written to the log —
  development — and kept in the app's outbox, which tests read);
* ``sms`` — registered by the customers package (``customers/sms.staff_channel``): the store's contact
  phone, through its SMS senders (``SMS_SENDER``: ``log`` in development, the sandbox's inbox in tests,
  ``tencent`` in production) as a ``staff_notice`` template with the topic,
  so there is one SMS layer in the project;
* ``wechat`` — registered by the wechat package (``wechat/staff_messages.py``): a template message from the
  store's official account to the merchant, when both are known.

Channels that need another domain are registered by that domain, so this package imports none (billing
sends through it, and the customers package draws store pages through themes, which reads billing).

``send_all`` is the one way to send on the configured channels: it takes the outcomes of an earlier try
and sends again only on the channels that failed (a ``failed: …`` outcome) or were never tried, so a
retry never repeats a channel that succeeded. Notifications (``tasks.deliver_notification``) and
billing's reminders (``billing/notices.py``) both go through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role, Tenant, User
from kaidian.platform.tasks import send_email

log = logging.getLogger(__name__)

Channel = Callable[[Tenant, str, str, str], str]
CHANNELS: dict[str, Channel] = {}


class ChannelFailed(Exception):
    """The channel could not send (the job records it; other channels still go)."""


def register_channel(name: str, send: Channel) -> None:
    CHANNELS[name] = send


def configured() -> list[str]:
    names = [name.strip() for name in current_app.config["NOTIFY_CHANNELS"].split(",") if name.strip()]
    unknown = [name for name in names if name not in CHANNELS]
    if unknown:
        raise ValueError(f"NOTIFY_CHANNELS names unknown channels: {', '.join(unknown)} ({', '.join(CHANNELS)})")
    return names


FAILED = "failed: "


def failed(outcome: str) -> bool:
    return outcome.startswith(FAILED)


def send_all(tenant: Tenant, subject: str, text: str, previous: dict | None = None, topic: str = "") -> dict[str, str]:
    """Send on each configured channel not yet done (never tried, or failed before); every channel's outcome.
    A failing channel is recorded (``failed: …``) and does not stop the others."""
    outcomes = dict(previous or {})
    for name in configured():
        if name in outcomes and not failed(outcomes[name]):
            continue
        try:
            outcomes[name] = CHANNELS[name](tenant, subject, text, topic)[:200]
        except ChannelFailed as error:
            log.warning("channel %s for store %s: %s", name, tenant.slug, error)
            outcomes[name] = f"{FAILED}{error}"[:200]
    return outcomes


def _owner_email(tenant: Tenant) -> str:
    query = (select(User.email).join(Membership, Membership.user_id == User.id)
             .where(Membership.tenant_id == tenant.id, Membership.role == Role.OWNER))
    return db.session.execute(query).scalars().first() or ""


def _email(tenant: Tenant, subject: str, text: str, topic: str = "") -> str:
    to = tenant.contact_email or _owner_email(tenant)
    if not to:
        return "skipped: no email address"
    try:
        send_email(to, subject, text)
    except OSError as error:  # SMTP refused or unreachable
        raise ChannelFailed(f"email: {error}") from error
    return "sent"


register_channel("email", _email)
