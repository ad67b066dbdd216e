"""Reminders through the notification channels (time-machine): each channel's outcome recorded on the
reminder; a failed channel retried by ``retry_failed_notices`` without sending again on the channels
that succeeded; the sweep run twice sends once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from kaidian.billing import tasks
from kaidian.billing.models import BillingNotice
from kaidian.customers import sms
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.billing.helpers import outbox, state, sweep

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PHONE = "13800138000"


@pytest.fixture
def store(app, make_store):
    with time_machine.travel(START, tick=False):
        made = make_store("alpha")
    with app.app_context(), tenant_context(made.tenant_id):
        db.session.get(Tenant, made.tenant_id).contact_phone = PHONE
        db.session.commit()
        db.session.remove()
    return made


@pytest.fixture
def texts(app, monkeypatch):
    """The SMS sender: records each text; raises while ``texts.down`` is set."""
    class Inbox(list):
        down = False

    inbox = Inbox()

    def sender(mobile, kind, params, text):
        if inbox.down:
            raise RuntimeError("SMS provider down")
        inbox.append((mobile, text))

    monkeypatch.setitem(sms._SENDERS, "test-inbox", sms.Sender(sender))
    monkeypatch.setitem(app.config, "SMS_SENDER", "test-inbox")
    return inbox


def notices(app, tenant_id) -> list[BillingNotice]:
    with app.app_context(), all_tenants():
        rows = list(db.session.execute(select(BillingNotice).where(BillingNotice.tenant_id == tenant_id)
                                       .order_by(BillingNotice.created_at)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def retry(app) -> None:
    with app.app_context():
        tasks.retry_failed_notices()
        db.session.remove()


def test_a_reminder_goes_out_on_every_channel_once_and_each_outcome_is_kept(app, store, texts):
    app.extensions.pop("kaidian_outbox", None)
    trial_end = state(app, store.tenant_id)["period_end"]
    with time_machine.travel(trial_end - timedelta(days=3), tick=False):
        sweep(app)
        sweep(app)  # twice: one reminder, one mail, one text
    [notice] = notices(app, store.tenant_id)
    assert (notice.kind, notice.status.value) == ("expiry_3", "sent")
    assert notice.deliveries == {"email": "sent", "sms": "sent", "wechat": "skipped: no official account"}
    [(to, subject, _body)] = outbox(app)
    assert to == store.login and "3" in subject
    [(mobile, text)] = texts
    assert mobile == PHONE and "3" in text


def test_a_failed_channel_is_retried_alone(app, store, texts):
    app.extensions.pop("kaidian_outbox", None)
    trial_end = state(app, store.tenant_id)["period_end"]
    texts.down = True
    with time_machine.travel(trial_end - timedelta(days=1), tick=False):
        sweep(app)
    [notice] = notices(app, store.tenant_id)
    assert notice.status.value == "failed" and notice.attempts == 1
    assert notice.deliveries["email"] == "sent" and notice.deliveries["sms"].startswith("failed: ")
    assert "SMS provider down" in notice.last_error
    retry(app)  # still down: the mail is not sent again
    assert len(outbox(app)) == 1 and notices(app, store.tenant_id)[0].attempts == 2
    texts.down = False
    retry(app)
    retry(app)  # nothing left to do
    [notice] = notices(app, store.tenant_id)
    assert notice.status.value == "sent" and notice.attempts == 3 and notice.last_error == ""
    assert notice.deliveries == {"email": "sent", "sms": "sent", "wechat": "skipped: no official account"}
    assert len(outbox(app)) == 1 and len(texts) == 1


def test_retries_stop_after_the_last_attempt(app, store, texts):
    trial_end = state(app, store.tenant_id)["period_end"]
    texts.down = True
    with time_machine.travel(trial_end - timedelta(days=7), tick=False):
        sweep(app)
    for _ in range(10):
        retry(app)
    [notice] = notices(app, store.tenant_id)
    assert notice.status.value == "failed" and notice.attempts == 5


def test_grace_and_expiry_notices_go_through_the_channels(app, store, texts):
    trial_end = state(app, store.tenant_id)["period_end"]
    with time_machine.travel(trial_end + timedelta(hours=1), tick=False):
        sweep(app)
    [notice] = notices(app, store.tenant_id)
    assert notice.kind == "expired" and notice.deliveries["sms"] == "sent"
    assert len(texts) == 1
