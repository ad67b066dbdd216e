"""Staff over the staff limit after a downgrade at renewal: the newest staff (never the owner) lose
access — suspended, not deleted — listed in the downgrade warning, and get it back on an upgrade; the
same for a platform admin's plan change. Time travel with time-machine."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from kaidian.billing import subscriptions
from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Tenant, User
from kaidian.platform.tenancy import all_tenants
from tests.billing.helpers import notify_paid, open_order, state, sweep
from tests.conftest import api_token, login, post_form
from tests.factories import in_store, member

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
STAFF = ["s1@example.com", "s2@example.com", "s3@example.com"]  # basic allows 2 accounts: the owner and s1


@pytest.fixture
def store(app, make_store):
    """A pro store paid for a month, with three staff added an hour apart (s1 oldest)."""
    with time_machine.travel(START, tick=False):
        made = make_store("alpha", plan="pro")
        o = open_order(app, made.tenant_id, "pro", "month")
        notify_paid(app, made.tenant_id, o["id"], o["amount_fen"], "wx-1")
    for hour, login_name in enumerate(STAFF, start=1):
        with time_machine.travel(START + timedelta(hours=hour), tick=False):
            member(app, made, login_name)
    return made


def suspended(app, tenant_id) -> dict[str, bool]:
    with app.app_context(), all_tenants():
        rows = db.session.execute(select(Membership).where(Membership.tenant_id == tenant_id)).scalars()
        result = {m.user.login_name: m.suspended_at is not None for m in rows}
        db.session.remove()
    return result


def admin_status(app, login_name) -> tuple[int, str]:
    client = app.test_client()
    client.set_cookie("lang", "en", domain="localhost")
    login(client, login_name)
    page = client.get("/admin/")
    return page.status_code, page.get_data(as_text=True)


def downgrade_at_renewal(app, store) -> datetime:
    """Ask for basic (after the warning), renew at basic's price, let the paid month end; the new end."""
    end = state(app, store.tenant_id)["period_end"]
    with time_machine.travel(end - timedelta(days=2), tick=False):
        client = app.test_client()
        client.set_cookie("lang", "en", domain="localhost")
        login(client, store.login)
        assert post_form(client, "/admin/plan/downgrade", {"plan": "basic", "confirmed": "1"}).status_code == 302
        o = open_order(app, store.tenant_id, "basic", "month")
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-2")
    assert suspended(app, store.tenant_id) == {store.login: False, **dict.fromkeys(STAFF, False)}  # not yet
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        sweep(app)
        sweep(app)
    assert state(app, store.tenant_id)["plan"] == "basic"
    return end


def test_the_downgrade_warning_lists_the_staff_who_lose_access_newest_first(app, store):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        client = app.test_client()
        client.set_cookie("lang", "en", domain="localhost")
        login(client, store.login)
        text = post_form(client, "/admin/plan/downgrade", {"plan": "basic"}).get_data(as_text=True)
    assert "These staff accounts will lose access" in text
    assert "s3@example.com, s2@example.com" in text and "s1@example.com" not in text and store.login not in text


def test_the_newest_staff_lose_access_at_renewal_and_get_it_back_on_upgrade(app, store):
    end = downgrade_at_renewal(app, store)
    assert suspended(app, store.tenant_id) == {store.login: False, "s1@example.com": False,
                                               "s2@example.com": True, "s3@example.com": True}
    with time_machine.travel(end + timedelta(hours=2), tick=False):
        status, text = admin_status(app, "s3@example.com")
        assert status == 403 and "Your access to this store is suspended" in text
        assert admin_status(app, "s1@example.com")[0] == 200
        assert admin_status(app, store.login)[0] == 200
        with app.test_client() as api:  # a token of a suspended member does not act either
            headers = api_token(api, "s2@example.com")
            answer = api.get("/api/v1/store", headers=headers)
            assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "staff_suspended"
        o = open_order(app, store.tenant_id, "pro", "month")  # the upgrade, at once
        assert o["kind"] == "upgrade"
        notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-3")
        assert state(app, store.tenant_id)["plan"] == "pro"
        assert not any(suspended(app, store.tenant_id).values())  # nobody was deleted; all are back
        assert admin_status(app, "s3@example.com")[0] == 200


def test_a_platform_admins_plan_change_applies_the_same_rule(app, store, make_admin):
    _, admin_id = make_admin()
    with in_store(app, store.tenant_id):
        tenant, actor = db.session.get(Tenant, store.tenant_id), db.session.get(User, admin_id)
        subscriptions.set_plan(tenant, {"plan": "basic", "reason": "support ticket"}, actor)
    assert sorted(name for name, off in suspended(app, store.tenant_id).items() if off) == ["s2@example.com",
                                                                                             "s3@example.com"]
    with in_store(app, store.tenant_id):
        tenant, actor = db.session.get(Tenant, store.tenant_id), db.session.get(User, admin_id)
        subscriptions.set_plan(tenant, {"plan": "flagship", "reason": "comp"}, actor)
    assert not any(suspended(app, store.tenant_id).values())
