"""The shopper session and its public API: current_customer, sign_in/sign_out, login_url, require_customer."""

import uuid

from kaidian.customers import services
from kaidian.customers.models import Customer
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context

ALPHA = "http://alpha.localhost"


def make_customer(app, tenant_id, nickname="小爱", openid="o-alice") -> Customer:
    with app.app_context(), tenant_context(tenant_id):
        customer = Customer(authorizer_appid="wx0123456789abcdef", openid=openid, nickname=nickname)
        db.session.add(customer)
        db.session.commit()
        db.session.refresh(customer)
        db.session.expunge(customer)
        return customer


def put_in_session(client, tenant_id, customer_id, base_url=ALPHA):
    with client.session_transaction(base_url=base_url) as session:
        session["kd_customer"] = {"tenant": str(tenant_id), "id": str(customer_id)}


def test_a_page_for_customers_redirects_a_guest_to_the_login_page_and_back(client, alpha):
    response = client.get("/member?tab=orders", base_url=ALPHA)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Fmember%3Ftab%3Dorders"


def test_the_store_api_answers_a_guest_401_in_the_one_error_shape(client, alpha):
    response = client.get("/api/store/customer", base_url=ALPHA)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "customer_required"


def test_the_logged_in_customer_is_known_to_pages_and_the_api(app, client, alpha):
    customer = make_customer(app, alpha.tenant_id)
    put_in_session(client, alpha.tenant_id, customer.id)
    body = client.get("/api/store/customer", base_url=ALPHA).get_json()
    assert body == {"id": str(customer.id), "nickname": "小爱", "display_name": "小爱", "avatar": "", "mobile": None}
    assert "openid" not in body
    assert client.get("/member", base_url=ALPHA).status_code == 200


def test_another_stores_session_is_not_a_customer_here(app, client, alpha, bravo):
    customer = make_customer(app, bravo.tenant_id)
    put_in_session(client, bravo.tenant_id, customer.id)
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401
    # the id of bravo's customer under alpha's name finds nothing either (tenant scoping)
    put_in_session(client, alpha.tenant_id, customer.id)
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401


def test_a_garbled_session_is_nobody(client, alpha):
    put_in_session(client, alpha.tenant_id, "not-a-uuid")
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401
    put_in_session(client, alpha.tenant_id, uuid.uuid4())
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401


def test_sign_in_and_sign_out_in_a_store_request(app, alpha):
    customer = make_customer(app, alpha.tenant_id)
    with app.test_request_context("/", base_url=ALPHA):
        app.preprocess_request()  # resolves the store from the host
        assert services.current_customer() is None
        services.sign_in(db.session.merge(customer))
        assert services.current_customer().id == customer.id
        services.sign_out()
        assert services.current_customer() is None


def test_login_url_keeps_only_a_local_next_path(app, alpha):
    with app.test_request_context("/", base_url=ALPHA):
        app.preprocess_request()
        assert services.login_url("//evil.example/x") == "/account/login?next=%2F"
        assert services.login_url("/products?page=2") == "/account/login?next=%2Fproducts%3Fpage%3D2"


def test_login_methods_are_registered_in_order_and_the_first_that_applies_wins(app, alpha, monkeypatch):
    monkeypatch.setattr(services, "_METHODS", {})
    services.register_login_method("never", lambda next_path: None)
    with app.test_request_context("/", base_url=ALPHA):
        app.preprocess_request()
        assert services.login_url("/member") == "/account/login?next=%2Fmember"  # nothing applies: the store's own
        services.register_login_method("other", lambda next_path: f"/other?n={next_path}")
        assert services.login_url("/member") == "/other?n=/member"
    assert [m.name for m in services.login_methods()] == ["never", "other"]
