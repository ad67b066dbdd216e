"""Selling: the cart, checkout without overselling, the order state machine with its timeline,
freight templates and pickup points, shipping and after-sales; the shopper's store pages of all
that (``pages``)."""


from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.customers import services as customers
    from kaidian.platform import console, events, sites

    # models, periodic jobs and the admin pages on admin.bp register on import
    from kaidian.platform.extensions import csrf

    from . import admin, admin_aftersales, admin_orders, api, handlers, mini_program, models, pages, storefront, tasks  # noqa: F401,E501
    from .services import move_customer

    sites.register(app, storefront.bp, sites.STORE)
    csrf.exempt(mini_program.bp)  # the mini program's bearer token, never a cookie
    sites.register(app, mini_program.bp, sites.PLATFORM)
    sites.register(app, pages.bp, sites.STORE)
    pages.register_all(app)  # the shopper's page kinds: cart, checkout, pay, orders, order, after-sales
    sites.register_api(api.blp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, admin.static_bp, sites.ANY)
    console.add_entry_point("order_admin", "orders_admin.order_detail")  # entry_url("order_admin", order_id=…)
    console.add_merchant_nav("orders_admin.order_list", _l("Orders"))
    console.add_merchant_nav("orders_admin.after_sale_list", _l("After-sales"))
    console.add_merchant_nav("orders_admin.delivery_page", _l("Delivery"))
    events.subscribe("payment.succeeded", handlers.on_payment_succeeded)
    events.subscribe("refund.succeeded", handlers.on_refund_succeeded)
    events.subscribe("refund.failed", handlers.on_refund_failed)
    customers.register_merge_step(move_customer)  # one person's orders, after-sales and cart
    _register_legacy_private_folders()


def _register_legacy_private_folders() -> None:
    """Photos and exports saved under ``t/`` before they were private: ``flask kaidian move-private-files``."""
    from sqlalchemy import Text, cast

    from kaidian.platform import private_move

    from .models import AfterSale, OrderExport

    def set_photos(row, keys):
        row.photos = keys

    def set_export(row, keys):
        row.file_key = keys[0]

    private_move.register(private_move.LegacyFolder(
        "aftersales", AfterSale, lambda row: list(row.photos or []), set_photos,
        lambda text: cast(AfterSale.photos, Text).contains(f'"{text}', autoescape=True)))
    private_move.register(private_move.LegacyFolder(
        "exports", OrderExport, lambda row: [row.file_key or ""], set_export,
        lambda text: OrderExport.file_key.startswith(text, autoescape=True)))
