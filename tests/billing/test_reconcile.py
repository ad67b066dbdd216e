"""The billing reconcile job over HTTP against the WeChat Pay sandbox: a platform order whose
notification was lost is found and applied once (the late notification extends nothing more); an
unpaid order past its lifetime is closed at WeChat Pay through the close API and expired; run twice,
one effect."""

from datetime import timedelta

import pytest

from kaidian.billing import tasks
from kaidian.billing.models import PaymentStatus
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from tests.billing.helpers import notify_paid, payment, state
from tests.conftest import login, post_form
from tests.payments.conftest import app, pay_env, sandbox  # noqa: F401 - the sandbox and the served app
from tests.payments.helpers import notifications, wait_until


@pytest.fixture
def reconcile_now(app):  # noqa: F811
    app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 0
    yield
    app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 5


def run(app, now=None) -> dict:  # noqa: F811
    with app.app_context():
        outcome = tasks.reconcile_platform_payments(now)
        db.session.remove()
    return outcome


def qr_order(app, client, store, plan="basic", period="year"):  # noqa: F811
    login(client, store.login)
    response = post_form(client, "/admin/plan/pay", {"plan": plan, "period": period})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return payment(app, response.location.rstrip("/").split("/")[-1])


def trade(sandbox, out_trade_no=None) -> dict:  # noqa: F811
    [row] = [t for t in sandbox.state()["transactions"].values()
             if out_trade_no is None or t.get("out_trade_no") == out_trade_no]
    return row


def test_a_lost_notification_is_applied_once_by_the_reconcile_job(app, client, sandbox, make_store,  # noqa: F811
                                                                  reconcile_now):
    store = make_store("alpha")
    order = qr_order(app, client, store)
    sandbox.fault("pay.notify", mode="lose")
    sandbox.pay({"cashier_url": order.code_url})
    wait_until(lambda: any(n["lost"] for n in sandbox.state()["notifications"]))
    assert payment(app, order.id).status == PaymentStatus.PENDING and state(app, store.tenant_id)["status"] == "trial"
    assert run(app) == {"paid": 1}
    paid = state(app, store.tenant_id)
    row = payment(app, order.id)
    assert paid["status"] == "active" and row.status == PaymentStatus.PAID and row.receipt_no
    assert run(app) == {}  # nothing pending any more
    # the notification arrives after all (WeChat Pay retries): applied already, nothing extends again
    assert notify_paid(app, store.tenant_id, order.id, order.amount_fen, row.transaction_id) is False
    assert state(app, store.tenant_id) == paid


def test_a_late_notification_and_the_reconcile_job_extend_once(app, client, sandbox, make_store,  # noqa: F811
                                                               reconcile_now):
    store = make_store("alpha")
    order = qr_order(app, client, store)
    sandbox.fault("pay.notify", latency_ms=1500)  # the notification is on its way while the job runs
    sandbox.pay({"cashier_url": order.code_url})
    assert run(app) == {"paid": 1}
    paid = state(app, store.tenant_id)
    wait_until(lambda: notifications(app), timeout=10)
    assert state(app, store.tenant_id) == paid and payment(app, order.id).status == PaymentStatus.PAID


def test_an_unpaid_order_past_its_lifetime_is_closed_at_wechat_pay(app, client, sandbox, make_store,  # noqa: F811
                                                                  reconcile_now):
    store = make_store("alpha")
    order = qr_order(app, client, store)
    assert run(app) == {"open": 1}  # still within its lifetime: asked, left open
    assert trade(sandbox)["trade_state"] == "NOTPAY"
    later = utcnow() + timedelta(hours=3)
    assert run(app, later) == {"expired": 1}
    assert run(app, later) == {}  # twice: one close
    assert trade(sandbox)["trade_state"] == "CLOSED"
    assert payment(app, order.id).status == PaymentStatus.EXPIRED and state(app, store.tenant_id)["status"] == "trial"


def test_an_order_paid_just_before_its_end_is_applied_not_closed(app, client, sandbox, make_store,  # noqa: F811
                                                                reconcile_now):
    store = make_store("alpha")
    order = qr_order(app, client, store)
    sandbox.fault("pay.notify", mode="lose")
    sandbox.pay({"cashier_url": order.code_url})
    assert run(app, utcnow() + timedelta(hours=3)) == {"paid": 1}
    assert payment(app, order.id).status == PaymentStatus.PAID and state(app, store.tenant_id)["status"] == "active"
    assert trade(sandbox)["trade_state"] == "SUCCESS"
