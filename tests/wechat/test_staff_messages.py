"""The ``wechat`` notification channel: a billing reminder reaches the merchant as a template message
from the store's official account (over HTTP to the sandbox) when the merchant's openid is known — the
store's customer whose mobile is the store's contact phone — and is skipped, for good, otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from kaidian.billing import tasks
from kaidian.billing.models import BillingNotice, Subscription
from kaidian.customers.models import Customer
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import tenant_context
from kaidian.wechat.template_models import MessageStatus, TemplateMessage

from .helpers import SERVICE_OA, authorize, rows, shopper_login

ALPHA = "alpha.localhost"
PHONE = "13800138000"


@pytest.fixture
def shopper(app, sandbox, merchant, alpha) -> Customer:
    authorize(merchant, SERVICE_OA)
    shopper_login(app.test_client(), ALPHA, "alice")
    [row] = rows(app, Customer)
    return row


def set_phones(app, tenant_id, contact: str, customer_mobile: str | None, customer_id) -> None:
    with app.app_context(), tenant_context(tenant_id):
        db.session.get(Tenant, tenant_id).contact_phone = contact
        db.session.get(Customer, (tenant_id, customer_id)).mobile = customer_mobile
        db.session.commit()
        db.session.remove()


def remind(app, tenant_id) -> BillingNotice:
    """Run the expiry sweep seven days before the trial ends (twice); the one reminder it made."""
    with app.app_context():
        with tenant_context(tenant_id):
            end = db.session.execute(db.select(Subscription.period_end)).scalar_one()
        db.session.remove()
        tasks.expiry_sweep(now=end - timedelta(days=7))
        tasks.expiry_sweep(now=end - timedelta(days=7))
        db.session.remove()
    [notice] = rows(app, BillingNotice, tenant_id=tenant_id)
    return notice


def test_the_merchant_gets_the_reminder_as_a_template_message(app, sandbox, shopper, alpha):
    set_phones(app, alpha.tenant_id, PHONE, PHONE, shopper.id)
    notice = remind(app, alpha.tenant_id)
    assert notice.status.value == "sent" and notice.deliveries["wechat"].startswith("queued: ")
    [message] = rows(app, TemplateMessage, kind="staff_notice")
    assert (message.status, message.openid, message.appid) == (MessageStatus.SENT, shopper.openid, SERVICE_OA)
    assert notice.deliveries["wechat"] == f"queued: {message.id}"
    sent = requests.get(f"{sandbox.base_url}/sandbox/template_messages", params={"openid": shopper.openid},
                        timeout=10).json()["messages"]
    [delivered] = sent
    assert "7" in delivered["data"]["first"]["value"] and "Alpha" in delivered["data"]["keyword1"]["value"]


def test_without_a_known_openid_the_channel_is_skipped_for_good(app, sandbox, shopper, alpha):
    set_phones(app, alpha.tenant_id, PHONE, None, shopper.id)  # the shopper is not the contact phone's owner
    notice = remind(app, alpha.tenant_id)
    assert notice.status.value == "sent" and notice.deliveries["wechat"] == "skipped: merchant's openid unknown"
    assert rows(app, TemplateMessage) == [] and sandbox.count("message_template_send") == 0
