"""After-sales end to end, with payments standing in: the shopper asks for some lines, the merchant
approves or rejects, a return is sent back and received, the refund goes through payments and its
``refund.succeeded`` marks the lines refunded and puts the stock back."""

import uuid

import pytest

from kaidian.orders.models import AfterSale
from kaidian.platform import events
from kaidian.platform.extensions import db
from tests import factories
from tests.conftest import api_token
from tests.orders.helpers import Shopper, checkout_body, count, make_customer, product, sku_stock


@pytest.fixture
def headers(client, store):
    return {**api_token(client, store.login), "Accept-Language": "en"}


def paid_order(app, store, shopper, lines, total):
    order = shopper.post("/api/store/orders", checkout_body(lines, total=total)).get_json()
    with factories.in_store(app, store.tenant_id):
        events.publish("payment.succeeded", tenant_id=store.tenant_id, payment_id=f"pay-{order['id']}",
                       purpose="order", reference_id=order["id"], amount_fen=total, transaction_id="t")
        db.session.commit()
    return shopper.get(f"/api/store/orders/{order['id']}").get_json()


def refund_arrives(app, store, payments, succeeded=True):
    """Payments reports the refund it was asked for."""
    asked = payments.named("refund")[-1]
    with factories.in_store(app, store.tenant_id):
        events.publish("refund.succeeded" if succeeded else "refund.failed", tenant_id=store.tenant_id,
                       refund_id=f"refund-{asked['out_refund_no']}", purpose="order",
                       reference_id=asked["reference_id"], amount_fen=asked["amount_fen"])
        db.session.commit()


def test_refund_only_before_shipping_returns_the_stock_and_closes_a_fully_refunded_order(
        app, client, store, shopper, headers, payments):
    _, mug = product(app, store.tenant_id, title="Mug", price=1000, stock=10)
    _, cup = product(app, store.tenant_id, title="Cup", price=500, stock=10)
    order = paid_order(app, store, shopper, [(mug, 2), (cup, 1)], 2500)
    mug_line, cup_line = order["lines"][0]["id"], order["lines"][1]["id"]
    asked = shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "refund_only", "reason": "ordered too many", "items": [{"line_id": mug_line, "quantity": 1}]})
    assert asked.status_code == 201 and asked.get_json()["amount_fen"] == 1000
    approved = client.post(f"/api/v1/after-sales/{asked.get_json()['id']}/approve", json={}, headers=headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert payments.named("refund")[0]["amount_fen"] == 1000
    refund_arrives(app, store, payments)
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert detail["after_sales"][0]["status"] == "refunded" and detail["refunded_fen"] == 1000
    assert detail["lines"][0]["refunded_quantity"] == 1 and detail["status"] == "paid"
    assert sku_stock(app, mug) == 9  # never shipped: back on the shelf
    refund_arrives(app, store, payments)  # the same report again changes nothing
    assert sku_stock(app, mug) == 9
    rest = shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "refund_only", "reason": "all of it", "items": [{"line_id": mug_line, "quantity": 1},
                                                                {"line_id": cup_line, "quantity": 1}]}).get_json()
    assert rest["amount_fen"] == 1500  # the rest, freight (none here) included
    client.post(f"/api/v1/after-sales/{rest['id']}/approve", json={}, headers=headers)
    refund_arrives(app, store, payments)
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert detail["status"] == "closed" and detail["refunded_fen"] == 2500
    assert (sku_stock(app, mug), sku_stock(app, cup)) == (10, 10)


def test_return_and_refund_after_shipping(app, client, store, shopper, headers, payments):
    _, mug = product(app, store.tenant_id, title="Mug", price=1000, stock=10)
    order = paid_order(app, store, shopper, [(mug, 2)], 2000)
    line = order["lines"][0]["id"]
    asked = {"kind": "return_refund", "reason": "broken",
             "items": [{"line_id": line, "quantity": 1}]}
    assert shopper.post(f"/api/store/orders/{order['id']}/after-sales", asked).status_code == 422  # not shipped
    client.post(f"/api/v1/orders/{order['id']}/ship", json={"carrier_code": "ZTO", "tracking_number": "ZT12345"},
                headers=headers)
    request = shopper.post(f"/api/store/orders/{order['id']}/after-sales", asked).get_json()
    assert client.post(f"/api/v1/after-sales/{request['id']}/approve", json={},
                       headers=headers).status_code == 422  # no return address anywhere
    approved = client.post(f"/api/v1/after-sales/{request['id']}/approve", headers=headers,
                           json={"return_address": "Warehouse, 1 Road"}).get_json()
    assert approved["return_address"] == "Warehouse, 1 Road" and payments.named("refund") == []
    assert client.post(f"/api/v1/after-sales/{request['id']}/received", headers=headers).status_code == 409
    sent = shopper.post(f"/api/store/after-sales/{request['id']}/return", {"carrier": "SF", "tracking_number": "SF9"})
    assert sent.get_json()["status"] == "return_shipped"
    assert client.post(f"/api/v1/after-sales/{request['id']}/received", headers=headers).status_code == 200
    refund_arrives(app, store, payments, succeeded=False)
    assert client.get(f"/api/v1/after-sales/{request['id']}", headers=headers).get_json()["refunding"] is False
    client.post(f"/api/v1/after-sales/{request['id']}/retry-refund", headers=headers)
    refund_arrives(app, store, payments)
    assert shopper.get(f"/api/store/after-sales/{request['id']}").get_json()["status"] == "refunded"
    assert sku_stock(app, mug) == 9  # the returned unit is back
    timeline = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()["timeline"]
    assert [e["action"] for e in timeline][-7:] == ["after_sale_requested", "approve", "ship_return",
                                                    "refund_requested", "refund_failed", "refund_requested",
                                                    "refund"]


def test_rejected_with_a_reason_and_limits_on_what_can_be_asked(app, client, store, shopper, headers, payments):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    order = paid_order(app, store, shopper, [(mug, 2)], 2000)
    line = order["lines"][0]["id"]
    url = f"/api/store/orders/{order['id']}/after-sales"
    for bad in ({"kind": "refund_only", "reason": "x", "items": [{"line_id": line, "quantity": 3}]},
                {"kind": "refund_only", "reason": "x", "items": [{"line_id": str(uuid.uuid4()), "quantity": 1}]},
                {"kind": "refund_only", "reason": " ", "items": [{"line_id": line, "quantity": 1}]},
                {"kind": "swap", "reason": "x", "items": [{"line_id": line, "quantity": 1}]}):
        assert shopper.post(url, bad).status_code == 422, bad
    assert count(app, AfterSale) == 0
    first = shopper.post(url, {"kind": "refund_only", "reason": "x", "items": [{"line_id": line, "quantity": 2}]})
    assert shopper.post(url, {"kind": "refund_only", "reason": "x",
                              "items": [{"line_id": line, "quantity": 1}]}).status_code == 422  # all asked already
    rejected = client.post(f"/api/v1/after-sales/{first.get_json()['id']}/reject", json={"reason": "used"},
                           headers=headers).get_json()
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "used")
    assert client.post(f"/api/v1/after-sales/{rejected['id']}/approve", json={}, headers=headers).status_code == 409
    assert payments.named("refund") == []
    assert shopper.post(url, {"kind": "refund_only", "reason": "again",
                              "items": [{"line_id": line, "quantity": 1}]}).status_code == 201


def test_after_sales_of_unpaid_or_someone_elses_orders(app, store, shopper, payments):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    unpaid = shopper.post("/api/store/orders", checkout_body([(mug, 1)], total=1000)).get_json()
    body = {"kind": "refund_only", "reason": "x", "items": [{"line_id": unpaid["lines"][0]["id"], "quantity": 1}]}
    assert shopper.post(f"/api/store/orders/{unpaid['id']}/after-sales", body).status_code == 409
    paid = paid_order(app, store, shopper, [(mug, 1)], 1000)
    body["items"][0]["line_id"] = paid["lines"][0]["id"]
    mine = shopper.post(f"/api/store/orders/{paid['id']}/after-sales", body).get_json()
    neighbour = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
    assert neighbour.post(f"/api/store/orders/{paid['id']}/after-sales", body).status_code == 404
    assert neighbour.get(f"/api/store/after-sales/{mine['id']}").status_code == 404
    assert neighbour.post(f"/api/store/after-sales/{mine['id']}/return",
                          {"carrier": "SF", "tracking_number": "1"}).status_code == 404
    assert count(app, AfterSale) == 1


def test_paying_goes_through_payments_for_the_shoppers_own_unpaid_order(app, store, shopper, payments):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    order = shopper.post("/api/store/orders", checkout_body([(mug, 1)], total=1000)).get_json()
    response = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "native"})
    assert response.status_code == 200 and response.get_json() == {"code_url": "weixin://wxpay/bizpayurl?pr=fake"}
    started = payments.named("start")[0]
    assert (started["purpose"], started["reference_id"], started["amount_fen"], started["channel"]) == (
        "order", order["id"], 1000, "native")
    assert shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "alipay"}).status_code == 422
    neighbour = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
    assert neighbour.post(f"/api/store/orders/{order['id']}/pay", {"channel": "native"}).status_code == 404
    shopper.post(f"/api/store/orders/{order['id']}/cancel")
    assert shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "native"}).status_code == 409
    assert len(payments.named("start")) == 1
