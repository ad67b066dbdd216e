"""Notifications to a store's staff: what happened (a new paid order, later billing reminders…), kept per
store with a read mark, shown behind the bell in the merchant admin and sent by email / SMS through the
channel registry. Other domains use ``services.register_kind`` and ``services.notify`` (see its docstring);
nothing here imports them — the order notifications are fed by the ``order.paid`` domain event."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.platform import console, sites

    from . import channels, services, subscriptions, views  # noqa: F401  (channels registers the senders)

    sites.register(app, views.bp, sites.PLATFORM)
    app.context_processor(views.inject_bell)
    subscriptions.subscribe_all()
    console.add_merchant_nav("notifications.index", _l("Notifications"))
