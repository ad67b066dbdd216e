"""Reminders to a store's owners: 7, 3 and 1 days before the trial or paid time ends, on entering
grace, and on expiry.

Each reminder is a ``BillingNotice`` row unique per (store, kind, period end): the sweep creates the
row when it is due (any number of runs, one row), and the send job sends a row once (a row already
sent is skipped; a failed one is retried by ``tasks.retry_failed_notices``). Sending goes through
``deliver`` — the owners' email (written to the log in development).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role, Tenant, utcnow

from .models import BillingNotice, NoticeStatus, Subscription, SubscriptionState

log = logging.getLogger(__name__)

REMINDER_DAYS = (7, 3, 1)
MAX_ATTEMPTS = 5


def reminder_due(sub: Subscription, now: datetime) -> str | None:
    """``expiry_7`` / ``expiry_3`` / ``expiry_1`` on the day (counted in whole days left, rounded up)
    that many days before the trial or paid time ends."""
    if sub.state not in (SubscriptionState.TRIAL, SubscriptionState.ACTIVE) or sub.period_end <= now:
        return None
    left = -(-int((sub.period_end - now).total_seconds()) // 86400)
    return f"expiry_{left}" if left in REMINDER_DAYS else None


def ensure(tenant_id: uuid.UUID, kind: str, period_end: datetime) -> BillingNotice | None:
    """The notice (created if missing); None if it exists already — so a second run sends nothing."""
    exists = db.session.execute(select(BillingNotice.id).where(
        BillingNotice.tenant_id == tenant_id, BillingNotice.kind == kind,
        BillingNotice.period_end == period_end)).first()
    if exists:
        return None
    try:
        with db.session.begin_nested():
            notice = BillingNotice(tenant_id=tenant_id, kind=kind, period_end=period_end)
            db.session.add(notice)
    except IntegrityError:  # a concurrent sweep made it
        return None
    return notice


def send(notice: BillingNotice, tenant: Tenant) -> bool:
    """Send ``notice`` unless it was sent; record the outcome."""
    if notice.status == NoticeStatus.SENT:
        return False
    notice.attempts += 1
    try:
        deliver(tenant, *_words(notice, tenant))
    except Exception as error:  # noqa: BLE001 - a sender's failure is recorded and retried
        log.warning("billing notice %s failed: %s", notice.id, error)
        notice.status, notice.last_error = NoticeStatus.FAILED, str(error)[:200]
        return False
    notice.status, notice.sent_at, notice.last_error = NoticeStatus.SENT, utcnow(), ""
    return True


def _words(notice: BillingNotice, tenant: Tenant) -> tuple[str, str]:
    with force_locale(tenant.default_locale or "zh"):
        date = notice.period_end.date().isoformat()
        if notice.kind.startswith("expiry_"):
            days = int(notice.kind.split("_")[1])
            return (_("Your Kaidian plan ends in %(days)s days", days=days),
                    _("The plan of %(store)s ends on %(date)s. Pay in the admin (Plan) to keep the store open.",
                      store=tenant.name, date=date))
        if notice.kind == "grace":
            return (_("Your Kaidian plan has ended"),
                    _("The plan of %(store)s ended on %(date)s. The store stays open for a grace period; pay in "
                      "the admin (Plan) before it closes.", store=tenant.name, date=date))
        return (_("Your store is closed to shoppers"),
                _("%(store)s is closed to shoppers and its admin is read-only. Pay in the admin (Plan) to reopen "
                  "it at once.", store=tenant.name))


def deliver(tenant: Tenant, subject: str, body: str) -> None:
    """The owners' email addresses (and the store's contact email), through the mail sender."""
    from kaidian.platform.tasks import send_email

    owners = db.session.execute(select(Membership).where(Membership.tenant_id == tenant.id,
                                                         Membership.role == Role.OWNER)).scalars()
    addresses = {m.user.email for m in owners if m.user.email} | ({tenant.contact_email} - {""})
    for address in sorted(addresses):
        send_email(address, subject, body)
    if not addresses:
        log.info("billing notice for %s (no email): %s", tenant.slug, subject)
