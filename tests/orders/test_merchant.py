"""The merchant's side: freight templates and pickup points (API and the admin page), freight and
pickup at checkout, the order list, shipping, the price change (改价), remarks and cancelling."""

import uuid

import pytest
from sqlalchemy import select

from kaidian.catalog.models import Product
from kaidian.orders.models import FreightTemplate, Order, PickupPoint
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.conftest import api_token, csrf_token, login
from tests.orders.helpers import ADDRESS, checkout_body, count, product, sku_stock

PIECE = {"name": "Standard", "method": "piece", "is_default": True, "excluded_regions": ["54"], "areas": [
    {"regions": ["44"], "first_units": 1, "first_fen": 600, "extra_units": 1, "extra_fen": 200},
    {"regions": [], "first_units": 1, "first_fen": 1000, "extra_units": 1, "extra_fen": 500,
     "free_above_fen": 20000},
]}


@pytest.fixture
def headers(client, store):
    return {**api_token(client, store.login), "Accept-Language": "en"}


def test_freight_templates_price_the_checkout(app, client, store, shopper, headers):
    created = client.post("/api/v1/freight-templates", json=PIECE, headers=headers)
    assert created.status_code == 201, created.get_json()
    heavy = client.post("/api/v1/freight-templates", headers=headers, json={
        "name": "Heavy", "method": "weight",
        "areas": [{"first_units": 1000, "first_fen": 1500, "extra_units": 500, "extra_fen": 300}]}).get_json()
    _, mug = product(app, store.tenant_id, title="Mug", price=1990, stock=9)
    sofa_id, sofa = product(app, store.tenant_id, title="Sofa", price=5000, stock=9)
    assert client.patch(f"/api/v1/products/{sofa_id}", json={"freight_template_id": heavy["id"]},
                        headers=headers).status_code == 200
    with factories.in_store(app, store.tenant_id):
        from kaidian.catalog.models import Sku
        db.session.get(Sku, (store.tenant_id, uuid.UUID(sofa))).weight_grams = 1200
        db.session.commit()
    preview = shopper.post("/api/store/checkout/preview", checkout_body([(mug, 2)])).get_json()
    assert preview["freight_fen"] == 600 + 200  # Guangdong, by piece
    preview = shopper.post("/api/store/checkout/preview", checkout_body([(mug, 1), (sofa, 1)])).get_json()
    assert preview["freight_fen"] == 1500 + 300 + 200  # weight leads (1500 > 600); the mug adds its extra 200
    tibet = dict(ADDRESS, province_code="54", province="西藏", city_code="", district_code="")
    response = shopper.post("/api/store/orders", checkout_body([(mug, 1)], total=1990, address=tibet))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_delivered"
    assert count(app, Order) == 0 and sku_stock(app, mug) == 9
    preview = shopper.post("/api/store/checkout/preview", checkout_body([(mug, 1)], address=tibet)).get_json()
    assert preview["deliverable"] is False and preview["lines"][0]["deliverable"] is False


def test_pickup_orders_pay_no_freight(app, client, store, shopper, headers):
    client.post("/api/v1/freight-templates", json=PIECE, headers=headers)
    point = client.post("/api/v1/pickup-points", headers=headers,
                        json={"name": "Shop", "address": "1 Road", "hours": "9:00–21:00"}).get_json()
    assert shopper.get("/api/store/pickup-points").get_json()["pickup_points"][0]["hours"] == "9:00–21:00"
    _, mug = product(app, store.tenant_id, price=1990, stock=9)
    body = checkout_body([(mug, 1)], total=1990, delivery_method="pickup", address=None,
                         pickup_point_id=point["id"])
    order = shopper.post("/api/store/orders", body).get_json()
    assert (order["freight_fen"], order["pickup_point"]["name"], order["address"]) == (0, "Shop", None)
    body["pickup_point_id"], body["idempotency_key"] = str(uuid.uuid4()), "another-key"
    assert shopper.post("/api/store/orders", body).status_code == 404


@pytest.mark.parametrize("bad", [
    {**PIECE, "method": "volume"},
    {**PIECE, "areas": []},
    {**PIECE, "areas": [{**PIECE["areas"][0], "regions": ["4"]}]},
    {**PIECE, "areas": [PIECE["areas"][1], PIECE["areas"][1]]},  # two catch-all areas
    {**PIECE, "areas": [PIECE["areas"][0], PIECE["areas"][0]]},  # a region in two areas
    {**PIECE, "areas": [{**PIECE["areas"][0], "first_fen": -1}]},
    {**PIECE, "is_default": 1},
    {**PIECE, "name": " "},
])
def test_bad_templates_are_refused_and_change_nothing(app, client, store, headers, bad):
    response = client.post("/api/v1/freight-templates", json=bad, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert count(app, FreightTemplate) == 0


def test_one_default_template_and_edits(app, client, store, headers):
    first = client.post("/api/v1/freight-templates", json=PIECE, headers=headers).get_json()
    second = client.post("/api/v1/freight-templates", json={**PIECE, "name": "Other"}, headers=headers).get_json()
    listed = client.get("/api/v1/freight-templates", headers=headers).get_json()
    assert [(t["name"], t["is_default"]) for t in listed] == [("Other", True), ("Standard", False)]
    patched = client.patch(f"/api/v1/freight-templates/{first['id']}", json={"name": "Renamed"}, headers=headers)
    assert patched.get_json()["name"] == "Renamed" and patched.get_json()["excluded_regions"] == ["54"]
    assert client.delete(f"/api/v1/freight-templates/{second['id']}", headers=headers).status_code == 204
    assert count(app, FreightTemplate) == 1


def test_the_delivery_admin_page(app, client, store):
    login(client, store.login)
    token = csrf_token(client, "/admin/orders/delivery")
    client.post("/admin/orders/freight-templates", data={
        "csrf_token": token, "name": "By kilo", "method": "weight", "regions": "44, 31", "first_units": "1",
        "first_yuan": "8", "extra_units": "1", "extra_yuan": "2.5", "is_default": "on"})
    client.post("/admin/orders/pickup-points", data={"csrf_token": token, "name": "Shop", "address": "1 Road",
                                                     "hours": "9-21"})
    client.post("/admin/orders/pickup-points", data={"csrf_token": token, "name": "", "address": ""})
    with app.app_context(), all_tenants():
        template = db.session.execute(select(FreightTemplate)).scalar_one()
        assert template.areas[0]["first_units"] == 1000 and template.areas[0]["extra_fen"] == 250
        assert template.areas[0]["regions"] == ["44", "31"] and template.is_default
        assert [p.name for p in db.session.execute(select(PickupPoint)).scalars()] == ["Shop"]
        db.session.remove()
    page = client.get("/admin/orders/delivery").get_data(as_text=True)
    assert "By kilo" in page and "Shop" in page


def test_orders_list_ship_price_change_remark(app, client, store, shopper, headers, payments):
    _, mug = product(app, store.tenant_id, title="Mug", price=1990, stock=9)
    first = shopper.post("/api/store/orders", checkout_body([(mug, 1)], total=1990)).get_json()
    second = shopper.post("/api/store/orders", checkout_body([(mug, 2)], total=3980)).get_json()
    listed = client.get("/api/v1/orders?status=pending_payment", headers=headers)
    assert listed.headers["X-Total-Count"] == "2"
    assert client.get(f"/api/v1/orders?q={first['number']}", headers=headers).get_json()[0]["id"] == first["id"]
    assert client.get("/api/v1/orders?q=mug", headers=headers).headers["X-Total-Count"] == "2"
    assert client.get("/api/v1/orders?q=teapot", headers=headers).get_json() == []
    # 改价: the shopper pays the new total; the old amount would be refunded
    changed = client.post(f"/api/v1/orders/{first['id']}/price", json={"total_fen": 1500}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["total_fen"] == 1500
    assert changed.get_json()["adjust_fen"] == -490
    assert changed.get_json()["timeline"][-1]["action"] == "change_price"
    assert payments.named("close") == [{"reference_id": first["id"], "purpose": "order"}]
    assert shopper.get(f"/api/store/orders/{first['id']}").get_json()["total_fen"] == 1500
    # shipping needs a paid order, a known carrier and a tracking number
    assert client.post(f"/api/v1/orders/{first['id']}/ship", json={"carrier_code": "SF", "tracking_number": "SF1"},
                       headers=headers).status_code in (409, 422)
    with factories.in_store(app, store.tenant_id):
        from kaidian.orders import services
        services.apply_payment(uuid.UUID(first["id"]), payment_id="p1", amount_fen=1500, transaction_id="t")
    assert client.post(f"/api/v1/orders/{first['id']}/ship", json={"carrier_code": "XX", "tracking_number": "1234"},
                       headers=headers).status_code == 422
    assert client.post(f"/api/v1/orders/{first['id']}/ship", json={"carrier_code": "SF"},
                       headers=headers).status_code == 422
    shipped = client.post(f"/api/v1/orders/{first['id']}/ship", headers=headers,
                          json={"carrier_code": "SF", "tracking_number": "SF1234567"})
    assert shipped.status_code == 200 and shipped.get_json()["status"] == "shipped"
    assert client.post(f"/api/v1/orders/{first['id']}/price", json={"total_fen": 1},
                       headers=headers).status_code == 409
    remarked = client.post(f"/api/v1/orders/{second['id']}/remark", json={"remark": "VIP"}, headers=headers)
    assert remarked.get_json()["merchant_remark"] == "VIP"
    assert "merchant_remark" not in shopper.get(f"/api/store/orders/{second['id']}").get_json()
    cancelled = client.post(f"/api/v1/orders/{second['id']}/cancel", json={"reason": "out of stock"},
                            headers=headers)
    assert cancelled.get_json()["status"] == "cancelled" and sku_stock(app, mug) == 8
    assert cancelled.get_json()["timeline"][-1]["actor_kind"] == "staff"


def test_a_product_names_a_freight_template_only_through_the_catalog(app, client, store, headers):
    product_id, _ = product(app, store.tenant_id)
    assert client.patch(f"/api/v1/products/{product_id}", json={"freight_template_id": "nope"},
                        headers=headers).status_code == 422
    template = client.post("/api/v1/freight-templates", json=PIECE, headers=headers).get_json()
    body = client.patch(f"/api/v1/products/{product_id}", json={"freight_template_id": template["id"]},
                        headers=headers).get_json()
    assert body["freight_template_id"] == template["id"]
    with app.app_context(), all_tenants():
        assert db.session.execute(select(Product.freight_template_id)).scalar_one() == uuid.UUID(template["id"])
        db.session.remove()
