"""Helpers of the orders tests: shoppers logged in on a store's site, products with stock, a fake
payments service that records what orders asked of it, and reading rows across the walls."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import factories

CUSTOMER_SESSION_KEY = "kd_customer"


def make_customer(app, tenant_id, openid: str | None = None) -> uuid.UUID:
    from kaidian.customers.models import Customer

    with factories.in_store(app, tenant_id):
        customer = Customer(authorizer_appid="wxorderstest0001", openid=openid or uuid.uuid4().hex)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def session_cookie(app, tenant_id, customer_id) -> str:
    """The signed session cookie of a logged-in customer (for clients that are not Flask's)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({CUSTOMER_SESSION_KEY: {"tenant": str(tenant_id), "id": str(customer_id)}})


class Shopper:
    """A browser on a store's site: ``get``/``post``/``patch``/``delete`` JSON with the CSRF token."""

    def __init__(self, app, slug: str, tenant_id, customer_id=None):
        self.app, self.tenant_id, self.customer_id = app, tenant_id, customer_id
        self.client = app.test_client()
        self.base = f"http://{slug}.localhost"
        self._csrf = None
        if customer_id is not None:
            self.log_in(customer_id)

    def log_in(self, customer_id) -> None:
        self.customer_id = customer_id
        with self.client.session_transaction(base_url=self.base) as session:
            session[CUSTOMER_SESSION_KEY] = {"tenant": str(self.tenant_id), "id": str(customer_id)}
        self._csrf = None

    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = self.client.get("/api/store/cart/count", base_url=self.base).get_json()["csrf_token"]
        return self._csrf

    def get(self, path, **kwargs):
        return self.client.get(path, base_url=self.base, headers={"Accept-Language": "en"}, **kwargs)

    def _write(self, method, path, json=None, csrf=True):
        headers = {"Accept-Language": "en"}
        if csrf:
            headers["X-CSRFToken"] = self.csrf()
        return self.client.open(path, method=method, base_url=self.base, json=json, headers=headers)

    def post(self, path, json=None, **kwargs):
        return self._write("POST", path, json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self._write("PATCH", path, json, **kwargs)

    def delete(self, path, json=None, **kwargs):
        return self._write("DELETE", path, json, **kwargs)


ADDRESS = {"name": "张三", "mobile": "13800138000", "province_code": "44", "province": "广东省",
           "city_code": "4403", "city": "深圳市", "district_code": "440305", "district": "南山区",
           "detail": "科技园 1 号"}


def checkout_body(lines, *, total=None, key=None, source="buy_now", **extra) -> dict:
    body = {"lines": [{"sku_id": str(sku), "quantity": q} for sku, q in lines], "source": source,
            "delivery_method": "express", "address": ADDRESS, "note": ""}
    body.update(extra)
    if total is not None:
        body["expected_total_fen"] = total
        body["idempotency_key"] = key or uuid.uuid4().hex
    return body


def product(app, tenant_id, title="Mug", price=1990, stock=5, **fields) -> tuple[str, str]:
    """(product id, its SKU id) of a simple product on sale."""
    from kaidian.catalog.models import Product

    product_id = factories.product_from(app, tenant_id, factories.simple(title, price=price, stock=stock,
                                                                          **{"status": "on_sale", **fields}))
    with factories.in_store(app, tenant_id):
        sku_id = db.session.get(Product, (tenant_id, uuid.UUID(str(product_id)))).skus[0].id
    return str(product_id), str(sku_id)


def sku_stock(app, sku_id) -> int:
    from kaidian.catalog.models import Sku

    with app.app_context(), all_tenants():
        value = db.session.execute(select(Sku.stock).where(Sku.id == uuid.UUID(str(sku_id)))).scalar_one()
        db.session.remove()
    return value


def count(app, model, *conditions) -> int:
    with app.app_context(), all_tenants():
        value = db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar()
        db.session.remove()
    return value


class FakePayments:
    """Stands in for ``kaidian.payments.services``: records each call."""

    def __init__(self):
        self.calls = []

    def start_payment(self, **kwargs):
        self.calls.append(("start", kwargs))
        return {"code_url": "weixin://wxpay/bizpayurl?pr=fake"}

    def offered_channels(self, user_agent, shopper_appid=None):
        """Every channel of the browser's context, as if the store had set up every provider."""
        from kaidian.payments import channels

        return channels.offered(channels.context_of(user_agent), {"wechatpay", "alipay"})

    def shopper_context(self, user_agent):
        from kaidian.payments import channels

        return channels.context_of(user_agent)

    def close_payment(self, reference_id, purpose):
        self.calls.append(("close", {"reference_id": reference_id, "purpose": purpose}))

    def refund(self, **kwargs):
        self.calls.append(("refund", kwargs))
        return {"refund_id": f"refund-{kwargs['out_refund_no']}"}

    def named(self, kind):
        return [kwargs for name, kwargs in self.calls if name == kind]


def seed_order_ids(tenant) -> dict:
    """One of each orders row a merchant URL can name (for the cross-tenant walker), made through the
    services: a freight template, a pickup point, a paid order and an after-sales request on it. Call
    inside the store's tenant context."""
    from kaidian.customers.models import Customer
    from kaidian.orders import aftersales, checkout, delivery, services

    template = delivery.create_template({"name": "Std", "method": "piece", "areas": [
        {"first_units": 1, "first_fen": 500, "extra_units": 1, "extra_fen": 100}], "is_default": True})
    point = delivery.create_pickup_point({"name": "Shop", "address": "1 Road", "hours": "9-21"})
    customer = Customer(authorizer_appid="wxorderstest0001", openid=uuid.uuid4().hex)
    db.session.add(customer)
    product = factories.create_product(tenant, factories.simple("Orderable", price=1000, stock=5, status="on_sale"))
    db.session.commit()
    sku_id = product.skus[0].id
    order, _ = checkout.place(customer.id, checkout_body([(sku_id, 1)], total=1500))
    services.apply_payment(order.id, payment_id=f"pay-{order.number}", amount_fen=1500, transaction_id="t")
    line_id = order.lines[0].id
    after_sale = aftersales.request(customer.id, order.id, {"kind": "refund_only", "reason": "x",
                                                            "items": [{"line_id": str(line_id), "quantity": 1}]})
    return {"freight_template_id": template.id, "pickup_point_id": point.id, "order_id": order.id,
            "after_sale_id": after_sale.id, "index": 0}  # index: an after-sales photo's position
