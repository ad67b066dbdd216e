"""Paying the platform end to end against the WeChat Pay sandbox: a store whose trial ended pays its
plan by Native QR code on the platform's own merchant account; the sandbox's notification reaches
payments, ``payment.succeeded`` reaches billing, and the store reopens — once, whatever the retries."""

from datetime import UTC, datetime, timedelta

import pytest

from kaidian.billing.models import PaymentStatus
from tests.billing.helpers import payment, state, sweep
from tests.conftest import PASSWORD, login, post_form
from tests.payments.conftest import app, pay_env, sandbox  # noqa: F401 - the sandbox and the served app
from tests.payments.helpers import notifications, wait_until
from tests.themes.test_browser import ARGS, CHROMIUM
from tests.themes.test_browser import _need_browser as need_browser


def test_an_expired_store_pays_on_the_sandbox_and_reopens(app, client, sandbox, make_store):  # noqa: F811
    store = make_store("alpha")
    sweep(app, now=datetime.now(UTC) + timedelta(days=8))
    assert state(app, store.tenant_id)["status"] == "expired"
    assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 403
    login(client, store.login)
    client.set_cookie("lang", "en")
    response = post_form(client, "/admin/plan/pay", {"plan": "basic", "period": "year"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get(response.location).get_data(as_text=True)
    assert "<svg" in page and "sandbox-cashier" in page
    payment_id = response.location.rstrip("/").split("/")[-1]
    code_url = payment(app, payment_id).code_url
    merchants = sandbox.state()["merchants"]
    transaction = next(iter(sandbox.state()["transactions"].values()))
    assert transaction["mchid"] in merchants and transaction["total"] == 698_00  # the platform's account
    sandbox.pay({"cashier_url": code_url})
    wait_until(lambda: state(app, store.tenant_id)["status"] == "active", timeout=10)
    row = payment(app, payment_id)
    assert row.status == PaymentStatus.PAID and row.receipt_no and row.transaction_id
    assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200  # reopened at once
    assert client.get(response.location + "/status").get_json()["status"] == "paid"
    received = notifications(app)
    assert received and {n.route for n in received} == {"platform"} and received[0].result == "applied"


@pytest.fixture(scope="module")
def chromium():
    sync_api = need_browser()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def test_in_a_browser_a_merchant_whose_trial_ended_pays_and_the_store_reopens(app, pay_env, sandbox,  # noqa: F811
                                                                             make_store, chromium):
    store = make_store("alpha")
    sweep(app, now=datetime.now(UTC) + timedelta(days=8))
    base = pay_env.platform_url
    port = base.rsplit(":", 1)[1]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "lang", "value": "en", "url": base}])
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    assert page.goto(f"http://alpha.localhost:{port}/").status == 403  # shoppers see the closed page
    page.goto(base + "/login")
    page.fill("input[name=login]", store.login)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(base + "/admin/plan")
    assert "Your plan has expired" in page.content()
    with page.expect_navigation():
        page.click("form.pay:has(input[name=plan][value=basic]):has(input[name=period][value=year]) button")
    assert page.locator(".qr svg").count() == 1
    payment_url = page.url
    cashier = context.new_page()  # the phone that scans the code
    cashier.goto(page.get_attribute("#sandbox-cashier", "href"))
    assert "698.00" in cashier.inner_text("[data-amount]")
    cashier.click("[data-pay]")
    cashier.wait_for_selector("[data-sandbox-cashier-done]")
    page.wait_for_selector("#paid", timeout=20_000)  # the payment page notices and reloads
    assert page.url == payment_url and "KD" in page.inner_text("#paid")
    assert state(app, store.tenant_id)["status"] == "active"
    assert page.goto(f"http://alpha.localhost:{port}/").status == 200  # reopened at once
    context.close()
    assert problems == []


def test_a_platform_admin_refunds_a_payment_and_its_time_ends(app, client, sandbox, make_store,  # noqa: F811
                                                              make_admin):
    store = make_store("alpha")
    login(client, store.login)
    response = post_form(client, "/admin/plan/pay", {"plan": "basic", "period": "month"})
    payment_id = response.location.rstrip("/").split("/")[-1]
    sandbox.pay({"cashier_url": payment(app, payment_id).code_url})
    wait_until(lambda: payment(app, payment_id).status == PaymentStatus.PAID, timeout=10)
    admin_login, _ = make_admin()
    console = app.test_client()
    login(console, admin_login)
    url = f"/platform/billing/{store.tenant_id}/payments/{payment_id}/refund"
    assert post_form(console, url, {"reason": "", "confirmed": "1"}).status_code == 422  # a reason is needed
    assert payment(app, payment_id).status == PaymentStatus.PAID
    assert post_form(console, url, {"reason": "Paid twice", "confirmed": "1"}).status_code == 302
    wait_until(lambda: payment(app, payment_id).status == PaymentStatus.REFUNDED, timeout=10)
    s, row = state(app, store.tenant_id), payment(app, payment_id)
    assert s["status"] == "active" and s["period_end"] == row.covers_start  # the bought month is taken back;
    assert row.covers_end > s["period_end"]  # the trial's own days before it are kept
    sweep(app, now=s["period_end"] + timedelta(hours=1))
    assert state(app, store.tenant_id)["status"] == "grace"
    assert post_form(console, url, {"reason": "again", "confirmed": "1"}).status_code == 409  # once
