"""Domain events: delivered once after the commit, in their own session with the tenant current;
dropped on rollback, and by a savepoint's rollback for the events published inside it."""

from __future__ import annotations

import pytest
from rq import Queue
from sqlalchemy import text

from kaidian.platform import events, jobs
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import current_tenant_id
from tests.conftest import make_app

SEEN: list[dict] = []


def remember(event) -> None:
    SEEN.append({"name": event.name, "tenant": current_tenant_id(), "payload": dict(event.payload),
                 "session": db.session()})


@pytest.fixture
def subscribed(app, monkeypatch):
    """A test subscriber on ``product.changed`` (the registry is restored afterwards)."""
    monkeypatch.setattr(events, "_SUBSCRIBERS", {k: list(v) for k, v in events._SUBSCRIBERS.items()})
    monkeypatch.setitem(events._SUBSCRIBERS, "product.changed", [])
    events.subscribe("product.changed", remember)
    SEEN.clear()
    yield SEEN
    SEEN.clear()


def announce(marker: str, tenant_id=None) -> None:
    events.publish("product.changed", tenant_id=tenant_id, product_id=marker)


def markers() -> list[str]:
    return [seen["payload"]["product_id"] for seen in SEEN]


def test_an_event_is_delivered_once_after_the_commit(app, subscribed, make_store):
    store = make_store("alpha")
    with app.app_context():
        outer = db.session()
        outer.execute(text("SELECT 1"))
        announce("a", store.tenant_id)
        assert SEEN == []
        outer.commit()
        assert markers() == ["a"]
        outer.execute(text("SELECT 1"))
        outer.commit()
    assert markers() == ["a"]
    (seen,) = SEEN
    assert seen["tenant"] == store.tenant_id and seen["session"] is not outer


def test_a_rollback_drops_the_events(app, subscribed):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        announce("dropped")
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    assert SEEN == []


def test_a_savepoint_rollback_drops_only_the_events_published_inside_it(app, subscribed):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        announce("before")
        savepoint = db.session.begin_nested()
        announce("inside")
        inner = db.session.begin_nested()
        announce("deeper")
        inner.commit()  # released into the savepoint: goes with it
        savepoint.rollback()
        kept = db.session.begin_nested()
        announce("released")
        kept.commit()
        announce("after")
        db.session.commit()
    assert markers() == ["before", "released", "after"]


def test_outside_a_transaction_an_event_is_delivered_at_once(app, subscribed):
    with app.app_context():
        db.session.commit()
        announce("now")
        assert markers() == ["now"]


def test_unknown_events_are_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        events.publish("product.chnaged", product_id="typo")
    with pytest.raises(ValueError):
        events.subscribe("nope", remember)


def test_a_background_subscriber_becomes_a_job_enqueued_after_commit(app, backend, monkeypatch, tmp_path):
    if not backend.redis_url:
        pytest.skip("needs Redis")
    monkeypatch.setattr(events, "_SUBSCRIBERS", {"product.changed": []})
    events.subscribe("product.changed", remember, background=True, queue="low")
    rq_app = make_app(backend, tmp_path, JOBS_INLINE=False)
    with rq_app.app_context():
        queue = Queue("low", connection=jobs.get_redis())
        db.session.execute(text("SELECT 1"))
        announce("queued")
        assert queue.count == 0
        db.session.commit()
        (job,) = queue.get_jobs()
    assert job.func_name == "kaidian.platform.events.run_handler"
    assert job.args[1].payload == {"product_id": "queued"}
