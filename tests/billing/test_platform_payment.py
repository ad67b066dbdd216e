"""Paying the platform end to end against the WeChat Pay sandbox: a store whose trial ended pays its
plan by Native QR code on the platform's own merchant account; the sandbox's notification reaches
payments, ``payment.succeeded`` reaches billing, and the store reopens — once, whatever the retries."""

from datetime import UTC, datetime, timedelta

from kaidian.billing.models import PaymentStatus
from tests.billing.helpers import payment, state, sweep
from tests.conftest import login, post_form
from tests.payments.conftest import app, pay_env, sandbox  # noqa: F401 - the sandbox and the served app
from tests.payments.helpers import notifications, wait_until


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
