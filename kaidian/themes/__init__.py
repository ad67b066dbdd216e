"""The section library, industry templates, page documents, storefront rendering and its cache.

Public entry points for other packages:

* ``kaidian.themes.storefront``: ``page_response`` and the ``product_page`` / ``category_page`` /
  ``search_page`` / ``member_page`` helpers the catalog's and WeChat's store views render through;
* ``kaidian.themes.services``: drafts, publishing, versions, custom pages (the builder);
* ``kaidian.themes.registry.describe_library()``: the section schemas as JSON;
* ``kaidian.themes.preview.render_draft_section``: one section of a draft, rendered.
"""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Register the storefront (the store home is rendered from the theme), the merchant's
    storefront page, the API, the static files, the render-cache invalidation listeners, the
    domain-event subscribers: a new store's theme (``tenant.created``) and per-product cache
    invalidation (``product.changed``), and the demo-store seeder."""
    from kaidian.billing import services as billing
    from kaidian.platform import console, events, sites
    from kaidian.platform.cli import add_demo_seeder, kaidian_cli

    from . import admin, api, cli, demo, models, render_cache, services, storefront  # noqa: F401  (models)

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
