"""The payment window is memoised per store in each process: a change saved here is seen at once,
another store keeps its own, and a change made elsewhere (another process) is seen once the memo's
seconds have passed."""

from sqlalchemy import update

from kaidian.orders import delivery, settings
from kaidian.orders.models import OrderSettings
from kaidian.platform.extensions import db
from tests import factories
from tests.conftest import make_app


def _window(app, tenant_id) -> int:
    with factories.in_store(app, tenant_id):
        return settings.payment_window_minutes()


def test_a_saved_window_is_seen_at_once_and_stores_keep_their_own(backend, tmp_path, make_store):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    alpha, beta = make_store("alpha"), make_store("beta")
    assert (_window(app, alpha.tenant_id), _window(app, beta.tenant_id)) == (30, 30)  # memoised now
    with factories.in_store(app, alpha.tenant_id):
        delivery.save_settings({"payment_window_minutes": 15, "auto_complete_days": 7})
    assert (_window(app, alpha.tenant_id), _window(app, beta.tenant_id)) == (15, 30)


def test_a_change_made_elsewhere_is_seen_when_the_memo_expires(backend, tmp_path, make_store, monkeypatch):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    store = make_store("alpha")
    with factories.in_store(app, store.tenant_id):
        delivery.save_settings({"payment_window_minutes": 20, "auto_complete_days": 7})
    assert _window(app, store.tenant_id) == 20
    with factories.in_store(app, store.tenant_id):  # as another process would: no flush seen here
        db.session.execute(update(OrderSettings).values(payment_window_minutes=45))
        db.session.commit()
    assert _window(app, store.tenant_id) == 20
    clock = settings.time.monotonic() + 61
    monkeypatch.setattr(settings.time, "monotonic", lambda: clock)
    assert _window(app, store.tenant_id) == 45
