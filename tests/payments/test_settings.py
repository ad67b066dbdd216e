"""The merchant's payment settings page: owner only, secrets encrypted at rest and never shown again, and
the "test" button saying exactly what is wrong, checked against the sandbox over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kaidian.payments.models import PaymentSettings
from kaidian.platform.extensions import db
from kaidian.platform.models import Role
from kaidian.platform.secrets import decrypt_secret
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox import pay_crypto
from tests import factories
from tests.conftest import csrf_token, login


def english(client):
    client.set_cookie("lang", "en", domain="localhost")
    return client


@pytest.fixture
def owner(app, alpha):
    client = english(app.test_client())
    login(client, alpha.login)
    return client


def form_of(merchant: dict, **changes) -> dict:
    form = {"mode": "direct", "appid": "wxalpha000000001", "mchid": merchant["mchid"],
            "cert_serial": merchant["serial_no"], "apiv3_key": merchant["apiv3_key"],
            "private_key": merchant["private_key"], "public_key_id": merchant["wechatpay_public_key_id"],
            "public_key": merchant["wechatpay_public_key"]}
    form.update(changes)
    return form


def save(client, form: dict):
    return client.post("/admin/payments/", data={**form, "csrf_token": csrf_token(client, "/admin/payments/")})


def run_test(client) -> str:
    response = client.post("/admin/payments/test", data={"csrf_token": csrf_token(client, "/admin/payments/")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def stored(app) -> PaymentSettings | None:
    with app.app_context(), all_tenants():
        row = db.session.execute(select(PaymentSettings)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def test_secrets_are_encrypted_at_rest_and_never_shown_again(app, sandbox, owner):
    merchant = sandbox.register({"name": "Alpha"})
    assert save(owner, form_of(merchant)).status_code == 302
    row = stored(app)
    assert merchant["apiv3_key"] not in row.apiv3_key_encrypted
    assert "PRIVATE KEY" not in row.private_key_encrypted
    with app.app_context(), all_tenants():
        assert decrypt_secret(row.apiv3_key_encrypted) == merchant["apiv3_key"]
        raw = db.session.execute(text("SELECT apiv3_key_encrypted, private_key_encrypted FROM payment_settings")).one()
        db.session.remove()
    assert merchant["apiv3_key"] not in "".join(raw)
    page = owner.get("/admin/payments/").get_data(as_text=True)
    assert merchant["apiv3_key"] not in page and "BEGIN PRIVATE KEY-----\nMII" not in page
    assert 'id="apiv3-set"' in page and 'id="private-key-set"' in page
    # saving again with the secrets left blank keeps them
    assert save(owner, form_of(merchant, apiv3_key="", private_key="")).status_code == 302
    assert stored(app).apiv3_key_encrypted == row.apiv3_key_encrypted


def test_a_bad_field_is_refused_and_nothing_is_saved(app, sandbox, owner):
    merchant = sandbox.register({})
    response = save(owner, form_of(merchant, mchid="12ab"))
    assert response.status_code == 422 and "A merchant number is digits." in response.get_data(as_text=True)
    assert stored(app) is None


def test_only_the_owner_may_see_or_change_payment_settings(app, sandbox, alpha):
    factories.member(app, alpha, "manager@example.com", role=Role.ADMIN)
    client = english(app.test_client())
    login(client, "manager@example.com")
    assert client.get("/admin/payments/").status_code == 403
    token = csrf_token(client, "/admin/profile")
    assert client.post("/admin/payments/test", data={"csrf_token": token}).status_code == 403
    assert stored(app) is None


def test_the_test_button_passes_working_settings(app, sandbox, owner):
    merchant = sandbox.register({})
    save(owner, form_of(merchant))
    page = run_test(owner)
    assert 'data-ok="true"' in page and "accepted the merchant number" in page
    assert "signature verifies with the configured public key" in page
    assert stored(app).check_ok is True


@pytest.mark.parametrize("case", ["short_key", "serial", "public_key", "public_key_id", "unknown_mchid", "not_pem"])
def test_the_test_button_says_what_is_wrong(app, sandbox, owner, case):
    merchant = sandbox.register({})
    other = sandbox.register({})
    changes = {
        "short_key": {"apiv3_key": "x" * 31},
        "serial": {"cert_serial": other["serial_no"]},
        "public_key": {"public_key": pay_crypto.new_key_pair()[1]},
        "public_key_id": {"public_key_id": "PUB_KEY_ID_0000000000000000000000000000BEEF"},
        "unknown_mchid": {"mchid": "1777777777"},
        "not_pem": {"private_key": "not a key at all"},
    }[case]
    expected = {
        "short_key": "must be exactly 32 characters (it has 31)",
        "serial": "refused the signature",
        "public_key": "does not verify with the configured public key",
        "public_key_id": "signs with public key id",
        "unknown_mchid": "refused the signature",
        "not_pem": "is not a PEM private key",
    }[case]
    save(owner, form_of(merchant, **changes))
    page = run_test(owner)
    assert 'data-ok="false"' in page and expected in page
    row = stored(app)
    assert row.check_ok is False and row.check_message


def test_the_test_button_without_settings_says_so(app, sandbox, owner):
    page = run_test(owner)
    assert 'data-ok="false"' in page and "payment settings are missing" in page


def test_partner_mode_checks_the_sub_merchant(app, sandbox, owner):
    save(owner, {"mode": "partner", "sub_mchid": "1600000009"})
    page = run_test(owner)
    assert 'data-ok="false"' in page and "refused the sub-merchant" in page
    sandbox.register({"mchid": "1600000009", "sp_mchid": "1900000100"})
    assert 'data-ok="true"' in run_test(owner)


def test_development_fills_in_a_sandbox_test_merchant_that_passes_the_test(app, sandbox, owner):
    response = owner.post("/admin/payments/sandbox-merchant",
                          data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert response.status_code == 302
    row = stored(app)
    assert row.mode == "direct" and row.mchid in sandbox.state()["merchants"]
    assert 'data-ok="true"' in run_test(owner)


def test_alipay_settings_from_the_page_pass_the_test_and_keep_the_key_secret(app, sandbox, owner):
    response = owner.post("/admin/payments/alipay/sandbox-app",
                          data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    assert response.status_code == 302
    page = owner.post("/admin/payments/alipay/test", data={"csrf_token": csrf_token(owner, "/admin/payments/")})
    text = page.get_data(as_text=True)
    assert 'id="alipay-check-result" data-ok="true"' in text and 'id="alipay-key-set"' in text
    with app.app_context(), all_tenants():
        row = db.session.execute(select(PaymentSettings).filter_by(provider="alipay")).scalar_one()
        assert "PRIVATE KEY" not in row.private_key_encrypted
        db.session.remove()
    refused = owner.post("/admin/payments/alipay", data={"app_id": "not-digits",
                                                         "csrf_token": csrf_token(owner, "/admin/payments/")})
    assert refused.status_code == 422 and "An Alipay app id is digits." in refused.get_data(as_text=True)


def test_who_is_paid_cannot_change_while_a_payment_made_the_old_way_is_open(app, sandbox, owner, alpha):
    """Closing or checking an open payment needs the credentials it was made with: another merchant number
    (or mode) is refused until it is paid or closed, and nothing changes; other edits go through."""
    from kaidian.payments import services
    from kaidian.platform.tenancy import tenant_context

    first, second = sandbox.register({"name": "Alpha"}), sandbox.register({"name": "Alpha 2"})
    assert save(owner, form_of(first)).status_code == 302
    with app.app_context(), tenant_context(alpha.tenant_id):
        started = services.start_payment(purpose="test", reference_id="switch-1", amount_fen=100,
                                         description="测试", channel="native")
        db.session.commit()
    before = stored(app)
    refused = save(owner, form_of(second))
    assert refused.status_code == 422 and "still open" in refused.get_data(as_text=True)
    after = stored(app)
    assert (after.mchid, after.mode, after.apiv3_key_encrypted) == (before.mchid, before.mode,
                                                                     before.apiv3_key_encrypted)
    assert save(owner, form_of(first, appid="wxalpha000000002")).status_code == 302  # same merchant: fine
    assert stored(app).appid == "wxalpha000000002"
    with app.app_context(), tenant_context(alpha.tenant_id):
        services.close_payment("switch-1", "test")
        db.session.commit()
    assert save(owner, form_of(second)).status_code == 302  # nothing open any more
    assert stored(app).mchid == second["mchid"] and started["out_trade_no"]
