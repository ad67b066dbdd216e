"""Products, specs and SKUs, categories, shelves, media, bulk import."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.billing import services as billing
    from kaidian.platform import cli, console, sites
    from kaidian.themes import page_kinds

    from . import admin, alerts, api, changes, demo, models, products, storefront, tasks  # noqa: F401 - models, jobs register
    from . import cli as catalog_cli
    from .store_data import CatalogData

    alerts.install_hooks()
    billing.register_usage("products", lambda tenant: products.live_count())
    changes.install_hooks()
    sites.register_api(api.blp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, admin.static_bp, sites.ANY)
    sites.register(app, storefront.bp, sites.STORE)
    for kind in storefront.PAGE_KINDS:  # category, product, search: served through the store's theme
        page_kinds.register(app, kind)
    page_kinds.provide_data(CatalogData)  # what product sections read
    page_kinds.watch_content(models.Category, models.Group)  # names in menus and headings
    console.add_merchant_nav("catalog_admin.dashboard", _l("Products"))
    cli.add_demo_seeder(app, 10, demo.seed_demo_store)
    cli.kaidian_cli.add_command(catalog_cli.image_renditions)
