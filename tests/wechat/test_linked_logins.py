"""A shopper who logged in by SMS first (a mobile-only customer) and then goes through the WeChat login
on the same store in the same browser ends as one customer (``customers/identities.py``,
``link_wechat``): the openid joins them when WeChat has no customer yet; the mobile-only customer is
merged into the WeChat one when that has no number; when it has another number the two stay apart,
nothing changes, and the shopper is told they are logged in with WeChat. Nothing crosses stores."""

from __future__ import annotations

import uuid

import pytest

from kaidian.customers.models import Customer
from kaidian.orders.models import CartLine
from kaidian.platform.extensions import db
from tests import factories
from tests.conftest import login
from tests.orders.helpers import product

from .helpers import SECOND_OA, SERVICE_OA, authorize, english, rows, shopper_login

ALPHA, BRAVO = "alpha.localhost", "bravo.localhost"
MOBILE, OTHER_MOBILE = "13800138000", "13900139000"


@pytest.fixture
def stores(app, sandbox, merchant, bravo):
    authorize(merchant, SERVICE_OA)
    other = app.test_client()
    login(other, bravo.login)
    authorize(other, SECOND_OA)


def mobile_only(app, store, mobile=MOBILE, host=ALPHA, session_store=None):
    """A browser logged in by SMS as a new mobile-only customer of ``store`` with one cart line; (browser,
    customer id). ``session_store``: the store the session names (another store's session on this host)."""
    _, sku = product(app, store.tenant_id, price=1000, stock=5)
    with factories.in_store(app, store.tenant_id):
        customer = Customer(mobile=mobile)
        db.session.add(customer)
        db.session.flush()
        db.session.add(CartLine(customer_id=customer.id, sku_id=uuid.UUID(sku), quantity=2))
        db.session.commit()
        customer_id = customer.id
    browser = english(app.test_client(), host)
    with browser.session_transaction(base_url=f"http://{host}") as session:
        session["kd_customer"] = {"tenant": str((session_store or store).tenant_id), "id": str(customer_id)}
    return browser, customer_id


def wechat_customer(app, store, user="alice", mobile=None, host=ALPHA) -> Customer:
    """``user``'s WeChat customer of ``store`` (logged in once on another phone), with ``mobile``."""
    shopper_login(app.test_client(), host, user)
    [customer] = [c for c in rows(app, Customer, tenant_id=store.tenant_id) if c.openid]
    if mobile:
        with factories.in_store(app, store.tenant_id):
            db.session.get(Customer, (store.tenant_id, customer.id)).mobile = mobile
            db.session.commit()
    return customer


def session_customer(browser, host=ALPHA) -> str:
    with browser.session_transaction(base_url=f"http://{host}") as session:
        return session["kd_customer"]["id"]


def identity(row: Customer) -> tuple:
    return row.id, row.authorizer_appid, row.openid, row.mobile, row.unionid, row.nickname


def cart_owners(app, store) -> set:
    return {line.customer_id for line in rows(app, CartLine, tenant_id=store.tenant_id)}


def test_a_wechat_user_without_a_customer_joins_the_mobile_login(app, stores, alpha):
    browser, mine = mobile_only(app, alpha)
    response = shopper_login(browser, ALPHA, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/member"
    [customer] = rows(app, Customer, tenant_id=alpha.tenant_id)
    assert (customer.id, customer.mobile, customer.authorizer_appid) == (mine, MOBILE, SERVICE_OA)
    assert customer.openid and customer.nickname == "小爱" and session_customer(browser) == str(mine)
    # the same WeChat user on another phone now reaches this customer
    shopper_login(app.test_client(), ALPHA, "alice")
    assert [c.id for c in rows(app, Customer, tenant_id=alpha.tenant_id)] == [mine]


def test_a_wechat_customer_without_a_number_takes_in_the_mobile_login(app, stores, alpha):
    wechat = wechat_customer(app, alpha)
    browser, mine = mobile_only(app, alpha)
    response = shopper_login(browser, ALPHA, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/member"
    [customer] = rows(app, Customer, tenant_id=alpha.tenant_id)  # the mobile-only customer merged in, removed
    assert (customer.id, customer.openid, customer.mobile) == (wechat.id, wechat.openid, MOBILE)
    assert cart_owners(app, alpha) == {wechat.id} and session_customer(browser) == str(wechat.id)


def test_a_wechat_customer_with_another_number_stays_apart_and_nothing_changes(app, stores, alpha):
    wechat = wechat_customer(app, alpha, mobile=OTHER_MOBILE)
    browser, mine = mobile_only(app, alpha)
    before = {row.id: identity(row) for row in rows(app, Customer, tenant_id=alpha.tenant_id)}
    response = shopper_login(browser, ALPHA, "alice")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "stay separate" in page and "139****9000" in page
    assert 'href="/member"' in page and response.headers["Cache-Control"].startswith("private")
    after = {row.id: identity(row) for row in rows(app, Customer, tenant_id=alpha.tenant_id)}
    assert after == before and set(after) == {wechat.id, mine}
    assert cart_owners(app, alpha) == {mine}
    assert session_customer(browser) == str(wechat.id)  # logged in as the WeChat one, as told


def test_another_stores_session_never_joins(app, stores, alpha, bravo):
    """A session naming alpha's mobile-only customer, met on bravo's host: bravo's WeChat login makes
    bravo's own customer and alpha's is untouched."""
    _, mine = mobile_only(app, alpha)
    before = [identity(row) for row in rows(app, Customer, tenant_id=alpha.tenant_id)]
    browser, _ = mobile_only(app, bravo, mobile=OTHER_MOBILE, host=BRAVO, session_store=alpha)
    with browser.session_transaction(base_url=f"http://{BRAVO}") as session:
        session["kd_customer"] = {"tenant": str(alpha.tenant_id), "id": str(mine)}  # alpha's, on bravo's host
    response = shopper_login(browser, BRAVO, "bob")
    assert response.status_code == 302
    assert [identity(row) for row in rows(app, Customer, tenant_id=alpha.tenant_id)] == before
    in_bravo = rows(app, Customer, tenant_id=bravo.tenant_id)
    [new] = [c for c in in_bravo if c.openid]
    assert new.mobile is None and new.authorizer_appid == SECOND_OA and len(in_bravo) == 2
    assert session_customer(browser, BRAVO) == str(new.id)


def test_a_wechat_login_over_a_wechat_session_changes_no_one(app, stores, alpha):
    """Only a mobile-only session joins: a WeChat customer's browser logging in as another WeChat user
    simply switches."""
    first = wechat_customer(app, alpha, "alice", mobile=MOBILE)
    browser = english(app.test_client(), ALPHA)
    with browser.session_transaction(base_url=f"http://{ALPHA}") as session:
        session["kd_customer"] = {"tenant": str(alpha.tenant_id), "id": str(first.id)}
    assert shopper_login(browser, ALPHA, "bob").status_code == 302
    customers = {row.nickname: row for row in rows(app, Customer, tenant_id=alpha.tenant_id)}
    assert customers["小爱"].mobile == MOBILE and customers["老包"].mobile is None
    assert session_customer(browser) == str(customers["老包"].id)
