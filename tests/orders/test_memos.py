"""What checkout reads of a store's settings on every order is memoised per store in each process
(``platform/memo.py``): the payment window and the freight templates. A change saved here — an object
flushed or a bulk statement — is seen at once; another store keeps its own; a change made elsewhere
(another process) is seen once the memo's seconds have passed."""

from sqlalchemy import update

from kaidian.orders import delivery, freight, settings
from kaidian.orders.models import OrderSettings
from kaidian.platform import memo
from kaidian.platform.extensions import db
from tests import factories
from tests.conftest import make_app

AREA = {"regions": [], "first_units": 1, "first_fen": 800, "extra_units": 1, "extra_fen": 200}


def _see_all(conn, backend) -> None:
    if backend.kind == "postgresql":  # row-level security: this raw connection acts for every store
        conn.exec_driver_sql("SELECT set_config('app.all_tenants', 'on', true)")


def _window(app, tenant_id) -> int:
    with factories.in_store(app, tenant_id):
        return settings.payment_window_minutes()


def _default_fee(app, tenant_id):
    with factories.in_store(app, tenant_id):
        _, default = freight.templates_for([])
        return default.areas[0].first_fen if default else None


def test_a_saved_window_is_seen_at_once_and_stores_keep_their_own(backend, tmp_path, make_store):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    alpha, beta = make_store("alpha"), make_store("beta")
    assert (_window(app, alpha.tenant_id), _window(app, beta.tenant_id)) == (30, 30)  # memoised now
    with factories.in_store(app, alpha.tenant_id):
        delivery.save_settings({"payment_window_minutes": 15, "auto_complete_days": 7})
    assert (_window(app, alpha.tenant_id), _window(app, beta.tenant_id)) == (15, 30)
    with factories.in_store(app, alpha.tenant_id):  # a bulk statement through the session
        db.session.execute(update(OrderSettings).values(payment_window_minutes=25))
        db.session.commit()
    assert _window(app, alpha.tenant_id) == 25


def test_a_change_made_elsewhere_is_seen_when_the_memo_expires(backend, tmp_path, make_store, monkeypatch):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    store = make_store("alpha")
    with factories.in_store(app, store.tenant_id):
        delivery.save_settings({"payment_window_minutes": 20, "auto_complete_days": 7})
    assert _window(app, store.tenant_id) == 20
    with app.app_context(), db.engine.begin() as conn:  # as another process would: not through the session
        _see_all(conn, backend)
        conn.execute(update(OrderSettings.__table__).values(payment_window_minutes=45))
    assert _window(app, store.tenant_id) == 20
    later = memo.time.monotonic() + 61
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    assert _window(app, store.tenant_id) == 45


def test_freight_templates_saved_here_are_seen_at_once(backend, tmp_path, make_store):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    alpha, beta = make_store("alpha"), make_store("beta")
    assert _default_fee(app, alpha.tenant_id) is None  # memoised: no default template
    with factories.in_store(app, alpha.tenant_id):
        first_id = delivery.create_template({"name": "A", "method": "piece", "areas": [AREA], "is_default": True}).id
    assert _default_fee(app, alpha.tenant_id) == 800
    with factories.in_store(app, alpha.tenant_id):  # a new default: the old one unset by a bulk update
        delivery.create_template({"name": "B", "method": "piece", "is_default": True,
                                  "areas": [dict(AREA, first_fen=1200)]})
    assert _default_fee(app, alpha.tenant_id) == 1200
    with factories.in_store(app, alpha.tenant_id):
        delivery.update_template(delivery.get_template(first_id), {"areas": [dict(AREA, first_fen=500)],
                                                                   "is_default": True})
    assert (_default_fee(app, alpha.tenant_id), _default_fee(app, beta.tenant_id)) == (500, None)


def test_nothing_is_memoised_with_the_memo_off(backend, tmp_path, make_store):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=0)
    store = make_store("alpha")
    assert _window(app, store.tenant_id) == 30
    with app.app_context(), db.engine.begin() as conn:
        _see_all(conn, backend)
        conn.execute(OrderSettings.__table__.insert().values(tenant_id=store.tenant_id, id=store.tenant_id,
                                                             payment_window_minutes=60, auto_complete_days=10,
                                                             return_address=""))
    assert _window(app, store.tenant_id) == 60
