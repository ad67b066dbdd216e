"""One person, one customer per store (``customers/identities.py``): a WeChat customer who proves a
mobile number (binding it in the customer centre, or logging in with it while logged in with WeChat)
keeps one cart, address book and order history, and the number later logs in to that same customer; a
mobile-only customer holding the number is merged in; another WeChat user's number is refused and
nothing changes; nothing crosses stores."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kaidian.customers.models import Address, Customer, SmsCode
from kaidian.orders.models import AfterSale, CartLine, Order
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.conftest import CSRF_RE
from tests.orders.helpers import ADDRESS, Shopper, checkout_body, product

MOBILE = "13800138000"


def forget_number_limit(app):
    from kaidian.platform.extensions import limiter

    with app.app_context():
        limiter.reset()


def customer_row(app, tenant_id, **where) -> Customer | None:
    with app.app_context(), all_tenants():
        row = db.session.execute(select(Customer).filter_by(tenant_id=tenant_id, **where)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def rows_of(app, model, **where) -> list:
    with app.app_context(), all_tenants():
        found = list(db.session.execute(select(model).filter_by(**where)).scalars())
        for row in found:
            db.session.expunge(row)
        db.session.remove()
    return found


def wechat_customer(app, store, openid=None) -> Shopper:
    with factories.in_store(app, store.tenant_id):
        customer = Customer(authorizer_appid="wxlinked000000001", openid=openid or uuid.uuid4().hex, nickname="阿花")
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
    return english(Shopper(app, store.slug, store.tenant_id, customer_id))


def english(shopper: Shopper) -> Shopper:
    shopper.client.set_cookie("lang", "en", domain=shopper.base.removeprefix("http://"))
    return shopper


def code_for(app, shopper: Shopper, inbox, mobile=MOBILE) -> str:
    forget_number_limit(app)
    assert shopper.post("/api/store/login/code", {"mobile": mobile}).status_code == 204
    return inbox.last_code(mobile)


def sms_login(app, store, inbox, mobile=MOBILE) -> Shopper:
    """A fresh browser logging in with the number (on a computer, say)."""
    shopper = english(Shopper(app, store.slug, store.tenant_id))
    code = code_for(app, shopper, inbox, mobile)
    response = shopper.post("/api/store/login", {"mobile": mobile, "code": code})
    assert response.status_code == 200, response.get_json()
    shopper.customer_id = uuid.UUID(response.get_json()["id"])
    return shopper


def fill(app, store, shopper, *, price=1000) -> dict:
    """A cart line, an address and an order for ``shopper``; their ids."""
    _, sku = product(app, store.tenant_id, price=price, stock=20)
    assert shopper.post("/api/store/cart", {"sku_id": sku, "quantity": 2}).status_code == 200
    address = {k: v for k, v in ADDRESS.items() if not k.endswith(("province", "city", "district"))}
    created = shopper.post("/api/store/addresses", {**{"recipient": address.pop("name")}, **address})
    assert created.status_code == 201, created.get_json()
    order = shopper.post("/api/store/orders", checkout_body([(sku, 1)], total=price)).get_json()
    return {"sku": sku, "order": order["id"], "address": created.get_json()["id"]}


def test_a_wechat_customer_binds_a_number_and_later_logs_in_with_it_to_the_same_account(app, alpha, inbox):
    shopper = wechat_customer(app, alpha)
    mine = fill(app, alpha, shopper)
    bound = shopper.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": code_for(app, shopper, inbox)})
    assert bound.status_code == 200, bound.get_json()
    assert bound.get_json()["id"] == str(shopper.customer_id)
    # later, on a computer: the number logs in to the same customer, with the same cart, book and orders
    desktop = sms_login(app, alpha, inbox)
    assert desktop.customer_id == shopper.customer_id
    cart = desktop.get("/api/store/cart").get_json()
    assert [(line["sku_id"], line["quantity"]) for line in cart["lines"]] == [(mine["sku"], 2)]
    assert [o["id"] for o in desktop.get("/api/store/orders").get_json()["orders"]] == [mine["order"]]
    assert [a["id"] for a in desktop.get("/api/store/addresses").get_json()["addresses"]] == [mine["address"]]
    assert len(rows_of(app, Customer, tenant_id=alpha.tenant_id)) == 1


def test_logging_in_with_a_number_while_logged_in_with_wechat_links_it(app, alpha, inbox):
    shopper = wechat_customer(app, alpha)
    code = code_for(app, shopper, inbox)
    response = shopper.post("/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 200 and response.get_json()["id"] == str(shopper.customer_id)
    row = customer_row(app, alpha.tenant_id, id=shopper.customer_id)
    assert (row.mobile, row.openid is not None) == (MOBILE, True)
    assert sms_login(app, alpha, inbox).customer_id == shopper.customer_id


def test_binding_the_number_of_a_mobile_only_customer_merges_them(app, alpha, inbox):
    desktop = sms_login(app, alpha, inbox)  # used the number on a computer first
    theirs = fill(app, alpha, desktop, price=1500)
    with factories.in_store(app, alpha.tenant_id):
        db.session.add(AfterSale(order_id=uuid.UUID(theirs["order"]), customer_id=desktop.customer_id,
                                 kind="refund_only", status="requested", reason="x", photos=[], items=[],
                                 amount_fen=1, refund_number="AS-merge-1"))
        db.session.commit()
    phone = wechat_customer(app, alpha)
    mine = fill(app, alpha, phone)
    # the same SKU in both carts: quantities add up
    assert phone.post("/api/store/cart", {"sku_id": theirs["sku"], "quantity": 1}).status_code == 200
    bound = phone.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": code_for(app, phone, inbox)})
    assert bound.status_code == 200, bound.get_json()
    kept = phone.customer_id
    assert customer_row(app, alpha.tenant_id, id=desktop.customer_id) is None
    assert customer_row(app, alpha.tenant_id, id=kept).mobile == MOBILE
    assert {str(o.id) for o in rows_of(app, Order, customer_id=kept)} == {mine["order"], theirs["order"]}
    assert [a.customer_id for a in rows_of(app, AfterSale)] == [kept]
    cart = {str(line.sku_id): line.quantity for line in rows_of(app, CartLine, customer_id=kept)}
    assert cart == {mine["sku"]: 2, theirs["sku"]: 3}
    book = rows_of(app, Address, customer_id=kept)
    assert {str(a.id) for a in book} == {mine["address"], theirs["address"]}
    assert [str(a.id) for a in book if a.is_default] == [mine["address"]]  # the kept default stays
    assert rows_of(app, CartLine, customer_id=desktop.customer_id) == []
    # the computer's old session is over; logging in there again reaches the merged customer
    assert desktop.get("/api/store/customer").status_code == 401
    assert sms_login(app, alpha, inbox).customer_id == kept


def test_another_wechat_users_number_is_refused_and_nothing_changes(app, alpha, inbox):
    first = wechat_customer(app, alpha)
    first.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": code_for(app, first, inbox)})
    second = wechat_customer(app, alpha)
    theirs = fill(app, alpha, second)
    response = second.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": code_for(app, second, inbox)})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "mobile_taken"
    assert "another WeChat account" in response.get_json()["error"]["message"]
    assert customer_row(app, alpha.tenant_id, id=first.customer_id).mobile == MOBILE
    assert customer_row(app, alpha.tenant_id, id=second.customer_id).mobile is None
    assert [str(o.id) for o in rows_of(app, Order, customer_id=second.customer_id)] == [theirs["order"]]
    assert rows_of(app, Order, customer_id=first.customer_id) == []
    assert [c.used_at for c in rows_of(app, SmsCode)][-1] is None  # the refused code was not spent


def test_a_wrong_code_binds_nothing(app, alpha, inbox):
    shopper = wechat_customer(app, alpha)
    code = code_for(app, shopper, inbox)
    wrong = "000000" if code != "000000" else "111111"
    response = shopper.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": wrong})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_code"
    assert customer_row(app, alpha.tenant_id, id=shopper.customer_id).mobile is None
    assert english(Shopper(app, alpha.slug, alpha.tenant_id)).post(
        "/api/store/customer/mobile", {"mobile": MOBILE, "code": code}).status_code == 401  # a guest


def test_stores_never_share_or_merge_customers(app, alpha, bravo, inbox):
    in_bravo = sms_login(app, bravo, inbox)  # the same number is a customer of bravo
    bravo_things = fill(app, bravo, in_bravo)
    shopper = wechat_customer(app, alpha)
    bound = shopper.post("/api/store/customer/mobile", {"mobile": MOBILE, "code": code_for(app, shopper, inbox)})
    assert bound.status_code == 200
    kept = customer_row(app, bravo.tenant_id, id=in_bravo.customer_id)
    assert kept is not None and kept.mobile == MOBILE  # bravo's customer is untouched
    assert [str(o.id) for o in rows_of(app, Order, customer_id=in_bravo.customer_id)] == [bravo_things["order"]]
    assert rows_of(app, Order, customer_id=shopper.customer_id) == []
    assert sms_login(app, bravo, inbox).customer_id == in_bravo.customer_id
    assert sms_login(app, alpha, inbox).customer_id == shopper.customer_id
    # a code sent by bravo does not bind in alpha
    other = wechat_customer(app, alpha)
    bravo_code = code_for(app, english(Shopper(app, bravo.slug, bravo.tenant_id)), inbox, "13900139000")
    assert other.post("/api/store/customer/mobile",
                      {"mobile": "13900139000", "code": bravo_code}).status_code == 400
    assert customer_row(app, alpha.tenant_id, id=other.customer_id).mobile is None


def test_the_customer_centre_binds_a_number_without_javascript(app, alpha, inbox):
    shopper = wechat_customer(app, alpha)
    member = shopper.get("/member").get_data(as_text=True)
    assert 'href="/account/mobile"' in member and "Add a mobile number" in member
    page = shopper.get("/account/mobile")
    assert page.status_code == 200 and 'action="/account/mobile/code"' in page.get_data(as_text=True)
    csrf = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    forget_number_limit(app)
    sent = shopper.client.post("/account/mobile/code", base_url=shopper.base, data={"csrf_token": csrf,
                                                                                    "mobile": MOBILE})
    assert sent.status_code == 200 and 'action="/account/mobile"' in sent.get_data(as_text=True)
    done = shopper.client.post("/account/mobile", base_url=shopper.base, data={
        "csrf_token": csrf, "mobile": MOBILE, "code": inbox.last_code(MOBILE), "next": "/member"})
    assert done.status_code == 302 and done.headers["Location"] == "/member"
    assert customer_row(app, alpha.tenant_id, id=shopper.customer_id).mobile == MOBILE
    assert "Change mobile number" in shopper.get("/member").get_data(as_text=True)
    assert english(Shopper(app, alpha.slug, alpha.tenant_id)).get("/account/mobile").status_code == 302


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    forget_number_limit(app)
