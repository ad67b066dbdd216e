"""What the tests of each SMS provider (Tencent Cloud, Alibaba Cloud) share: a fault injected into the
sandbox's emulation, the check that a refused send left no usable code and no customer, and a staff
notice sent to a store's contact phone."""

from __future__ import annotations

import requests
from sqlalchemy import select

from kaidian.customers.models import Customer, SmsCode
from kaidian.notifications import channels
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants

from .test_sms_login import MOBILE, api, rows


def fault(base_url: str, endpoint: str, code: str) -> None:
    requests.post(
        f"{base_url}/sandbox/faults", json={"endpoint": endpoint, "errmsg": code}, timeout=5
    ).raise_for_status()


def assert_refused_and_no_code_works(app, client, inbox, response):
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "sms_not_sent"
    assert inbox.messages(MOBILE) == []
    [unsent] = rows(app, SmsCode)
    assert unsent.used_at is not None  # never received, never usable
    for guess in ("000000", "123456"):
        assert api(client, "/api/store/login", {"mobile": MOBILE, "code": guess}).status_code == 400
    assert rows(app, Customer) == []


def staff_notice(app, alpha, monkeypatch, topic: str) -> dict:
    """A billing reminder through the SMS channel alone, to the store's contact phone 13700137000."""
    monkeypatch.setitem(app.config, "NOTIFY_CHANNELS", "sms")
    with app.app_context(), all_tenants():
        tenant = db.session.execute(select(Tenant).where(Tenant.id == alpha.tenant_id)).scalar_one()
        tenant.contact_phone = "13700137000"  # not committed: the channel only reads it
        outcomes = channels.send_all(tenant, "您的开店套餐将在7天后到期", "请在后台付款。", topic=topic)
        db.session.rollback()
    return outcomes
