"""Orders and notifications end to end: a shopper who logged in with WeChat places an order through the
store API; its payment sends the "paid" template message with the store account's token and notifies
the staff (bell, email); shipping sends "shipped" with the carrier's name; a broken WeChat never
changes what happened to the order."""

from __future__ import annotations

import uuid

import pytest
import requests

from kaidian.customers.models import Customer
from kaidian.notifications.models import Notification
from kaidian.orders import paying, services
from kaidian.platform import events
from kaidian.platform.extensions import db
from kaidian.wechat.template_models import MessageStatus, TemplateMessage
from tests import factories
from tests.orders.helpers import FakePayments, Shopper, checkout_body, product

from .helpers import SERVICE_OA, authorize, rows, shopper_login

ALPHA = "alpha.localhost"


@pytest.fixture
def shopper(app, sandbox, merchant, alpha, monkeypatch):
    monkeypatch.setattr(paying, "_payments", lambda: FakePayments())
    authorize(merchant, SERVICE_OA)
    shopper_login(app.test_client(), ALPHA, "alice")
    [customer] = rows(app, Customer)
    return Shopper(app, alpha.slug, alpha.tenant_id, customer.id), customer


def place_and_pay(app, alpha, shopper) -> tuple[str, str]:
    _, sku = product(app, alpha.tenant_id, title="连衣裙", price=12800, stock=5)
    response = shopper.post("/api/store/orders", checkout_body([(sku, 1)], total=12800))
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    with factories.in_store(app, alpha.tenant_id):
        events.publish("payment.succeeded", tenant_id=alpha.tenant_id, payment_id=uuid.uuid4().hex, purpose="order",
                       reference_id=order["id"], amount_fen=12800, transaction_id="420000TEST")
        db.session.commit()
    return order["id"], order["number"]


def sent(sandbox, openid):
    return requests.get(f"{sandbox.base_url}/sandbox/template_messages", params={"openid": openid},
                        timeout=10).json()["messages"]


def test_a_paid_then_shipped_order_messages_the_shopper_and_notifies_the_staff(app, sandbox, alpha, shopper):
    client, customer = shopper
    order_id, number = place_and_pay(app, alpha, client)
    [paid] = sent(sandbox, customer.openid)
    assert paid["title"] == "订单支付成功" and paid["appid"] == SERVICE_OA
    assert [paid["data"][k]["value"] for k in ("keyword1", "keyword2", "keyword3")] == [number, "连衣裙", "¥128.00"]
    assert paid["url"] == f"http://alpha.localhost/orders/{order_id}"
    [notice] = rows(app, Notification)
    assert notice.params["order_no"] == number and notice.deliveries["email"] == "sent"

    with factories.in_store(app, alpha.tenant_id):
        services.ship(uuid.UUID(order_id), {"carrier_code": "ZTO", "tracking_number": "7531000001"}, alpha.owner_id)
    shipped = sent(sandbox, customer.openid)[0]
    assert shipped["title"] == "订单发货提醒"
    assert [shipped["data"][k]["value"] for k in ("keyword2", "keyword3")] == ["中通快递", "7531000001"]
    assert {(m.kind, m.reference, m.status) for m in rows(app, TemplateMessage)} == {
        ("paid", order_id, MessageStatus.SENT), ("shipped", order_id, MessageStatus.SENT)}


def test_an_unreachable_wechat_leaves_the_order_paid(app, sandbox, alpha, shopper, monkeypatch):
    client, customer = shopper
    monkeypatch.setitem(app.config, "JOBS_RAISE", False)  # as under RQ: a failing job is the worker's
    sandbox.fault("message_template_send", errcode=-1, count=3)
    order_id, _ = place_and_pay(app, alpha, client)
    assert client.get(f"/api/store/orders/{order_id}").get_json()["status"] == "paid"
    [message] = rows(app, TemplateMessage)
    assert (message.status, message.errcode) == (MessageStatus.QUEUED, -1)
    assert len(rows(app, Notification)) == 1
