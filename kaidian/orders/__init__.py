"""Selling: the cart, checkout without overselling, the order state machine with its timeline,
freight templates and pickup points, shipping and after-sales."""


from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.platform import console, events, sites

    # models, periodic jobs and the admin pages on admin.bp register on import
    from . import admin, admin_aftersales, admin_orders, api, handlers, models, storefront, tasks  # noqa: F401

    sites.register(app, storefront.bp, sites.STORE)
    sites.register_api(api.blp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, admin.static_bp, sites.ANY)
    console.add_merchant_nav("orders_admin.order_list", _l("Orders"))
    console.add_merchant_nav("orders_admin.after_sale_list", _l("After-sales"))
    console.add_merchant_nav("orders_admin.delivery_page", _l("Delivery"))
    events.subscribe("payment.succeeded", handlers.on_payment_succeeded)
    events.subscribe("refund.succeeded", handlers.on_refund_succeeded)
    events.subscribe("refund.failed", handlers.on_refund_failed)
