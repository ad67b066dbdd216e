"""Selling: the cart, checkout without overselling, the order state machine with its timeline,
freight templates and pickup points, shipping and after-sales; the shopper's store pages of all
that (``pages``)."""


def init_app(app) -> None:
    from kaidian.platform import events, sites

    from . import handlers, models, pages, storefront, tasks  # noqa: F401 - models and periodic jobs register

    sites.register(app, storefront.bp, sites.STORE)
    sites.register(app, pages.bp, sites.STORE)
    pages.register_all(app)  # the shopper's page kinds: cart, checkout, pay, orders, order, after-sales
    events.subscribe("payment.succeeded", handlers.on_payment_succeeded)
