"""The subscription across time (time-machine): trial end, payment, reminders on the right days,
grace, expiry, reactivation; every change recorded; the sweep run twice has one effect."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kaidian.billing import lifecycle
from kaidian.billing.models import SubscriptionState
from tests.billing.helpers import events, notify_paid, open_order, outbox, state, sweep
from tests.conftest import login

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(make_store):
    with time_machine.travel(START, tick=False):
        return make_store("alpha")


def test_trial_end_expires_the_store_and_paying_reopens_it(app, client, store):
    with time_machine.travel(START + timedelta(days=6, hours=23), tick=False):
        sweep(app)
        assert state(app, store.tenant_id)["status"] == "trial"
        assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200
    with time_machine.travel(START + timedelta(days=7, hours=1), tick=False):
        sweep(app)
        sweep(app)  # twice: one effect
        assert state(app, store.tenant_id)["status"] == "expired"
        ended = [e for e in events(app, store.tenant_id) if e[0] == "trial.ended"]
        assert ended == [("trial.ended", "trial", "expired")]
        assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 403  # closed page for shoppers
        order = open_order(app, store.tenant_id, "basic", "year")
        assert order["amount_fen"] == 698_00 and order["kind"] == "new"
        assert notify_paid(app, store.tenant_id, order["id"], 698_00) is True
        after = state(app, store.tenant_id)
        assert after["status"] == "active"
        assert after["period_end"] == START + timedelta(days=7, hours=1) + timedelta(days=365)
        assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200  # reopened at once


def test_reminders_7_3_1_days_before_the_end_once_each(app, store):
    app.extensions.pop("kaidian_outbox", None)
    order = None
    with time_machine.travel(START + timedelta(days=1), tick=False):
        order = open_order(app, store.tenant_id, "basic", "month")
        notify_paid(app, store.tenant_id, order["id"], order["amount_fen"])
    end = state(app, store.tenant_id)["period_end"]  # trial days kept: 30 days from the trial's end
    assert end == START + timedelta(days=7 + 30)
    sent = []
    for day in range(20, 37):
        with time_machine.travel(START + timedelta(days=day), tick=False):
            before = len(outbox(app))
            sweep(app)
            sweep(app)
            sent += [(day, subject) for _, subject, _ in outbox(app)[before:]]
    days_before = [(end - (START + timedelta(days=d))).days for d, _ in sent]
    assert [d for d, _ in sent] == [30, 34, 36]  # 7, 3 and 1 days before the end, one mail each
    assert days_before == [7, 3, 1]


def test_paid_time_ends_into_grace_then_expired_then_reactivated(app, client, store):
    with time_machine.travel(START, tick=False):
        order = open_order(app, store.tenant_id, "pro", "month")
        notify_paid(app, store.tenant_id, order["id"], order["amount_fen"])
    end = state(app, store.tenant_id)["period_end"]
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        sweep(app)
        s = state(app, store.tenant_id)
        assert s["status"] == "grace" and s["grace_ends_at"] == end + timedelta(days=7)
        assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200  # still open
        login(client, store.login)
        client.set_cookie("lang", "en")
        assert "grace period" in client.get("/admin/").get_data(as_text=True)
    with time_machine.travel(end + timedelta(days=7, hours=1), tick=False):
        sweep(app)
        assert state(app, store.tenant_id)["status"] == "expired"
        assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 403
        login(client, store.login)  # a login lasts a day
        html = client.get("/admin/plan").get_data(as_text=True)
        assert "Your plan has expired" in html and '<fieldset class="read-only"' not in html  # billing stays usable
        assert client.get("/admin/profile").get_data(as_text=True).count('<fieldset class="read-only" disabled') == 1
        order = open_order(app, store.tenant_id, "pro", "month")
        assert notify_paid(app, store.tenant_id, order["id"], order["amount_fen"], "wx-2")
        s = state(app, store.tenant_id)
        assert s["status"] == "active" and s["period_start"] == end + timedelta(days=7, hours=1)
    actions = [e[0] for e in events(app, store.tenant_id)]
    expected = ["trial.start", "plan.change", "payment", "period.ended", "grace.ended", "payment"]
    assert sorted(actions) == sorted(expected)


def test_paying_in_grace_continues_from_the_paid_end(app, store):
    with time_machine.travel(START, tick=False):
        notify_paid(app, store.tenant_id, (o := open_order(app, store.tenant_id, "basic", "month"))["id"],
                    o["amount_fen"])
    end = state(app, store.tenant_id)["period_end"]
    with time_machine.travel(end + timedelta(days=2), tick=False):
        sweep(app)
        o = open_order(app, store.tenant_id, "basic", "month")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-2")
        s = state(app, store.tenant_id)
        assert s["status"] == "active" and s["period_end"] == end + timedelta(days=30)


def test_the_state_machine_refuses_moves_it_does_not_list(app):
    assert SubscriptionState.ACTIVE not in lifecycle.TRANSITIONS[SubscriptionState.CLOSED]
    assert SubscriptionState.GRACE not in lifecycle.TRANSITIONS[SubscriptionState.TRIAL]
    assert lifecycle.TRANSITIONS[SubscriptionState.EXPIRED] == {SubscriptionState.ACTIVE, SubscriptionState.CLOSED}
