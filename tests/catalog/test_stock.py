"""The stock service: the one place stock changes, atomically, never below zero, with a ledger row
per change, and a low-stock notification (and one email) when a SKU crosses below its threshold."""

import threading
import time
import uuid

import psycopg
import pytest
from sqlalchemy import select, text

from kaidian.catalog import stock
from kaidian.catalog.errors import InsufficientStock
from kaidian.catalog.models import CatalogNotification, Sku, StockMovement
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests.catalog.helpers import count, create, in_store, rows, simple


@pytest.fixture
def sku_id(client, headers):
    product = create(client, headers, simple(stock=10, code="MUG", low_stock_threshold=5))
    return uuid.UUID(product["skus"][0]["id"])


def _stock(app, sku_id) -> int:
    return rows(app, Sku.stock, where=[Sku.id == sku_id])[0][0]


def _sku(tenant_id, sku_id) -> Sku:
    return db.session.get(Sku, (tenant_id, sku_id))


def test_adjust_changes_stock_and_writes_the_ledger(app, store, sku_id):
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, sku_id)
        assert stock.reserve(sku, 3, ref="order-1") == 7
        assert stock.release(sku, 1, ref="order-1") == 8
        assert sku.stock == 8  # the loaded object follows
        db.session.commit()
    ledger = rows(app, StockMovement.reason, StockMovement.delta, StockMovement.stock_after, StockMovement.note,
                  where=[StockMovement.sku_id == sku_id])
    assert sorted(ledger) == [("initial", 10, 10, ""), ("release", 1, 8, "order-1"), ("reserve", -3, 7, "order-1")]


@pytest.mark.parametrize("quantity", [11, 100])
def test_stock_never_goes_below_zero_and_a_refusal_changes_nothing(app, store, sku_id, quantity):
    movements = count(app, StockMovement)
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, sku_id)
        with pytest.raises(InsufficientStock) as refused:
            stock.reserve(sku, quantity)
        assert refused.value.available == 10 and refused.value.status == 409
        db.session.commit()
    assert _stock(app, sku_id) == 10
    assert count(app, StockMovement) == movements


def test_the_api_refuses_a_decrement_below_zero(app, client, headers, sku_id):
    product_id = rows(app, Sku.product_id, where=[Sku.id == sku_id])[0][0]
    response = client.post(f"/api/v1/products/{product_id}/skus/{sku_id}/stock", headers=headers,
                           json={"delta": -11})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "insufficient_stock"
    assert _stock(app, sku_id) == 10


def test_set_stock_makes_it_exact(app, store, sku_id):
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, sku_id)
        assert stock.set_stock(sku, 42, "manual") == 42
        with pytest.raises(Exception):  # noqa: B017 - a negative count is refused
            stock.set_stock(sku, -1, "manual")
        db.session.commit()
    assert _stock(app, sku_id) == 42


def _racer(app, tenant_id, sku_id, outcomes, start, hold=None, after_update=None, pids=None):
    with app.app_context(), tenant_context(tenant_id):
        try:
            start.wait(timeout=10)
            sku = db.session.get(Sku, (tenant_id, sku_id))
            if pids is not None:  # the PostgreSQL backend serving this buyer's transaction
                pids.append(db.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            stock.reserve(sku, 1)
            if after_update:
                after_update.set()
            if hold:
                hold.wait(timeout=10)
            db.session.commit()
            outcomes.append("ok")
        except InsufficientStock:
            db.session.rollback()
            outcomes.append("refused")
        finally:
            db.session.remove()


def _set_stock(app, tenant_id, sku_id, value):
    with in_store(app, tenant_id):
        stock.set_stock(_sku(tenant_id, sku_id), value, "manual")
        db.session.commit()


def _blocked_by(backend, waiter_pid: list, holder_pid: list, seconds: float = 15) -> bool:
    """Wait until ``pg_locks`` has an ungranted lock for the waiter's backend, blocked by the holder's."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(backend.owner_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if waiter_pid and conn.execute(
                    "SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted AND %s = ANY(pg_blocking_pids(%s))",
                    (waiter_pid[0], holder_pid[0], waiter_pid[0])).fetchone():
                return True
            time.sleep(0.02)
    return False


def test_two_racing_decrements_of_the_last_unit_cannot_both_win(app, backend, store, sku_id):
    if backend.kind != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # given one unit left
    _set_stock(app, store.tenant_id, sku_id, 1)
    outcomes, go, first_updated, release_first = [], threading.Event(), threading.Event(), threading.Event()
    go.set()
    # when the first buyer has taken it (row locked, not yet committed) and the second asks too
    first_pid, second_pid = [], []
    first = threading.Thread(target=_racer, args=(app, store.tenant_id, sku_id, outcomes, go, release_first,
                                                  first_updated, first_pid))
    first.start()
    assert first_updated.wait(timeout=10)
    second = threading.Thread(target=_racer, args=(app, store.tenant_id, sku_id, outcomes, go, None, None,
                                                   second_pid))
    second.start()
    # then PostgreSQL shows the second buyer's backend waiting for a lock that the first one holds
    assert _blocked_by(backend, second_pid, first_pid) and second.is_alive() and outcomes == []
    release_first.set()
    first.join(timeout=10)
    second.join(timeout=10)
    # then exactly one wins and stock is zero, never -1
    assert sorted(outcomes) == ["ok", "refused"]
    assert _stock(app, sku_id) == 0


def test_many_concurrent_buyers_never_oversell(app, backend, store, sku_id):
    if backend.kind != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _set_stock(app, store.tenant_id, sku_id, 5)
    outcomes, go = [], threading.Event()
    threads = [threading.Thread(target=_racer, args=(app, store.tenant_id, sku_id, outcomes, go))
               for _ in range(12)]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=20)
    assert outcomes.count("ok") == 5 and outcomes.count("refused") == 7
    assert _stock(app, sku_id) == 0
    assert count(app, StockMovement, StockMovement.sku_id == sku_id, StockMovement.reason == "reserve") == 5


def test_crossing_below_the_threshold_notifies_once_and_emails_the_owner(app, store, sku_id):
    app.extensions.pop("kaidian_outbox", None)
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, sku_id)
        stock.reserve(sku, 4)  # 10 -> 6: still above 5
        db.session.commit()
        stock.reserve(sku, 2)  # 6 -> 4: crosses
        db.session.commit()
        stock.reserve(sku, 1)  # 4 -> 3: already low, no second alert
        db.session.commit()
    notes = rows(app, CatalogNotification.kind, CatalogNotification.stock, CatalogNotification.resolved_at)
    assert notes == [("low_stock", 4, None)]
    outbox = app.extensions.get("kaidian_outbox", [])
    assert [to for to, _, _ in outbox] == [store.login]
    assert "Mug" in outbox[0][2]


def test_running_out_and_restocking(app, store, sku_id):
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, sku_id)
        stock.reserve(sku, 6)  # 4: low
        db.session.commit()
        stock.reserve(sku, 4)  # 0: out of stock, replaces the low one
        db.session.commit()
        open_kinds = db.session.execute(select(CatalogNotification.kind).where(
            CatalogNotification.resolved_at.is_(None))).scalars().all()
        assert open_kinds == ["out_of_stock"]
        stock.adjust(sku, 20, "manual")  # back above the threshold: resolved
        db.session.commit()
    assert count(app, CatalogNotification, CatalogNotification.resolved_at.is_(None)) == 0


def test_a_rolled_back_change_sends_no_email(app, store, sku_id):
    app.extensions.pop("kaidian_outbox", None)
    with in_store(app, store.tenant_id):
        stock.reserve(_sku(store.tenant_id, sku_id), 8)
        db.session.rollback()
        db.session.execute(select(1))
        db.session.commit()
    assert app.extensions.get("kaidian_outbox", []) == []
    assert _stock(app, sku_id) == 10


def test_a_retired_sku_cannot_be_sold(app, client, headers, store):
    product = create(client, headers, {"title": "Cap", "specs": [{"name": "Colour", "values": ["Red", "Blue"]}],
                                       "skus": [{"spec_values": ["Red"], "price": 100, "stock": 2},
                                                {"spec_values": ["Blue"], "price": 100, "stock": 2}]})
    blue = next(s for s in product["skus"] if s["spec_values"] == ["Blue"])
    client.patch(f"/api/v1/products/{product['id']}", headers=headers,
                 json={"specs": [{"name": "Colour", "values": ["Red"]}], "skus": []})
    with in_store(app, store.tenant_id):
        sku = _sku(store.tenant_id, uuid.UUID(blue["id"]))
        with pytest.raises(Exception) as refused:  # noqa: PT011
            stock.reserve(sku, 1)
        assert getattr(refused.value, "code", "") == "sku_retired"
