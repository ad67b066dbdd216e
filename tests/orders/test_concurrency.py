"""Overselling and deadlocks under real concurrency: the app served over HTTP on loopback
(threaded), PostgreSQL as the application role, shoppers as threads with their own sessions."""

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from kaidian.catalog.models import StockMovement
from kaidian.orders.models import Order, OrderLine
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox.testing import run_wsgi_in_thread
from tests.orders.helpers import checkout_body, count, make_customer, product, session_cookie, sku_stock


@pytest.fixture
def served(app, backend):
    if backend.kind != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    url, stop = run_wsgi_in_thread(app)
    yield url
    stop()


class HttpShopper:
    """A phone: its own cookies, the CSRF token from the cart badge, the store's Host header."""

    def __init__(self, app, url, store, customer_id):
        self.url, self.http = url, requests.Session()
        self.http.headers["Host"] = f"{store.slug}.localhost"
        self.http.cookies.set("session", session_cookie(app, store.tenant_id, customer_id))
        badge = self.http.get(f"{url}/api/store/cart/count", timeout=30)
        assert badge.status_code == 200, badge.text
        self.http.headers["X-CSRFToken"] = badge.json()["csrf_token"]
        # the session now holds the CSRF secret; its cookie is scoped to the store's host, not the loopback URL
        self.http.cookies.set("session", re.search(r"session=([^;]+)", badge.headers["Set-Cookie"])[1])

    def place(self, body):
        return self.http.post(f"{self.url}/api/store/orders", json=body, timeout=60)


def _shoppers(app, served, store, n):
    return [HttpShopper(app, served, store, make_customer(app, store.tenant_id)) for _ in range(n)]


def _together(tasks):
    """Run the callables at once (a barrier releases them together); their results in order."""
    barrier = threading.Barrier(len(tasks))

    def run(task):
        barrier.wait(timeout=30)
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def test_fifty_buyers_for_the_last_ten_units_make_exactly_ten_orders(app, store, served):
    _, sku = product(app, store.tenant_id, price=990, stock=10)
    buyers = _shoppers(app, served, store, 50)
    responses = _together([lambda b=b: b.place(checkout_body([(sku, 1)], total=990)) for b in buyers])
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 10 + [409] * 40, codes
    refused = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert refused <= {"insufficient_stock", "lines_unavailable"}
    assert sku_stock(app, sku) == 0
    assert count(app, Order) == 10
    with app.app_context(), all_tenants():
        sold = db.session.execute(select(func.sum(OrderLine.quantity))).scalar()
        ledger = db.session.execute(select(func.sum(StockMovement.delta))
                                    .where(StockMovement.sku_id == uuid.UUID(sku))).scalar()
        db.session.remove()
    assert sold == 10 and ledger == 0  # +10 initial, ten times -1


def test_two_multi_sku_orders_in_opposite_order_never_deadlock(app, store, served):
    _, a = product(app, store.tenant_id, title="A", price=100, stock=100)
    _, b = product(app, store.tenant_id, title="B", price=100, stock=100)
    _, c = product(app, store.tenant_id, title="C", price=100, stock=100)
    buyers = _shoppers(app, served, store, 12)
    orders = [[(a, 1), (b, 1), (c, 1)], [(c, 1), (b, 1), (a, 1)]]
    for _ in range(3):
        responses = _together([lambda i=i, s=s: s.place(checkout_body(orders[i % 2], total=300))
                               for i, s in enumerate(buyers)])
        assert [r.status_code for r in responses] == [201] * 12, [r.text[:200] for r in responses]
    assert (sku_stock(app, a), sku_stock(app, b), sku_stock(app, c)) == (64, 64, 64)


def test_a_double_submit_at_the_same_moment_makes_one_order(app, store, served):
    _, sku = product(app, store.tenant_id, price=990, stock=10)
    customer_id = make_customer(app, store.tenant_id)
    taps = [HttpShopper(app, served, store, customer_id) for _ in range(4)]  # four tabs, one customer
    body = checkout_body([(sku, 2)], total=1980, key="same-checkout-page")
    responses = _together([lambda t=t: t.place(body) for t in taps])
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert count(app, Order) == 1 and sku_stock(app, sku) == 8
