"""Paying the platform: a notification applied once, amount mismatches refused, late payments of an
expired order honoured; upgrade proration; downgrade at renewal; prices never retroactive;
numbered receipts with Chinese text; 发票 requests."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from kaidian.billing import subscriptions, tasks
from kaidian.billing.models import BillingPayment, PaymentStatus
from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent, Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.billing.helpers import events, notify_paid, open_order, payment, state, sweep
from tests.conftest import login, post_form

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(make_store):
    with time_machine.travel(START, tick=False):
        return make_store("alpha")


def test_a_duplicated_notification_extends_once(app, store):
    with time_machine.travel(START, tick=False):
        order = open_order(app, store.tenant_id, "basic", "year")
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"], "wx-1") is True
        first = state(app, store.tenant_id)
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"], "wx-1") is False
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"], "wx-1") is False
        assert state(app, store.tenant_id) == first
        assert [e[0] for e in events(app, store.tenant_id)].count("payment") == 1


def test_an_amount_mismatch_is_refused_and_changes_nothing(app, store):
    with time_machine.travel(START, tick=False):
        order = open_order(app, store.tenant_id, "basic", "year")
        before = state(app, store.tenant_id)
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"] - 1, "wx-1") is False
        assert state(app, store.tenant_id) == before
        row = payment(app, order["id"])
        assert row.status == PaymentStatus.PENDING and row.receipt_no is None
        with app.app_context(), all_tenants():
            assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "billing.payment.refused")).scalar() == 1


def test_a_notification_for_an_expired_order_is_honoured(app, store):
    with time_machine.travel(START, tick=False):
        order = open_order(app, store.tenant_id, "basic", "year")
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        with app.app_context():
            tasks.expire_unpaid_orders()
            tasks.expire_unpaid_orders()
        assert payment(app, order["id"]).status == PaymentStatus.EXPIRED
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"], "wx-late") is True
        assert payment(app, order["id"]).status == PaymentStatus.PAID
        assert state(app, store.tenant_id)["status"] == "active"


def test_an_unknown_or_malformed_reference_is_ignored(app, store):
    assert notify_paid(app, store.tenant_id, "not-a-uuid", 100) is False
    assert notify_paid(app, store.tenant_id, "00000000-0000-0000-0000-000000000000", 100) is False
    assert state(app, store.tenant_id)["status"] == "trial"


def test_upgrade_mid_term_credits_the_unused_part(app, store):
    with time_machine.travel(START, tick=False):
        o = open_order(app, store.tenant_id, "basic", "year")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
    s = state(app, store.tenant_id)
    total = (s["period_end"] - s["period_start"]).total_seconds()
    halfway = s["period_start"] + timedelta(seconds=total / 2)
    with time_machine.travel(halfway, tick=False):
        o = open_order(app, store.tenant_id, "pro", "year")
        assert o["kind"] == "upgrade"
        assert o["credit_fen"] == 698_00 // 2  # half of what the year cost
        assert o["amount_fen"] == 2_980_00 - 698_00 // 2
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-2")
        s = state(app, store.tenant_id)
        assert (s["plan"], s["tenant_plan"], s["status"]) == ("pro", "pro", "active")
        assert s["period_start"] == halfway and s["period_end"] == halfway + timedelta(days=365)


def test_proration_rule_in_whole_fen_rounded_down():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=365)
    assert subscriptions.proration_credit(698_00, start, end, start) == 698_00
    assert subscriptions.proration_credit(698_00, start, end, end) == 0
    assert subscriptions.proration_credit(100, start, end, start + timedelta(days=1)) == 99  # 99.7 → 99
    assert subscriptions.proration_credit(698_00, start, end, end + timedelta(days=3)) == 0


def test_the_plan_page_shows_the_credit_before_paying(app, client, store):
    with time_machine.travel(START, tick=False):
        o = open_order(app, store.tenant_id, "basic", "year")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
    with time_machine.travel(START + timedelta(days=100), tick=False):
        login(client, store.login)
        client.set_cookie("lang", "en")
        html = client.get("/admin/plan").get_data(as_text=True)
        s = state(app, store.tenant_id)  # the paid year began when the trial ended (its days are kept)
        credit = subscriptions.proration_credit(698_00, s["period_start"], s["period_end"], START + timedelta(days=100))
        assert f"Credit ¥{credit // 100:,}.{credit % 100:02d}; you pay" in html
        monthly = post_form(client, "/admin/plan/pay", {"plan": "pro", "period": "month"})
        assert monthly.status_code == 409  # a credit larger than a month's price is never thrown away
        assert "amount paid × days left ÷ days in the period" in html


def _count_products(app, tenant_id):
    from kaidian.catalog.models import Product

    with app.app_context(), tenant_context(tenant_id):
        n = db.session.execute(select(func.count()).select_from(Product)).scalar()
        db.session.remove()
        return n


def test_downgrade_waits_for_renewal_after_a_warning(app, client, make_store):
    with time_machine.travel(START, tick=False):
        store = make_store("bravo", plan="pro")
        o = open_order(app, store.tenant_id, "pro", "month")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
        from tests.billing.test_enforcement import _fill_staff

        _fill_staff(app, store.tenant_id, 4)  # basic allows 2
        login(client, store.login)
        client.set_cookie("lang", "en")
        warning = post_form(client, "/admin/plan/downgrade", {"plan": "basic"})
        text = warning.get_data(as_text=True)
        assert warning.status_code == 200 and "staff accounts: 4 of 2" in text and "never deleted" in text
        assert state(app, store.tenant_id)["pending_plan"] == ""  # only asked
        done = post_form(client, "/admin/plan/downgrade", {"plan": "basic", "confirmed": "1"})
        assert done.status_code == 302
        s = state(app, store.tenant_id)
        assert (s["plan"], s["pending_plan"]) == ("pro", "basic")  # pro until the end of the paid month
    end = s["period_end"]
    with time_machine.travel(end - timedelta(days=2), tick=False):
        o = open_order(app, store.tenant_id, "basic", "month")  # the renewal, at basic's price
        assert (o["kind"], o["amount_fen"]) == ("downgrade", 69_00)
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-2")
        assert state(app, store.tenant_id)["plan"] == "pro"
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        sweep(app)
        sweep(app)
        s = state(app, store.tenant_id)
        assert (s["plan"], s["tenant_plan"], s["status"], s["pending_plan"]) == ("basic", "basic", "active", "")
        assert s["period_end"] == end + timedelta(days=30)
    with app.app_context(), all_tenants():  # nothing deleted
        from kaidian.platform.models import Membership

        assert db.session.execute(select(func.count()).select_from(Membership).where(
            Membership.tenant_id == store.tenant_id)).scalar() == 4


def test_a_price_change_applies_to_new_orders_never_to_paid_time(app, store, make_admin):
    from kaidian.platform.models import User

    _, admin_id = make_admin()
    with time_machine.travel(START, tick=False):
        o = open_order(app, store.tenant_id, "basic", "year")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
        with app.app_context():
            subscriptions.set_price({"plan": "basic", "period": "year", "amount_fen": 798_00,
                                     "valid_from": (START + timedelta(days=10)).isoformat()},
                                    db.session.get(User, admin_id))
        end_before = state(app, store.tenant_id)["period_end"]
        assert open_order(app, store.tenant_id, "basic", "year")["amount_fen"] == 698_00  # not in force yet
    with time_machine.travel(START + timedelta(days=11), tick=False):
        assert state(app, store.tenant_id)["period_end"] == end_before  # paid time untouched
        assert payment(app, o["id"]).amount_fen == 698_00
        assert open_order(app, store.tenant_id, "basic", "year")["amount_fen"] == 798_00  # renewals pay the new price


def test_a_price_cannot_start_in_the_past(app, make_admin):
    from kaidian.platform.errors import ValidationFailed
    from kaidian.platform.models import User

    _, admin_id = make_admin()
    with app.app_context():
        with pytest.raises(ValidationFailed):
            subscriptions.set_price({"plan": "basic", "period": "year", "amount_fen": 1,
                                     "valid_from": "2020-01-01T00:00:00+00:00"}, db.session.get(User, admin_id))


def test_receipts_are_numbered_per_year_and_render_chinese(app, client, make_store):
    a = make_store("alpha")
    b = make_store("bravo", login="bravo@example.com")
    numbers = []
    for when, s in [(datetime(2026, 12, 31, 10, tzinfo=UTC), a), (datetime(2026, 12, 31, 11, tzinfo=UTC), b),
                    (datetime(2027, 1, 1, 10, tzinfo=UTC), b)]:
        with time_machine.travel(when, tick=False):
            o = open_order(app, s.tenant_id, "pro", "year")
            notify_paid(app, s.tenant_id, o["id"], o["amount_fen"], f"wx-{len(numbers)}")
            numbers.append(payment(app, o["id"]).receipt_no)
    assert numbers == ["KD2026-000001", "KD2026-000002", "KD2027-000001"]
    login(client, a.login)
    with app.app_context(), all_tenants():
        pid = db.session.execute(select(BillingPayment.id).where(BillingPayment.tenant_id == a.tenant_id)).scalar()
    response = client.get(f"/admin/plan/payments/{pid}/receipt.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils, installed by .ci/run) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "收据" in text and "专业版" in text and "KD2026-000001" in text and "¥2,980.00" in text


def test_a_receipt_is_only_for_a_paid_payment(app, client, store):
    o = open_order(app, store.tenant_id, "basic", "year")
    login(client, store.login)
    assert client.get(f"/admin/plan/payments/{o['id']}/receipt.pdf").status_code == 302


def test_invoice_request_then_download_after_the_platform_uploads_it(app, client, store, make_admin):
    o = open_order(app, store.tenant_id, "basic", "year")
    notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
    login(client, store.login)
    client.set_cookie("lang", "en")
    bad = post_form(client, f"/admin/plan/payments/{o['id']}/invoice",
                    {"company": "Alpha Ltd", "tax_number": "123", "email": "a@example.com"})
    assert bad.status_code == 422 and "15, 18 or 20" in bad.get_data(as_text=True)
    ok = post_form(client, f"/admin/plan/payments/{o['id']}/invoice",
                   {"company": "Alpha Ltd", "tax_number": "91310000MA1FL0000X", "email": "a@example.com"})
    assert ok.status_code == 302
    again = post_form(client, f"/admin/plan/payments/{o['id']}/invoice",
                      {"company": "Alpha Ltd", "tax_number": "91310000MA1FL0000X", "email": "a@example.com"})
    assert again.status_code == 409
    admin_login, _ = make_admin()
    console = app.test_client()
    login(console, admin_login)
    from kaidian.billing.models import InvoiceRequest

    with app.app_context(), all_tenants():
        invoice_id = db.session.execute(select(InvoiceRequest.id)).scalar_one()
    import io

    not_pdf = post_form(console, f"/platform/billing/{store.tenant_id}/invoices/{invoice_id}",
                        {"file": (io.BytesIO(b"hello"), "x.pdf")}, content_type="multipart/form-data")
    assert not_pdf.status_code == 422
    pdf = b"%PDF-1.4\n%%EOF"
    up = post_form(console, f"/platform/billing/{store.tenant_id}/invoices/{invoice_id}",
                   {"file": (io.BytesIO(pdf), "fapiao.pdf")}, content_type="multipart/form-data")
    assert up.status_code == 302
    got = client.get(f"/admin/plan/invoices/{invoice_id}")
    assert got.status_code == 200 and got.data == pdf


def test_paying_while_payments_is_unavailable_changes_nothing(app, client, store, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_payments(name, *args, **kwargs):
        if name.startswith("kaidian.payments"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_payments)
    login(client, store.login)
    response = post_form(client, "/admin/plan/pay", {"plan": "pro", "period": "year"})
    assert response.status_code == 503
    with app.app_context(), all_tenants():
        assert db.session.execute(select(func.count()).select_from(BillingPayment)).scalar() == 0
        assert db.session.get(Tenant, store.tenant_id).plan == "basic"
