"""The store-page renderer: page kinds, the section library, industry templates, page documents,
storefront rendering and its cache.

Public entry points for other packages (``API.md``):

* ``kaidian.themes.page_kinds``: for domains that own store pages (the catalog, customers, next
  orders) — they register their page kinds (routes, data provider, sections, defaults, private or
  cached) and the catalog provides the store data product sections read;
* ``kaidian.themes.public``: for the builder — pages, drafts, previews, the section library.

Themes imports no domain package but ``billing``.
"""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Register the storefront (the store home is rendered from the theme), the merchant's
    storefront page, the API, the static files, the render-cache invalidation listeners, the
    domain-event subscribers: a new store's theme (``tenant.created``) and per-product cache
    invalidation (``product.changed``), the demo-store seeder, and its own page kinds (home, custom)."""
    from kaidian.billing import services as billing
    from kaidian.platform import console, events, sites
    from kaidian.platform.cli import add_demo_seeder, kaidian_cli

    from . import admin, api, cli, demo, models, page_kinds, render_cache, services, storefront  # noqa: F401

    page_kinds.register(app, storefront.HOME)  # served at "/" through the store home hook below
    page_kinds.register(app, storefront.CUSTOM)  # served at /pages/<handle> by storefront.bp
    sites.register(app, storefront.bp, sites.STORE)
    billing.register_usage("pages", _custom_pages)
    sites.register(app, storefront.static_bp, sites.ANY)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register_api(api.themes_api, sites.PLATFORM)
    app.extensions["kaidian_store_home"] = storefront.home
    app.extensions["kaidian_store_error_page"] = storefront.error_html
    render_cache.install_listeners()
    events.subscribe("tenant.created", services.on_tenant_created)
    events.subscribe("product.changed", render_cache.on_product_changed)
    kaidian_cli.add_command(cli.setup_themes)
    console.add_merchant_nav("themes_admin.theme", _l("Storefront"))
    add_demo_seeder(app, 20, demo.seed_demo_store)


def _custom_pages(tenant) -> int:
    from sqlalchemy import func, select

    from kaidian.platform.extensions import db

    from .models import Page, PageKind

    return db.session.execute(select(func.count()).select_from(Page).where(Page.tenant_id == tenant.id,
                                                                          Page.kind == PageKind.CUSTOM)).scalar()
