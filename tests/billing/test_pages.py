"""The public pricing page and the merchant's plan page: usage, paying by QR code, the payment page."""

import sys
import types

import pytest

from kaidian.billing.models import PaymentStatus
from tests.billing.helpers import notify_paid, payment
from tests.conftest import login, post_form


def test_the_pricing_page_compares_the_plans(client):
    client.set_cookie("lang", "en")
    html = client.get("/pricing").get_data(as_text=True)
    for text in ("Basic", "Pro", "Flagship", "¥698.00", "¥69.00", "¥2,980.00", "¥9,800.00", "Custom domain",
                 "What happens when the trial ends?", "/signup?plan=pro"):
        assert text in html


def test_the_pricing_page_in_chinese(client):
    html = client.get("/pricing").get_data(as_text=True)
    assert "专业版" in html and "常见问题" in html


@pytest.fixture
def fake_payments(monkeypatch):
    calls = []

    def start_payment(**kwargs):
        calls.append(kwargs)
        return {"code_url": "weixin://wxpay/bizpayurl?pr=fake123", "payment_id": "pay-1"}

    services = types.SimpleNamespace(start_payment=start_payment)
    package = types.ModuleType("kaidian.payments")
    package.services = services
    monkeypatch.setitem(sys.modules, "kaidian.payments", package)
    monkeypatch.setitem(sys.modules, "kaidian.payments.services", services)
    return calls


def test_pay_shows_a_native_qr_code_and_the_notification_activates(app, client, make_store, fake_payments):
    store = make_store("alpha")
    login(client, store.login)
    client.set_cookie("lang", "en")
    page = client.get("/admin/plan").get_data(as_text=True)
    assert "Staff accounts" in page and "days left" in page
    response = post_form(client, "/admin/plan/pay", {"plan": "pro", "period": "year"})
    assert response.status_code == 302
    (call,) = fake_payments
    assert (call["purpose"], call["channel"], call["amount_fen"]) == ("subscription", "native", 2_980_00)
    html = client.get(response.location).get_data(as_text=True)
    assert "<svg" in html and "weixin://wxpay/bizpayurl?pr=fake123" in html
    status_url = response.location + "/status"
    assert client.get(status_url).get_json() == {"status": "pending", "store_status": "trial"}
    notify_paid(app, store.tenant_id, call["reference_id"], call["amount_fen"], "wx-1")
    assert client.get(status_url).get_json() == {"status": "paid", "store_status": "active"}
    assert payment(app, call["reference_id"]).status == PaymentStatus.PAID
    assert "KD" in client.get(response.location).get_data(as_text=True)


def test_only_the_owner_pays(app, client, make_store, fake_payments):
    from tests.factories import member

    store = make_store("alpha")
    member(app, store, "clerk@example.com")
    login(client, "clerk@example.com")
    assert post_form(client, "/admin/plan/pay", {"plan": "pro", "period": "year"}).status_code == 403
    assert fake_payments == []


def test_a_bad_plan_is_refused(app, client, make_store, fake_payments):
    store = make_store("alpha")
    login(client, store.login)
    assert post_form(client, "/admin/plan/pay", {"plan": "gold", "period": "year"}).status_code == 422
    assert post_form(client, "/admin/plan/pay", {"plan": "pro", "period": "week"}).status_code == 422
    assert fake_payments == []
