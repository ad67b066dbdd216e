"""The order state machine: legal steps recorded on the timeline and announced, illegal ones refused
with nothing changed; the payment window closing unpaid orders (stock back, payment closed);
payments applied once, refunded when they come late or for the wrong amount; receipt and
automatic completion."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kaidian.orders import services, states, tasks
from kaidian.orders.errors import IllegalTransition
from kaidian.orders.models import Order, OrderEvent
from kaidian.platform import events
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.orders.helpers import checkout_body, product, sku_stock


@pytest.fixture
def announced(monkeypatch):
    """The domain events published (and committed), in order."""
    class Seen(list):
        payloads: dict

    seen = Seen()
    original = events._deliver

    def deliver(app, event):
        seen.append(event.name)
        payloads.setdefault(event.name, []).append(event.payload)
        original(app, event)

    payloads: dict = {}
    monkeypatch.setattr(events, "_deliver", deliver)
    seen.payloads = payloads
    return seen


def place(shopper, sku, quantity=1, total=1990):
    response = shopper.post("/api/store/orders", checkout_body([(sku, quantity)], total=total))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def status(app, order_id) -> str:
    with app.app_context(), all_tenants():
        value = db.session.execute(select(Order.status).where(Order.id == uuid.UUID(order_id))).scalar_one()
        db.session.remove()
    return value


def pay(app, store, order_id, amount=1990, payment_id=None):
    """What the payments domain announces when a payment succeeds."""
    with factories.in_store(app, store.tenant_id):
        events.publish("payment.succeeded", tenant_id=store.tenant_id, payment_id=payment_id or uuid.uuid4().hex,
                       purpose="order", reference_id=order_id, amount_fen=amount, transaction_id="420000TEST")
        db.session.commit()


def expire(app, order_id, minutes=1):
    with app.app_context(), all_tenants():
        db.session.execute(update(Order).where(Order.id == uuid.UUID(order_id))
                           .values(pay_deadline=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()
        db.session.remove()


def timeline(app, order_id):
    with app.app_context(), all_tenants():
        rows = db.session.execute(select(OrderEvent.action, OrderEvent.from_status, OrderEvent.to_status,
                                         OrderEvent.actor_kind).where(OrderEvent.order_id == uuid.UUID(order_id))
                                  .order_by(OrderEvent.created_at, OrderEvent.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_paid_shipped_completed_each_recorded_and_announced(app, store, shopper, announced):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    pay(app, store, order_id)
    assert status(app, order_id) == "paid"
    with factories.in_store(app, store.tenant_id):
        services.ship(uuid.UUID(order_id), {"carrier_code": "SF", "tracking_number": "SF1234567"}, store.owner_id)
    body = shopper.post(f"/api/store/orders/{order_id}/confirm-receipt").get_json()
    assert body["status"] == "completed" and body["carrier"] == "SF"
    assert timeline(app, order_id) == [("place", "", "pending_payment", "customer"),
                                       ("pay", "pending_payment", "paid", "system"),
                                       ("ship", "paid", "shipped", "staff"),
                                       ("complete", "shipped", "completed", "customer")]
    assert [n for n in announced if n.startswith("order.")] == ["order.placed", "order.paid", "order.shipped",
                                                                "order.completed"]
    number = body["number"]
    paid, shipped = announced.payloads["order.paid"][0], announced.payloads["order.shipped"][0]
    assert (paid["order_id"], paid["order_no"], paid["amount_fen"], paid["summary"]) == (order_id, number, 1990, "Mug")
    assert paid["customer_id"] == str(shopper.customer_id)
    assert (shipped["carrier_code"], shipped["tracking_no"], shipped["order_no"]) == ("SF", "SF1234567", number)


@pytest.mark.parametrize(("start", "action", "actor"), [
    ("pending_payment", "ship", states.STAFF),
    ("pending_payment", "complete", states.CUSTOMER),
    ("pending_payment", "pay", states.CUSTOMER),  # only the payment's own event pays
    ("paid", "cancel", states.CUSTOMER),
    ("paid", "close", states.SYSTEM),
    ("shipped", "ship", states.STAFF),
    ("completed", "cancel", states.STAFF),
    ("cancelled", "pay", states.SYSTEM),
    ("closed", "ship", states.STAFF),
])
def test_illegal_transitions_are_refused_and_change_nothing(app, store, shopper, start, action, actor):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    with app.app_context(), all_tenants():
        db.session.execute(update(Order).where(Order.id == uuid.UUID(order_id)).values(status=start))
        db.session.commit()
    before = timeline(app, order_id)
    with factories.in_store(app, store.tenant_id):
        order = services.lock_order(uuid.UUID(order_id))
        with pytest.raises(IllegalTransition) as refused:
            states.transition(order, action, actor_kind=actor)
        assert refused.value.status == 409 and refused.value.status_from == start
        db.session.rollback()
    assert status(app, order_id) == start and timeline(app, order_id) == before


def test_the_shopper_cannot_cancel_a_paid_order_or_confirm_an_unshipped_one(app, store, shopper):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    assert shopper.post(f"/api/store/orders/{order_id}/confirm-receipt").status_code == 409
    pay(app, store, order_id)
    response = shopper.post(f"/api/store/orders/{order_id}/cancel")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "illegal_transition"
    assert status(app, order_id) == "paid" and sku_stock(app, sku) == 4


def test_cancelling_returns_stock_and_closes_the_payment(app, store, shopper, payments, announced):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku, 2, 3980)
    assert sku_stock(app, sku) == 3
    assert shopper.post(f"/api/store/orders/{order_id}/cancel").get_json()["status"] == "cancelled"
    assert sku_stock(app, sku) == 5
    assert payments.named("close") == [{"reference_id": order_id, "purpose": "order"}]
    assert "order.cancelled" in announced


def test_the_payment_window_closes_unpaid_orders_and_returns_their_stock(app, store, shopper, payments):
    _, sku = product(app, store.tenant_id, stock=5)
    due, fresh = place(shopper, sku, 2, 3980), place(shopper, sku, 1)
    assert sku_stock(app, sku) == 2
    expire(app, due)
    with app.app_context():
        assert tasks.sweep_unpaid() == 1
        assert tasks.sweep_unpaid() == 0  # idempotent
    assert (status(app, due), status(app, fresh)) == ("closed", "pending_payment")
    assert sku_stock(app, sku) == 4
    assert payments.named("close") == [{"reference_id": due, "purpose": "order"}]
    assert timeline(app, due)[-1] == ("close", "pending_payment", "closed", "system")


def test_a_payment_for_a_closed_order_is_refunded_and_recorded(app, store, shopper, payments):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    expire(app, order_id)
    with app.app_context():
        tasks.sweep_unpaid()
    pay(app, store, order_id, payment_id="pay-late")
    pay(app, store, order_id, payment_id="pay-late")  # the same notification again: one refund
    assert status(app, order_id) == "closed" and sku_stock(app, sku) == 5
    number = shopper.get(f"/api/store/orders/{order_id}").get_json()["number"]
    assert payments.named("refund") == [{"purpose": "order", "reference_id": order_id, "amount_fen": 1990,
                                         "reason": "order closed before payment", "out_refund_no": "Rpay-late",
                                         "metadata": {"customer_id": str(shopper.customer_id), "order_no": number}}]
    assert timeline(app, order_id)[-1][0] == "late_payment_refund"


def test_a_payment_of_the_wrong_amount_never_marks_the_order_paid(app, store, shopper, payments):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    pay(app, store, order_id, amount=1, payment_id="pay-short")
    assert status(app, order_id) == "pending_payment"
    assert [r["amount_fen"] for r in payments.named("refund")] == [1]
    pay(app, store, order_id, payment_id="pay-ok")
    pay(app, store, order_id, payment_id="pay-ok")  # applied once
    assert status(app, order_id) == "paid"
    assert [a for a, *_ in timeline(app, order_id)] == ["place", "payment_mismatch", "pay"]


def test_a_payment_for_another_purpose_or_unknown_order_is_ignored(app, store, shopper, payments):
    _, sku = product(app, store.tenant_id, stock=5)
    order_id = place(shopper, sku)
    with factories.in_store(app, store.tenant_id):
        events.publish("payment.succeeded", tenant_id=store.tenant_id, payment_id="x", purpose="subscription",
                       reference_id=order_id, amount_fen=1990, transaction_id="t")
        events.publish("payment.succeeded", tenant_id=store.tenant_id, payment_id="y", purpose="order",
                       reference_id=str(uuid.uuid4()), amount_fen=1990, transaction_id="t")
        db.session.commit()
    assert status(app, order_id) == "pending_payment" and payments.calls == []


def test_shipped_orders_complete_by_themselves_after_the_stores_days(app, store, shopper):
    _, sku = product(app, store.tenant_id, stock=5)
    old, recent = place(shopper, sku), place(shopper, sku)
    for order_id in (old, recent):
        pay(app, store, order_id)
        with factories.in_store(app, store.tenant_id):
            services.ship(uuid.UUID(order_id), {"carrier_code": "SF", "tracking_number": "SF0001"}, None)
    with app.app_context(), all_tenants():
        db.session.execute(update(Order).where(Order.id == uuid.UUID(old))
                           .values(shipped_at=utcnow() - timedelta(days=11)))
        db.session.commit()
    with app.app_context():
        assert tasks.sweep_shipped() == 1
    assert (status(app, old), status(app, recent)) == ("completed", "shipped")
    assert timeline(app, old)[-1] == ("complete", "shipped", "completed", "system")
