"""Reminders to a store's owners: 7, 3 and 1 days before the trial or paid time ends, on entering
grace, and on expiry.

Each reminder is a ``BillingNotice`` row unique per (store, kind, period end): the sweep creates the
row when it is due (any number of runs, one row), and the send job sends a row once (a row already
sent is skipped; a failed one is retried by ``tasks.retry_failed_notices``). Sending goes through the
notifications package's channels (``NOTIFY_CHANNELS``: email, SMS, a WeChat template message from the
store's official account), each channel's outcome kept on the row: a retry sends again only on the
channels that failed, never on those that succeeded.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.notifications import channels
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow

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
    """Send ``notice`` on the channels it has not reached yet; record each outcome. True when every
    channel is done (sent, or skipped for good)."""
    if notice.status == NoticeStatus.SENT:
        return False
    notice.attempts += 1
    subject, text, topic = _words(notice, tenant)
    outcomes = channels.send_all(tenant, subject, text, previous=notice.deliveries, topic=topic)
    notice.deliveries = outcomes
    failures = [f"{name}: {outcome}" for name, outcome in outcomes.items() if channels.failed(outcome)]
    if failures:
        log.warning("billing notice %s: %s", notice.id, "; ".join(failures))
        notice.status, notice.last_error = NoticeStatus.FAILED, "; ".join(failures)[:200]
        return False
    notice.status, notice.sent_at, notice.last_error = NoticeStatus.SENT, utcnow(), ""
    return True


def _words(notice: BillingNotice, tenant: Tenant) -> tuple[str, str, str]:
    """Subject, text and topic (at most 6 characters, for the SMS template) in the store's language."""
    with force_locale(tenant.default_locale or "zh"):
        date = notice.period_end.date().isoformat()
        if notice.kind.startswith("expiry_"):
            days = int(notice.kind.split("_")[1])
            return (_("Your Kaidian plan ends in %(days)s days", days=days),
                    _("The plan of %(store)s ends on %(date)s. Pay in the admin (Plan) to keep the store open.",
                      store=tenant.name, date=date), _("Plan ending"))
        if notice.kind == "grace":
            return (_("Your Kaidian plan has ended"),
                    _("The plan of %(store)s ended on %(date)s. The store stays open for a grace period; pay in "
                      "the admin (Plan) before it closes.", store=tenant.name, date=date), _("Plan ended"))
        return (_("Your store is closed to shoppers"),
                _("%(store)s is closed to shoppers and its admin is read-only. Pay in the admin (Plan) to reopen "
                  "it at once.", store=tenant.name), _("Store closed"))
