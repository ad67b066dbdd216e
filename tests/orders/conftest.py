"""Fixtures of the orders tests: a store with products, logged-in shoppers, fake payments."""

import pytest

from tests.orders.helpers import FakePayments, Shopper, make_customer


@pytest.fixture
def store(make_store):
    return make_store("alpha")


@pytest.fixture
def other_store(make_store):
    return make_store("bravo")


@pytest.fixture
def payments(monkeypatch):
    from kaidian.orders import paying

    fake = FakePayments()
    monkeypatch.setattr(paying, "_payments", lambda: fake)
    return fake


@pytest.fixture
def shopper(app, store, payments):
    return Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))


@pytest.fixture
def guest(app, store):
    return Shopper(app, store.slug, store.tenant_id)
