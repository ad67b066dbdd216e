"""Refunds end to end through the sandbox (with their notifications), closing, and the reconcile job that
finds what a lost notification never said."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kaidian.payments import services, tasks
from kaidian.payments.errors import RefundRefused
from kaidian.payments.models import Refund
from kaidian.platform.extensions import db

from .helpers import notifications, payment_row, recorded, wait_until


def paid_payment(in_store, sandbox, store, amount=1000, reference="ref-9"):
    with in_store(store):
        page = services.start_payment(purpose="test", reference_id=reference, amount_fen=amount,
                                      description="测试", channel="native")
    sandbox.pay(page)
    return page


def refund_row(app, in_store, store, out_refund_no):
    with in_store(store):
        row = db.session.execute(select(Refund).filter_by(out_refund_no=out_refund_no)).scalar_one()
        db.session.expunge(row)
    return row


def test_a_refund_goes_through_the_sandbox_and_its_notification_finishes_it(app, sandbox, direct, alpha, in_store):
    page = paid_payment(in_store, sandbox, alpha)
    with in_store(alpha):
        row = services.refund(purpose="test", reference_id="ref-9", amount_fen=400, reason="缺货", out_refund_no="R-1",
                              metadata={"order_no": "K-1"})
        assert row.status == "processing" and row.provider_refund_id
    wait_until(lambda: recorded("refund.succeeded"))  # the event follows the notification's commit
    assert refund_row(app, in_store, alpha, "R-1").status == "succeeded"
    [event] = recorded("refund.succeeded")
    assert event.payload == {"refund_id": str(row.id), "purpose": "test", "reference_id": "ref-9", "amount_fen": 400,
                             "order_no": "K-1"}
    payment = payment_row(app, page["out_trade_no"])
    assert (payment.status, payment.refunded_fen) == ("paid", 400)
    assert [n.event_type for n in notifications(app)] == ["TRANSACTION.SUCCESS", "REFUND.SUCCESS"]

    with in_store(alpha):  # the same refund number is the same refund: nothing new at the provider
        again = services.refund(purpose="test", reference_id="ref-9", amount_fen=400, reason="缺货",
                                out_refund_no="R-1")
        assert again.id == row.id
        with pytest.raises(RefundRefused):  # more than what is left
            services.refund(purpose="test", reference_id="ref-9", amount_fen=601, reason="", out_refund_no="R-2")
        assert db.session.execute(select(Refund).filter_by(out_refund_no="R-2")).first() is None
        services.refund(purpose="test", reference_id="ref-9", amount_fen=600, reason="", out_refund_no="R-3")
    assert len(sandbox.state()["refunds"]) == 2
    wait_until(lambda: len(recorded("refund.succeeded")) == 2)
    payment = payment_row(app, page["out_trade_no"])
    assert (payment.status, payment.refunded_fen) == ("refunded", 1000)


def test_an_abnormal_refund_is_reported_failed_once(app, sandbox, direct, alpha, in_store):
    paid_payment(in_store, sandbox, alpha)
    sandbox.fault("pay.refund_result", mode="abnormal")
    with in_store(alpha):
        services.refund(purpose="test", reference_id="ref-9", amount_fen=1000, reason="", out_refund_no="R-X")
    wait_until(lambda: recorded("refund.failed"))
    assert refund_row(app, in_store, alpha, "R-X").status == "failed"
    assert len(recorded("refund.failed")) == 1 and recorded("refund.succeeded") == []


def test_nothing_paid_cannot_be_refunded(app, sandbox, direct, alpha, in_store):
    with in_store(alpha), pytest.raises(RefundRefused):
        services.refund(purpose="test", reference_id="never-paid", amount_fen=1, reason="", out_refund_no="R-0")


def test_a_lost_notification_is_found_by_the_reconcile_job_once(app, sandbox, direct, alpha, in_store):
    sandbox.fault("pay.notify", mode="lose")
    page = paid_payment(in_store, sandbox, alpha)
    assert notifications(app) == [] and payment_row(app, page["out_trade_no"]).status == "created"
    app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 0
    try:
        with app.app_context():
            assert tasks.reconcile_payments() == {"payments": 1, "refunds": 0}
            db.session.remove()
        assert payment_row(app, page["out_trade_no"]).status == "paid"
        assert len(recorded("payment.succeeded")) == 1
        with app.app_context():  # nothing left to reconcile; no second event
            assert tasks.reconcile_payments() == {"payments": 0, "refunds": 0}
            db.session.remove()
    finally:
        app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 5
    assert len(recorded("payment.succeeded")) == 1


def test_a_refund_whose_notification_was_lost_is_finished_by_the_reconcile_job(app, sandbox, direct, alpha,
                                                                              in_store):
    paid_payment(in_store, sandbox, alpha)
    sandbox.fault("pay.notify", mode="lose")
    with in_store(alpha):
        services.refund(purpose="test", reference_id="ref-9", amount_fen=1000, reason="", out_refund_no="R-L")
    wait_until(lambda: any(n["lost"] for n in sandbox.state()["notifications"]))
    assert refund_row(app, in_store, alpha, "R-L").status == "processing"
    app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 0
    try:
        with app.app_context():
            assert tasks.reconcile_payments() == {"payments": 0, "refunds": 1}
            db.session.remove()
    finally:
        app.config["PAYMENTS_RECONCILE_AFTER_MINUTES"] = 5
    assert refund_row(app, in_store, alpha, "R-L").status == "succeeded"
    assert len(recorded("refund.succeeded")) == 1


def test_closing_closes_at_the_provider_and_a_payment_paid_meanwhile_is_applied(app, sandbox, direct, alpha,
                                                                               in_store):
    with in_store(alpha):
        open_page = services.start_payment(purpose="test", reference_id="c-1", amount_fen=100, description="x",
                                           channel="native")
        services.close_payment("c-1", "test")
    assert payment_row(app, open_page["out_trade_no"]).status == "closed"
    assert sandbox.state()["transactions"][f"{direct['mchid']}:{open_page['out_trade_no']}"]["trade_state"] == "CLOSED"

    sandbox.fault("pay.notify", mode="lose")
    page = paid_payment(in_store, sandbox, alpha, reference="c-2")
    with in_store(alpha):
        services.close_payment("c-2", "test")
    assert payment_row(app, page["out_trade_no"]).status == "paid"
    assert len(recorded("payment.succeeded")) == 1


def test_a_payment_arriving_after_closing_is_still_recorded_as_paid(app, sandbox, direct, alpha, in_store):
    """The shopper paid while the store closed it here (the provider had not closed it yet): the money was
    taken, so the payment becomes paid and the owner of the reference decides (e.g. refunds)."""
    with in_store(alpha):
        page = services.start_payment(purpose="test", reference_id="late", amount_fen=100, description="x",
                                      channel="native")
        payment = db.session.execute(select(services.Payment).filter_by(out_trade_no=page["out_trade_no"])).scalar_one()
        payment.status = "closed"
        db.session.commit()
    sandbox.pay(page)
    assert payment_row(app, page["out_trade_no"]).status == "paid"
    assert len(recorded("payment.succeeded")) == 1
