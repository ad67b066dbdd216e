"""Orders and payments together, through WeChat Pay's sandbox: an order paid on the cashier page
becomes paid (the notification's ``payment.succeeded``), an after-sales refund reaches the shopper
(``refund.succeeded`` marks the line refunded and puts the stock back), and a payment for an order that
closed meanwhile is refunded by itself."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from kaidian.orders import tasks as order_tasks
from kaidian.orders.models import Order
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants
from tests.conftest import api_token
from tests.orders.helpers import Shopper, checkout_body, make_customer, product, sku_stock

from .helpers import recorded, wait_until


def order_status(app, order_id) -> str:
    with app.app_context(), all_tenants():
        value = db.session.execute(select(Order.status).where(Order.id == uuid.UUID(order_id))).scalar_one()
        db.session.remove()
    return value


def test_pay_on_the_cashier_then_an_after_sales_refund(app, client, sandbox, direct, alpha):
    _, sku = product(app, alpha.tenant_id, title="Tea", price=1200, stock=5)
    shopper = Shopper(app, alpha.slug, alpha.tenant_id, make_customer(app, alpha.tenant_id))
    order = shopper.post("/api/store/orders", checkout_body([(sku, 2)], total=2400)).get_json()
    page = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "native"}).get_json()
    assert page["code_url"]
    sandbox.pay(page)
    wait_until(lambda: order_status(app, order["id"]) == "paid")
    assert shopper.get(f"/api/store/orders/{order['id']}").get_json()["paid_fen"] == 2400

    asked = shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "refund_only", "reason": "one too many",
        "items": [{"line_id": order["lines"][0]["id"], "quantity": 1}]}).get_json()
    headers = api_token(client, alpha.login)
    assert client.post(f"/api/v1/after-sales/{asked['id']}/approve", json={}, headers=headers).status_code == 200
    wait_until(lambda: shopper.get(f"/api/store/after-sales/{asked['id']}").get_json()["status"] == "refunded")
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert (detail["refunded_fen"], detail["lines"][0]["refunded_quantity"]) == (1200, 1)
    assert sku_stock(app, sku) == 4  # 5 - 2 sold + 1 back (never shipped)
    [refunded] = recorded("refund.succeeded")
    assert (refunded["order_no"], refunded["customer_id"]) == (order["number"], str(shopper.customer_id))


def test_a_payment_for_an_order_closed_meanwhile_is_refunded(app, sandbox, direct, alpha):
    """The shopper paid, but the notification was lost; the payment window ends, the order closes
    (stock back) and closing at the provider finds the payment paid: ``payment.succeeded`` for a closed
    order, so the money goes back by itself and the timeline says so."""
    _, sku = product(app, alpha.tenant_id, price=900, stock=5)
    shopper = Shopper(app, alpha.slug, alpha.tenant_id, make_customer(app, alpha.tenant_id))
    order = shopper.post("/api/store/orders", checkout_body([(sku, 1)], total=900)).get_json()
    page = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "native"}).get_json()
    sandbox.fault("pay.notify", mode="lose")
    sandbox.pay(page)
    assert order_status(app, order["id"]) == "pending_payment"
    with app.app_context(), all_tenants():
        db.session.execute(update(Order).where(Order.id == uuid.UUID(order["id"]))
                           .values(pay_deadline=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        db.session.remove()
    with app.app_context():
        assert order_tasks.sweep_unpaid() == 1
    assert order_status(app, order["id"]) == "closed" and sku_stock(app, sku) == 5
    wait_until(lambda: recorded("refund.succeeded"))
    [refunded] = recorded("refund.succeeded")
    assert (refunded["reference_id"], refunded["amount_fen"]) == (order["id"], 900)
    actions = [event["action"] for event in shopper.get(f"/api/store/orders/{order['id']}").get_json()["timeline"]]
    assert actions[-3:] == ["close", "late_payment_refund", "refund_succeeded"]
    assert order_status(app, order["id"]) == "closed"
