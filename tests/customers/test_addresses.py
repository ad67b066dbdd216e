"""The address book: the store API and page, for logged-in customers only."""

import pytest
from sqlalchemy import select

from kaidian.customers.models import Address, Customer
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import CSRF_RE

ALPHA, BRAVO = "http://alpha.localhost", "http://bravo.localhost"
TIANHE = {"province_code": "44", "city_code": "4401", "district_code": "440106"}
DONGCHENG = {"province_code": "11", "city_code": "1101", "district_code": "110101"}


def new_customer(app, tenant_id, mobile="13800138000"):
    with app.app_context(), tenant_context(tenant_id):
        customer = Customer(mobile=mobile)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def shopper(app, store, mobile="13800138000", base_url=ALPHA):
    client = app.test_client()
    customer_id = new_customer(app, store.tenant_id, mobile)
    with client.session_transaction(base_url=base_url) as session:
        session["kd_customer"] = {"tenant": str(store.tenant_id), "id": str(customer_id)}
    page = client.get("/account/addresses", base_url=base_url).get_data(as_text=True)
    client.csrf = CSRF_RE.search(page).group(1)
    client.customer_id = customer_id
    return client


def call(client, method, path, body=None, base_url=ALPHA):
    return client.open(path, method=method, json=body, base_url=base_url, headers={"X-CSRFToken": client.csrf})


def address(**changes):
    return {"recipient": "张三", "mobile": "13900139000", **TIANHE, "detail": "天河路 385 号", **changes}


def stored(app):
    with app.app_context(), all_tenants():
        return list(db.session.execute(select(Address).order_by(Address.created_at)).scalars())


@pytest.fixture
def alice(app, alpha):
    return shopper(app, alpha)


def test_add_an_address_with_names_taken_from_the_codes(app, alice):
    response = call(alice, "POST", "/api/store/addresses", address(province_name="假省"))  # names are not input
    assert response.status_code == 201
    body = response.get_json()
    assert (body["province_name"], body["city_name"], body["district_name"]) == ("广东省", "广州市", "天河区")
    assert body["label"] == "广东省广州市天河区天河路 385 号" and body["is_default"] is True  # the first is the default
    [row] = stored(app)
    assert row.customer_id == alice.customer_id and row.district_code == "440106"


def test_one_default_a_new_default_replaces_it_and_deleting_it_promotes_another(app, alice):
    first = call(alice, "POST", "/api/store/addresses", address()).get_json()
    second = call(alice, "POST", "/api/store/addresses", address(recipient="李四", **DONGCHENG)).get_json()
    assert second["is_default"] is False and second["label"] == "北京市东城区天河路 385 号"
    third = call(alice, "POST", "/api/store/addresses", address(recipient="王五", is_default=True)).get_json()
    listed = call(alice, "GET", "/api/store/addresses").get_json()["addresses"]
    assert [a["id"] for a in listed][0] == third["id"] and [a["is_default"] for a in listed] == [True, False, False]
    assert call(alice, "POST", f"/api/store/addresses/{first['id']}/default").get_json()["is_default"] is True
    assert sum(a.is_default for a in stored(app)) == 1
    assert call(alice, "DELETE", f"/api/store/addresses/{first['id']}").status_code == 204
    rest = stored(app)
    assert len(rest) == 2 and sum(a.is_default for a in rest) == 1


def test_update_an_address(app, alice):
    added = call(alice, "POST", "/api/store/addresses", address()).get_json()
    response = call(alice, "PATCH", f"/api/store/addresses/{added['id']}", {"detail": "体育西路 1 号", **DONGCHENG})
    assert response.status_code == 200 and response.get_json()["label"] == "北京市东城区体育西路 1 号"
    [row] = stored(app)
    assert (row.province_name, row.city_name, row.detail) == ("北京市", "市辖区", "体育西路 1 号")


@pytest.mark.parametrize("bad", [
    {"district_code": "440303"},  # a district of Shenzhen under Guangzhou
    {"city_code": "1101", "district_code": "110101"},  # Beijing's city and district under Guangdong
    {"province_code": "99", "city_code": "9901", "district_code": "990101"},
])
def test_an_invalid_triple_is_refused_and_nothing_is_written(app, alice, bad):
    response = call(alice, "POST", "/api/store/addresses", address(**bad))
    assert response.status_code == 422 and "district_code" in response.get_json()["error"]["fields"]
    assert stored(app) == []


def test_an_update_must_give_the_three_region_codes_together(app, alice):
    added = call(alice, "POST", "/api/store/addresses", address()).get_json()
    response = call(alice, "PATCH", f"/api/store/addresses/{added['id']}", {"district_code": "440104"})
    assert response.status_code == 422
    response = call(alice, "PATCH", f"/api/store/addresses/{added['id']}", {**TIANHE, "district_code": "440303"})
    assert response.status_code == 422
    [row] = stored(app)
    assert row.district_code == "440106"


@pytest.mark.parametrize("bad", [{"recipient": ""}, {"recipient": " "}, {"mobile": "12345"}, {"detail": ""},
                                 {"recipient": "a" * 31}, {"detail": "x\x00y"}, {"is_default": "maybe"}])
def test_bad_fields_are_refused_and_nothing_is_written(app, alice, bad):
    response = call(alice, "POST", "/api/store/addresses", address(**bad))
    assert response.status_code == 422 and set(bad) <= set(response.get_json()["error"]["fields"])
    assert stored(app) == []


def test_at_most_twenty_addresses(app, alice):
    for i in range(20):
        assert call(alice, "POST", "/api/store/addresses", address(detail=f"{i} 号")).status_code == 201
    response = call(alice, "POST", "/api/store/addresses", address(detail="21 号"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_many_addresses"
    assert len(stored(app)) == 20


def test_another_customers_address_is_not_found_and_unchanged(app, alpha, alice):
    bob = shopper(app, alpha, mobile="13700137000")
    added = call(alice, "POST", "/api/store/addresses", address()).get_json()
    assert call(bob, "GET", "/api/store/addresses").get_json() == {"addresses": []}
    assert call(bob, "PATCH", f"/api/store/addresses/{added['id']}", {"detail": "偷改"}).status_code == 404
    assert call(bob, "DELETE", f"/api/store/addresses/{added['id']}").status_code == 404
    assert call(bob, "POST", f"/api/store/addresses/{added['id']}/default").status_code == 404
    [row] = stored(app)
    assert row.detail == "天河路 385 号"


def test_another_stores_customer_cannot_see_or_touch_it(app, alice, bravo):
    added = call(alice, "POST", "/api/store/addresses", address()).get_json()
    carol = shopper(app, bravo, base_url=BRAVO)
    assert call(carol, "GET", "/api/store/addresses", base_url=BRAVO).get_json() == {"addresses": []}
    assert call(carol, "DELETE", f"/api/store/addresses/{added['id']}", base_url=BRAVO).status_code == 404
    assert len(stored(app)) == 1


def test_guests_get_401_and_writes_need_the_csrf_token(app, client, alpha, alice):
    assert client.get("/api/store/addresses", base_url=ALPHA).status_code == 401
    token = CSRF_RE.search(client.get("/account/login", base_url=ALPHA).get_data(as_text=True)).group(1)
    response = client.post("/api/store/addresses", json=address(), base_url=ALPHA, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    response = alice.post("/api/store/addresses", json=address(), base_url=ALPHA)  # no X-CSRFToken
    assert response.status_code == 400 and stored(app) == []
    assert client.get("/account/addresses", base_url=ALPHA).headers["Location"].startswith("/account/login?next=")


def test_the_regions_endpoint_feeds_the_cascading_selects(client, alpha):
    provinces = client.get("/api/store/regions", base_url=ALPHA).get_json()["regions"]
    assert len(provinces) == 31 and {"code": "44", "name": "广东省", "level": "province"} in provinces
    cities = client.get("/api/store/regions?parent=44", base_url=ALPHA).get_json()["regions"]
    assert {"code": "4401", "name": "广州市", "level": "city"} in cities
    assert client.get("/api/store/regions?parent=abc", base_url=ALPHA).status_code == 404


def test_the_page_lists_adds_edits_and_deletes_without_javascript(app, alice):
    page = alice.get("/account/addresses", base_url=ALPHA)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="province_code"' in html and "广东省" in html
    assert "/static/customers/addresses.js" in html and 'class="kd-tabbar"' in html
    form = {"csrf_token": alice.csrf, **address()}
    assert alice.post("/account/addresses", data=form, base_url=ALPHA).status_code == 302
    [row] = stored(app)
    edit = alice.get(f"/account/addresses/{row.id}/edit", base_url=ALPHA).get_data(as_text=True)
    assert '<option value="440106" selected>天河区</option>' in edit  # the current choice, drawn by the server
    bad = alice.post(f"/account/addresses/{row.id}", base_url=ALPHA, data={**form, "district_code": "440303"})
    assert bad.status_code == 422 and "天河路 385 号" in bad.get_data(as_text=True)
    alice.post(f"/account/addresses/{row.id}", base_url=ALPHA, data={**form, "detail": "新地址 9 号"})
    assert stored(app)[0].detail == "新地址 9 号"
    alice.post(f"/account/addresses/{row.id}/delete", base_url=ALPHA, data={"csrf_token": alice.csrf})
    assert stored(app) == []


def test_the_cascade_script_is_served(client, alpha):
    response = client.get("/static/customers/addresses.js", base_url=ALPHA)
    assert response.status_code == 200 and b"?parent=" in response.data
