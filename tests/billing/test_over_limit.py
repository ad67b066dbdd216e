"""Content over a limit after a plan change is hidden from shoppers, never deleted, and shown again
on an upgrade: custom pages (the real limits) and products (the same rule, with a small limit)."""

import pytest

from kaidian.billing import subscriptions
from kaidian.billing.plans import PLANS
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, User
from tests.factories import in_store, product


def _set_plan(app, store, plan):
    with in_store(app, store.tenant_id):
        tenant = db.session.get(Tenant, store.tenant_id)
        subscriptions.set_plan(tenant, {"plan": plan, "reason": "test"}, db.session.get(User, store.owner_id))


def _pages(app, store, count):
    from kaidian.themes import services as theme_services

    with in_store(app, store.tenant_id):
        tenant, owner = db.session.get(Tenant, store.tenant_id), db.session.get(User, store.owner_id)
        for i in range(count):
            theme_services.create_page(tenant, f"page-{i}", f"Page {i}", owner)
            theme_services.publish(tenant, f"page-{i}", owner)


def _status(client, path):
    return client.get(path, headers={"Host": "alpha.localhost"}).status_code


def test_custom_pages_over_the_lower_plan_are_hidden_then_restored(app, client, make_store):
    store = make_store("alpha", plan="pro")
    _pages(app, store, PLANS["basic"].limits["pages"] + 1)  # 6: one more than basic allows
    assert _status(client, "/pages/page-5") == 200
    _set_plan(app, store, "basic")
    assert [_status(client, f"/pages/page-{i}") for i in range(6)] == [200] * 5 + [404]  # the newest is hidden
    _set_plan(app, store, "pro")
    assert _status(client, "/pages/page-5") == 200  # never deleted: shown again


def test_products_over_the_limit_are_hidden_from_shoppers_and_kept(app, client, make_store, monkeypatch):
    monkeypatch.setitem(PLANS["basic"].limits, "products", 2)
    store = make_store("alpha", plan="pro")
    ids = [product(app, store.tenant_id, f"Product {i}") for i in range(3)]
    assert [_status(client, f"/products/{i}") for i in ids] == [200, 200, 200]
    _set_plan(app, store, "basic")
    assert [_status(client, f"/products/{i}") for i in ids] == [200, 200, 404]
    _set_plan(app, store, "pro")
    assert [_status(client, f"/products/{i}") for i in ids] == [200, 200, 200]


@pytest.mark.parametrize("plan", ["pro", "flagship"])
def test_within_the_limit_nothing_is_hidden(app, client, make_store, plan):
    store = make_store("alpha", plan=plan)
    _pages(app, store, 6)
    assert _status(client, "/pages/page-5") == 200
