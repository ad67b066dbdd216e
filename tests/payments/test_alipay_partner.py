"""Alipay partner mode (第三方应用授权) against the sandbox's Alipay over HTTP: the merchant authorizes the
platform's third-party app from the settings page, then payments, notifications and refunds go through
the platform's app with the store's app_auth_token. A forged, altered, expired, reused or other store's
state, a notification for another authorized app, and an unknown or expired token are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask_babel import force_locale
from sqlalchemy import select, text

from kaidian.payments import alipay_partner, configuration, services
from kaidian.payments.errors import PaymentError
from kaidian.payments.models import PaymentSettings
from kaidian.platform.extensions import db
from kaidian.platform.secrets import encrypt_secret
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox import pay_crypto
from tests import factories
from tests.conftest import csrf_token, login

from .helpers import notifications, payment_row, recorded
from .test_alipay import _notification, pay, start, trade_of

PLATFORM_APP_ID = "2021000000000001"
MERCHANT_APP_ID = "2021009900000001"
SETTINGS = ("ALIPAY_PLATFORM_APP_ID", "ALIPAY_PLATFORM_PRIVATE_KEY", "ALIPAY_PLATFORM_PUBLIC_KEY", "ALIPAY_AUTH_URL")


@pytest.fixture(scope="session")
def platform_key():
    return pay_crypto.new_key_pair()


@pytest.fixture
def platform_app(app, sandbox, platform_key):
    """The platform's third-party app registered in the sandbox (its key pair kept by the platform) and
    configured as ``ALIPAY_PLATFORM_*``; the settings are put back afterwards."""
    registered = requests.post(sandbox.base_url + "/sandbox/alipay/apps", timeout=10, json={
        "app_id": PLATFORM_APP_ID, "name": "开店平台", "app_public_key": platform_key[1]}).json()
    saved = {name: app.config.get(name) for name in SETTINGS}
    app.config.update(ALIPAY_PLATFORM_APP_ID=PLATFORM_APP_ID, ALIPAY_PLATFORM_PRIVATE_KEY=platform_key[0],
                      ALIPAY_PLATFORM_PUBLIC_KEY=registered["alipay_public_key"],
                      ALIPAY_AUTH_URL=sandbox.base_url + "/oauth2/appToAppAuth.htm")
    yield registered
    app.config.update(saved)


def owner_of(app, store):
    client = app.test_client()
    client.set_cookie("lang", "en", domain="localhost")
    login(client, store.login)
    return client


def begin(client) -> str:
    """The owner presses 用支付宝授权: the address of Alipay's authorization page."""
    response = client.post("/admin/payments/alipay/authorize",
                           data={"csrf_token": csrf_token(client, "/admin/payments/")})
    assert response.status_code == 302
    return response.headers["Location"]


def consent(auth_url: str, merchant_app_id: str = MERCHANT_APP_ID) -> str:
    """The merchant confirms on Alipay's page: where Alipay sends the browser back."""
    page = requests.get(auth_url, timeout=10)
    assert page.status_code == 200 and "确认授权" in page.text and "开店平台" in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()}
    answer = requests.post(auth_url.split("?")[0], allow_redirects=False, timeout=10, data={
        "app_id": query["app_id"], "redirect_uri": query["redirect_uri"], "state": query["state"],
        "merchant_app_id": merchant_app_id, "merchant_name": "Alpha 的支付宝"})
    assert answer.status_code == 302
    return answer.headers["Location"]


def come_back(client, location: str, **changes) -> str:
    """The browser arrives on our callback (``changes`` alter its query); the page's flashed message."""
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    response = client.get(parts.path, query_string=query)
    assert response.status_code == 302
    return client.get("/admin/payments/").get_data(as_text=True)


def authorize(client, merchant_app_id: str = MERCHANT_APP_ID) -> str:
    return come_back(client, consent(begin(client), merchant_app_id))


def alipay_row(app, store) -> PaymentSettings | None:
    with app.app_context(), all_tenants():
        row = db.session.execute(select(PaymentSettings).filter_by(tenant_id=store.tenant_id, provider="alipay")
                                 ).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def snapshot(row: PaymentSettings | None):
    return None if row is None else (row.mode, row.sub_mchid, row.mchid, row.grant_encrypted)


def sandbox_alipay(sandbox) -> dict:
    return requests.get(sandbox.base_url + "/sandbox/state", timeout=10).json()["alipay"]


def test_partner_mode_is_not_offered_without_the_platform_app(app, sandbox, alpha):
    page = owner_of(app, alpha).get("/admin/payments/").get_data(as_text=True)
    assert 'id="alipay-partner-unavailable"' in page and 'id="alipay-authorize"' not in page


def test_authorize_then_pay_notify_refund_and_close_in_partner_mode(app, sandbox, platform_app, alpha, in_store):
    owner = owner_of(app, alpha)
    page = authorize(owner)
    assert "Alipay authorized" in page and 'id="alipay-authorized"' in page and MERCHANT_APP_ID in page
    row = alipay_row(app, alpha)
    assert (row.mode, row.sub_mchid, row.mchid) == ("partner", MERCHANT_APP_ID, "2088" + MERCHANT_APP_ID[-12:])
    [token] = sandbox_alipay(sandbox)["auth_tokens"]
    assert sandbox_alipay(sandbox)["auth_codes"] == {}  # the code was used
    with app.app_context(), all_tenants():
        raw = db.session.execute(text("SELECT grant_encrypted FROM payment_settings")).scalar_one()
        db.session.remove()
    assert token not in raw and token not in page
    # the test button: a signed query through the platform's app with the store's token
    checked = owner.post("/admin/payments/alipay/test", data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert 'data-ok="true"' in checked.get_data(as_text=True)

    paying = start(in_store, alpha)
    assert "app_auth_token=" in paying["pay_url"] and f"app_id={PLATFORM_APP_ID}" in paying["pay_url"]
    paid = pay(sandbox, paying)
    assert paid["delivered"] is True
    trade = trade_of(sandbox, paying)
    assert (trade["app_id"], trade["isv_app_id"]) == (MERCHANT_APP_ID, PLATFORM_APP_ID)
    payment = payment_row(app, paying["out_trade_no"])
    assert (payment.status, payment.mode, payment.mchid, payment.sub_mchid) == ("paid", "partner", PLATFORM_APP_ID,
                                                                                 MERCHANT_APP_ID)
    [note] = notifications(app)
    assert (note.route, note.result, note.verified) == ("partner", "applied", True)
    assert len(recorded("payment.succeeded")) == 1

    with in_store(alpha):
        refund = services.refund(purpose="test", reference_id="ali-1", amount_fen=550, reason="", out_refund_no="PR-1")
        assert refund.status == "succeeded"
    assert trade_of(sandbox, paying)["refunded"] == 550
    other = start(in_store, alpha, reference="ali-2", channel="alipay_page")
    assert requests.get(other["pay_url"], timeout=10).status_code == 200
    with in_store(alpha):
        services.close_payment("ali-2", "test")
    assert trade_of(sandbox, other)["status"] == "TRADE_CLOSED"


def test_authorizing_again_replaces_the_token_and_revoking_forgets_it(app, sandbox, platform_app, alpha):
    owner = owner_of(app, alpha)
    authorize(owner)
    first = alipay_row(app, alpha)
    authorize(owner, merchant_app_id="2021009900000002")
    second = alipay_row(app, alpha)
    assert second.sub_mchid == "2021009900000002" and second.grant_encrypted != first.grant_encrypted
    revoked = owner.post("/admin/payments/alipay/revoke", data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert revoked.status_code == 302
    assert snapshot(alipay_row(app, alpha)) == ("direct", "", "", "")


@pytest.mark.parametrize("case", ["forged", "altered", "garbled", "expired", "reused", "other_store"])
def test_a_bad_state_is_refused_and_changes_nothing(app, sandbox, platform_app, alpha, bravo, monkeypatch, case):
    owner = owner_of(app, alpha)
    if case == "reused":
        back = consent(begin(owner))
        come_back(owner, back)
        before = snapshot(alipay_row(app, alpha))
        # a second code for the same (used) state: the merchant's browser replays the page
        state = parse_qs(urlsplit(back).query)["state"][0]
        back = consent(begin(owner).split("state=")[0] + f"state={state}", "2021009900000003")
    else:
        before = None
        started_by = owner_of(app, bravo) if case == "other_store" else owner
        back = consent(begin(started_by))
    state = parse_qs(urlsplit(back).query)["state"][0]
    changes = {"forged": {"state": "ab" * 36},
               "altered": {"state": ("1" if state[0] == "0" else "0") + state[1:]},
               "garbled": {"state": "é" * 72}}.get(case, {})
    if case == "expired":
        monkeypatch.setattr(alipay_partner, "STATE_SECONDS", -1)
    page = come_back(owner, back, **changes)
    expected = {"expired": "expired", "reused": "already used"}.get(case, "was not started by you in this store")
    assert expected in page and "Nothing was changed" in page
    assert snapshot(alipay_row(app, alpha)) == before
    assert len(sandbox_alipay(sandbox)["auth_codes"]) == 1  # the code was never exchanged
    assert len(sandbox_alipay(sandbox)["auth_tokens"]) == (1 if case == "reused" else 0)


def test_the_callback_is_the_owners_alone(app, sandbox, platform_app, alpha):
    """Payment settings are the owner's: a staff member of the store arriving with the owner's answer is
    refused, and the code stays unused."""
    back = consent(begin(owner_of(app, alpha)))
    factories.member(app, alpha, "clerk@example.com")
    clerk = app.test_client()
    login(clerk, "clerk@example.com")
    parts = urlsplit(back)
    assert clerk.get(parts.path + "?" + parts.query).status_code == 403
    assert alipay_row(app, alpha) is None and len(sandbox_alipay(sandbox)["auth_codes"]) == 1


def test_the_settings_page_offers_authorization_in_chinese_first(app, sandbox, platform_app, alpha):
    client = app.test_client()
    login(client, alpha.login)
    page = client.get("/admin/payments/").get_data(as_text=True)
    assert "用支付宝授权" in page and "授权平台（第三方应用授权）" in page


def test_a_notification_for_another_authorized_app_is_refused(app, pay_env, sandbox, platform_app, alpha, in_store):
    authorize(owner_of(app, alpha))
    paying = start(in_store, alpha)
    alipay_key = sandbox_alipay(sandbox)["key"]["private_pem"]
    fields = _notification(PLATFORM_APP_ID, paying["out_trade_no"], "25.50", alipay_key)
    fields.pop("sign"), fields.pop("sign_type")
    fields["auth_app_id"] = "2021009999999999"  # signed by Alipay, but for another merchant's app
    signing = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    fields |= {"sign": pay_crypto.sign(alipay_key, signing), "sign_type": "RSA2"}
    answer = requests.post(f"{pay_env.platform_url}/payments/alipay/notify/{alpha.tenant_id}", data=fields,
                           timeout=10)
    assert (answer.status_code, answer.text) == (400, "fail")
    assert payment_row(app, paying["out_trade_no"]).status == "created"
    assert recorded("payment.succeeded") == []
    [note] = notifications(app)
    assert (note.route, note.result, note.verified) == ("partner", "refused", True)
    assert "auth_app_id" in note.detail


@pytest.mark.parametrize("case", ["unknown", "expired"])
def test_an_unknown_or_expired_token_says_to_authorize_again(app, sandbox, platform_app, alpha, in_store, case):
    authorize(owner_of(app, alpha))
    [token] = sandbox_alipay(sandbox)["auth_tokens"]
    if case == "expired":
        requests.post(sandbox.base_url + "/sandbox/alipay/auth/expire", json={"app_auth_token": token}, timeout=10)
    else:
        with in_store(alpha):
            row = configuration.store_settings("alipay")
            row.grant_encrypted = encrypt_secret('{"app_auth_token": "201901BBunknown"}')
            db.session.commit()
    with in_store(alpha), force_locale("en"):
        with pytest.raises(PaymentError) as refused:
            configuration.provider_for(configuration.store_settings("alipay")).query("KDNONE")
        result = configuration.check_alipay_settings()
    assert "authorize the platform again" in str(refused.value.message)
    assert not result.ok and "authorize the platform again" in result.problems[0]
    assert ("app-auth-token-time-out" if case == "expired" else "invalid-app-auth-token") in result.problems[0]


def _make_due(app, alpha, in_store, **grant_changes) -> dict:
    """The store's grant as if its token ended in a week (or with ``grant_changes``); the grant before."""
    import json

    from kaidian.platform.secrets import decrypt_secret

    with in_store(alpha):
        row = configuration.store_settings("alipay")
        grant = json.loads(decrypt_secret(row.grant_encrypted))
        changed = grant | {"expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()}
        row.grant_encrypted = encrypt_secret(json.dumps(changed | grant_changes))
        db.session.commit()
    return grant


def test_the_daily_job_renews_a_token_ending_soon_and_payments_go_on(app, sandbox, platform_app, alpha, in_store):
    from kaidian.payments import tasks

    authorize(owner_of(app, alpha))
    with app.app_context():
        assert tasks.refresh_alipay_grants() == {"refreshed": 0, "failed": 0}  # a year left: nothing to do
    before = _make_due(app, alpha, in_store)
    with app.app_context():
        assert tasks.refresh_alipay_grants() == {"refreshed": 1, "failed": 0}
    with in_store(alpha):
        grant = alipay_partner.grant_of(configuration.store_settings("alipay"))
    assert grant["app_auth_token"] != before["app_auth_token"] and grant["expires_at"] > before["expires_at"]
    assert grant["app_auth_token"] in sandbox_alipay(sandbox)["auth_tokens"]
    paying = start(in_store, alpha)  # the new token works
    assert f"app_auth_token={grant['app_auth_token']}" in paying["pay_url"].replace("%40", "@")
    assert pay(sandbox, paying)["delivered"] is True


def test_a_refused_renewal_keeps_the_grant_and_tells_the_merchant(app, sandbox, platform_app, alpha, in_store):
    from kaidian.payments import tasks

    owner = owner_of(app, alpha)
    authorize(owner)
    _make_due(app, alpha, in_store, app_refresh_token="201901BBrevoked")
    kept = snapshot(alipay_row(app, alpha))
    with app.app_context():
        assert tasks.refresh_alipay_grants() == {"refreshed": 0, "failed": 1}
    row = alipay_row(app, alpha)
    assert snapshot(row) == kept and row.check_ok is False and "isv.refresh-token-invalid" in row.check_message
    page = owner.get("/admin/payments/").get_data(as_text=True)
    assert 'id="alipay-last-check"' in page and "isv.refresh-token-invalid" in page


def test_rotating_the_data_key_re_encrypts_the_grant(app, sandbox, platform_app, alpha, in_store):
    from cryptography.fernet import Fernet

    authorize(owner_of(app, alpha))
    before = alipay_row(app, alpha).grant_encrypted
    old_key, new_key = app.config["DATA_KEY"], Fernet.generate_key().decode()
    app.config["DATA_KEY"] = f"{new_key},{old_key}"
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["kaidian", "rotate-data-key"])
        assert result.exit_code == 0, result.output
        app.config["DATA_KEY"] = new_key  # the old key is gone: the grant must still open
        with in_store(alpha):
            grant = alipay_partner.grant_of(configuration.store_settings("alipay"))
    finally:
        app.config["DATA_KEY"] = old_key
    assert grant["app_auth_token"] in sandbox_alipay(sandbox)["auth_tokens"]
    assert alipay_row(app, alpha).grant_encrypted != before


def test_the_authorization_stays_while_a_payment_made_with_it_is_open(app, sandbox, platform_app, alpha, in_store):
    """Removing the authorization (or authorizing another Alipay app) while a payment made through it is open
    would leave that trade payable at Alipay with nothing here able to close or confirm it: refused."""
    owner = owner_of(app, alpha)
    authorize(owner)
    start(in_store, alpha, reference="held-1")
    kept = snapshot(alipay_row(app, alpha))
    owner.post("/admin/payments/alipay/revoke", data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert "still open" in owner.get("/admin/payments/").get_data(as_text=True)  # the flashed refusal
    assert snapshot(alipay_row(app, alpha)) == kept
    page = authorize(owner, merchant_app_id="2021009900000009")  # another app of the merchant's
    assert "still open" in page and snapshot(alipay_row(app, alpha)) == kept
    with in_store(alpha):
        services.close_payment("held-1", "test")
    owner.post("/admin/payments/alipay/revoke", data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert alipay_row(app, alpha).mode == "direct"
