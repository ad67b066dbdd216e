"""Shoppers outside WeChat log in with a mainland mobile number and a 6-digit code sent by SMS
(the sandbox's inbox stands in for the phone)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kaidian.customers.models import Customer, SmsCode
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import CSRF_RE

ALPHA, BRAVO = "http://alpha.localhost", "http://bravo.localhost"
MOBILE = "13800138000"


def token(client, base_url=ALPHA) -> str:
    page = client.get("/account/login", base_url=base_url).get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def api(client, path, body, base_url=ALPHA):
    return client.post(path, json=body, base_url=base_url, headers={"X-CSRFToken": token(client, base_url)})


def rows(app, model):
    with app.app_context(), all_tenants():
        return list(db.session.execute(select(model)).scalars())


def send(client, mobile=MOBILE, base_url=ALPHA):
    return api(client, "/api/store/login/code", {"mobile": mobile}, base_url)


def test_a_shopper_logs_in_with_the_code_from_the_text_message(app, client, alpha, inbox):
    assert send(client).status_code == 204
    [message] = inbox.messages(MOBILE)
    assert "alpha" in message["text"].lower() or alpha.name in message["text"]
    code = inbox.last_code(MOBILE)
    [stored] = rows(app, SmsCode)
    assert code not in stored.code_hash and stored.tenant_id == alpha.tenant_id  # only a digest is kept
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 200 and response.get_json()["display_name"] == "138****8000"
    [customer] = rows(app, Customer)
    assert (customer.mobile, customer.openid, customer.tenant_id) == (MOBILE, None, alpha.tenant_id)
    assert client.get("/api/store/customer", base_url=ALPHA).get_json()["id"] == str(customer.id)


def test_the_login_page_works_without_javascript_and_goes_back_to_next(app, client, alpha, inbox):
    page = client.get("/account/login?next=/products", base_url=ALPHA)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert 'action="/account/login/code"' in html and 'class="kd-tabbar"' in html  # in the store's theme
    csrf = CSRF_RE.search(html).group(1)
    sent = client.post("/account/login/code", base_url=ALPHA,
                       data={"csrf_token": csrf, "mobile": MOBILE, "next": "/products"})
    assert sent.status_code == 200 and MOBILE in sent.get_data(as_text=True)
    done = client.post("/account/login", base_url=ALPHA, data={"csrf_token": csrf, "mobile": MOBILE,
                                                                 "code": inbox.last_code(MOBILE), "next": "/products"})
    assert done.status_code == 302 and done.headers["Location"] == "/products"
    assert client.get("/member", base_url=ALPHA).status_code == 200
    # logged in: the login page sends the shopper on; logging out ends it
    assert client.get("/account/login?next=/search", base_url=ALPHA).headers["Location"] == "/search"
    client.post("/account/logout", base_url=ALPHA, data={"csrf_token": csrf})
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401


def test_next_never_leaves_the_store(client, alpha, inbox):
    csrf = token(client)
    client.post("/account/login/code", base_url=ALPHA, data={"csrf_token": csrf, "mobile": MOBILE})
    done = client.post("/account/login", base_url=ALPHA, data={"csrf_token": csrf, "mobile": MOBILE,
                                                                 "code": inbox.last_code(MOBILE),
                                                                 "next": "//evil.example/"})
    assert done.headers["Location"] == "/member"


def test_logging_in_again_finds_the_same_customer(app, client, alpha, inbox):
    send(client)
    api(client, "/api/store/login", {"mobile": MOBILE, "code": inbox.last_code(MOBILE)})
    other = app.test_client()
    _forget_number_limit(app)  # as if the minute had passed
    send(other)
    assert api(other, "/api/store/login", {"mobile": MOBILE, "code": inbox.last_code(MOBILE)}).status_code == 200
    assert len(rows(app, Customer)) == 1


def _forget_number_limit(app):
    from kaidian.platform.extensions import limiter

    with app.app_context():
        limiter.reset()


def test_a_wrong_code_is_refused_and_counted(app, client, alpha, inbox):
    send(client)
    code = inbox.last_code(MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": wrong})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_code"
    assert rows(app, Customer) == [] and rows(app, SmsCode)[0].attempts == 1
    assert client.get("/api/store/customer", base_url=ALPHA).status_code == 401


def test_five_wrong_tries_kill_the_code(app, client, alpha, inbox):
    send(client)
    code = inbox.last_code(MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert api(client, "/api/store/login", {"mobile": MOBILE, "code": wrong}).status_code == 400
    assert api(client, "/api/store/login", {"mobile": MOBILE, "code": code}).status_code == 400
    assert rows(app, Customer) == []


def test_an_expired_code_is_refused(app, client, alpha, inbox):
    send(client)
    with app.app_context(), all_tenants():
        db.session.execute(update(SmsCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": inbox.last_code(MOBILE)})
    assert response.status_code == 400 and rows(app, Customer) == []


def test_a_code_works_once(app, client, alpha, inbox):
    send(client)
    code = inbox.last_code(MOBILE)
    assert api(client, "/api/store/login", {"mobile": MOBILE, "code": code}).status_code == 200
    again = app.test_client()
    assert api(again, "/api/store/login", {"mobile": MOBILE, "code": code}).status_code == 400
    assert again.get("/api/store/customer", base_url=ALPHA).status_code == 401


def test_another_stores_code_is_refused(app, client, alpha, bravo, inbox):
    send(client, base_url=BRAVO)
    code = inbox.last_code(MOBILE)
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 400 and rows(app, Customer) == []
    [bravos] = rows(app, SmsCode)
    assert bravos.tenant_id == bravo.tenant_id and bravos.attempts == 0 and bravos.used_at is None


def test_a_newer_code_replaces_the_older_one(app, client, alpha, inbox):
    send(client)
    first = inbox.last_code(MOBILE)
    _forget_number_limit(app)
    send(client)
    second = inbox.last_code(MOBILE)
    if first != second:
        assert api(client, "/api/store/login", {"mobile": MOBILE, "code": first}).status_code == 400
    assert api(client, "/api/store/login", {"mobile": MOBILE, "code": second}).status_code == 200


def test_one_code_a_minute_per_number(app, client, alpha, inbox):
    assert send(client).status_code == 204
    other = app.test_client()
    response = send(other)  # another browser, same number
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_codes"
    assert len(inbox.messages(MOBILE)) == 1 and len(rows(app, SmsCode)) == 1
    assert send(other, mobile="13900139000").status_code == 204  # another number is not held up


def test_ten_codes_a_day_per_number(app, client, alpha, inbox):
    for _ in range(10):
        _forget_minute(app)
        assert send(client).status_code == 204
    _forget_minute(app)
    assert send(client).status_code == 429
    assert len(rows(app, SmsCode)) == 10


def _forget_minute(app):
    """Clear the per-number minute window only (the day's count stays)."""
    from limits import parse

    from kaidian.platform.extensions import limiter

    with app.app_context():
        limiter.limiter.clear(parse("1/minute"), "sms-number", MOBILE)


def test_codes_per_ip_are_limited(app, client, alpha, inbox):
    app.config["RATELIMIT_SMS"] = "2 per hour"
    try:
        assert send(client, mobile="13700137000").status_code == 204
        assert send(client, mobile="13700137001").status_code == 204
        assert send(client, mobile="13700137002").status_code == 429
    finally:
        app.config["RATELIMIT_SMS"] = "20 per hour"
    assert len(rows(app, SmsCode)) == 2


@pytest.mark.parametrize("body", [{}, {"mobile": "12800138000"}, {"mobile": "1380013800"}, {"mobile": "138001380000"},
                                  {"mobile": "+8613800138000"}, {"mobile": 13800138000}, {"mobile": "1380013800\x00"}])
def test_a_bad_number_is_refused_and_nothing_is_written_or_sent(app, client, alpha, inbox, body):
    response = api(client, "/api/store/login/code", body)
    assert response.status_code == 422 and "mobile" in response.get_json()["error"]["fields"]
    assert rows(app, SmsCode) == [] and inbox.messages("13800138000") == []


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None])
def test_a_malformed_code_is_refused_and_nothing_is_written(app, client, alpha, inbox, code):
    send(client)
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 422 and "code" in response.get_json()["error"]["fields"]
    assert rows(app, Customer) == [] and rows(app, SmsCode)[0].attempts == 0


def test_without_a_csrf_token_nothing_is_sent(app, client, alpha, inbox):
    response = client.post("/api/store/login/code", json={"mobile": MOBILE}, base_url=ALPHA)
    assert response.status_code == 400 and rows(app, SmsCode) == [] and inbox.messages(MOBILE) == []


def test_a_guest_outside_wechat_is_sent_to_the_mobile_login(client, alpha):
    response = client.get("/member", base_url=ALPHA)
    assert response.headers["Location"] == "/account/login?next=%2Fmember"


def test_the_customer_is_tenant_scoped(app, client, alpha, bravo, inbox):
    send(client)
    api(client, "/api/store/login", {"mobile": MOBILE, "code": inbox.last_code(MOBILE)})
    with app.app_context(), tenant_context(bravo.tenant_id):
        assert db.session.execute(select(Customer)).scalars().all() == []
