"""Selling: the cart, checkout without overselling, the order state machine with its timeline,
freight templates and pickup points, shipping and after-sales."""


def init_app(app) -> None:
    from kaidian.platform import events, sites

    from . import handlers, models, storefront, tasks  # noqa: F401 - models and periodic jobs register

    sites.register(app, storefront.bp, sites.STORE)
    events.subscribe("payment.succeeded", handlers.on_payment_succeeded)
