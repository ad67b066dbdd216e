"""The platform console's billing: figures, bank transfers, extensions and comps with a reason,
plan changes, closing a store, prices; bad input is a 4xx and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.billing.helpers import events, notify_paid, open_order, state, sweep
from tests.conftest import login, post_form

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def console(app, make_admin):
    admin_login, _ = make_admin()
    client = app.test_client()
    login(client, admin_login)
    client.set_cookie("lang", "en")
    return client


def test_record_a_bank_transfer_reopens_an_expired_store(app, console, make_store):
    store = make_store("alpha")
    sweep(app, now=datetime.now(UTC) + timedelta(days=8))
    assert state(app, store.tenant_id)["status"] == "expired"
    url = f"/platform/billing/{store.tenant_id}/bank-transfer"
    wrong = post_form(console, url, {"plan": "pro", "period": "year", "amount": "100", "reference": "B-1"})
    assert wrong.status_code == 422 and "2980.00" in wrong.get_data(as_text=True)
    no_ref = post_form(console, url, {"plan": "pro", "period": "year", "amount": "2980", "reference": " "})
    assert no_ref.status_code == 422
    assert state(app, store.tenant_id)["status"] == "expired"  # nothing changed
    ok = post_form(console, url, {"plan": "pro", "period": "year", "amount": "2980", "reference": "B-1"})
    assert ok.status_code == 302
    s = state(app, store.tenant_id)
    assert (s["status"], s["plan"]) == ("active", "pro")
    assert ("bank_transfer", "expired", "active") in events(app, store.tenant_id)


def test_extend_needs_a_reason_and_is_recorded(app, console, make_store):
    store = make_store("alpha")
    before = state(app, store.tenant_id)
    url = f"/platform/billing/{store.tenant_id}/extend"
    assert post_form(console, url, {"days": "10", "reason": ""}).status_code == 422
    assert post_form(console, url, {"days": "0", "reason": "x"}).status_code == 422
    assert post_form(console, url, {"days": "abc", "reason": "x"}).status_code == 422
    assert state(app, store.tenant_id) == before
    assert post_form(console, url, {"days": "10", "reason": "Trade fair"}).status_code == 302
    after = state(app, store.tenant_id)
    assert after["status"] == "trial" and after["period_end"] == before["period_end"] + timedelta(days=10)
    html = console.get(f"/platform/billing/{store.tenant_id}").get_data(as_text=True)
    assert "Trade fair" in html and "trial.extend" in html


def test_comp_an_expired_store(app, console, make_store):
    store = make_store("alpha")
    sweep(app, now=datetime.now(UTC) + timedelta(days=8))
    assert post_form(console, f"/platform/billing/{store.tenant_id}/extend",
                     {"days": "30", "reason": "Apology"}).status_code == 302
    assert state(app, store.tenant_id)["status"] == "active"


def test_change_plan_and_close(app, console, make_store):
    store = make_store("alpha")
    assert post_form(console, f"/platform/billing/{store.tenant_id}/plan", {"plan": "gold", "reason": "x"}
                     ).status_code == 422
    assert post_form(console, f"/platform/billing/{store.tenant_id}/plan", {"plan": "flagship", "reason": "Deal"}
                     ).status_code == 302
    assert state(app, store.tenant_id)["tenant_plan"] == "flagship"
    url = f"/platform/billing/{store.tenant_id}/close"
    asked = post_form(console, url, {"reason": "Owner asked"})
    assert asked.status_code == 200 and state(app, store.tenant_id)["status"] == "trial"  # a confirmation first
    assert post_form(console, url, {"reason": "Owner asked", "confirmed": "1"}).status_code == 302
    s = state(app, store.tenant_id)
    assert (s["state"], s["status"]) == ("closed", "closed")
    app_client = app.test_client()
    assert app_client.get("/", headers={"Host": "alpha.localhost"}).status_code == 403
    o = open_order  # a closed store cannot be paid for
    with pytest.raises(Exception):  # noqa: B017 - Conflict from quote
        o(app, store.tenant_id, "basic", "year")


def test_figures_mrr_arr_conversion_churn(app, console, make_store):
    with time_machine.travel(START, tick=False):
        a, b = make_store("alpha"), make_store("bravo", login="b@example.com")
        make_store("charlie", login="c@example.com")
        for s, plan, period in [(a, "pro", "year"), (b, "basic", "month")]:
            o = open_order(app, s.tenant_id, plan, period)
            notify_paid(app, s.tenant_id, o["id"], o["amount_fen"], f"wx-{s.slug}")
    with time_machine.travel(START + timedelta(days=8), tick=False):
        sweep(app)  # charlie's trial ended unpaid
        login(console, "root@example.com")
        from kaidian.billing.console import figures
        from kaidian.platform.tenancy import all_tenants

        with app.app_context(), all_tenants():
            f = figures()
        assert f["mrr"] == 2_980_00 // 12 + 69_00 and f["arr"] == f["mrr"] * 12
        assert (f["trials_ended"], f["converted"], f["conversion"]) == (3, 2, 67)
        html = console.get("/platform/billing/").get_data(as_text=True)
        assert "MRR" in html and "¥" in html and "Charlie" in html


def test_edit_a_price_from_a_date(app, console):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert post_form(console, "/platform/billing/prices", {"plan": "pro", "period": "year", "amount": "x",
                                                            "valid_from": tomorrow}).status_code == 422
    assert post_form(console, "/platform/billing/prices", {"plan": "pro", "period": "year", "amount": "3280",
                                                            "valid_from": "2020-01-01T00:00"}).status_code == 422
    assert post_form(console, "/platform/billing/prices", {"plan": "pro", "period": "year", "amount": "3280",
                                                            "valid_from": tomorrow}).status_code == 302
    assert "¥3,280.00" in console.get("/platform/billing/prices").get_data(as_text=True)


def test_the_console_is_for_platform_admins_only(app, client, make_store):
    store = make_store("alpha")
    login(client, store.login)
    assert client.get("/platform/billing/").status_code == 403
    assert post_form(client, f"/platform/billing/{store.tenant_id}/extend",
                     {"days": "10", "reason": "x"}).status_code == 403
