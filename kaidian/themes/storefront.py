"""The store's pages as shoppers get them: published documents, rendered and cached.

``page_response`` is the one way a storefront page is answered; the home view here, the custom
pages (``/pages/<handle>``), and the catalog's and WeChat's store views (``product_page``,
``category_page``, ``search_page``, ``member_page``) all go through it:

* a closed store gets the closed page;
* on a cache hit nothing touches the database (versions and content token come from the cache);
* responses carry an ETag (``If-None-Match`` → 304) and ``Cache-Control: public, no-cache``, or
  ``private, no-cache`` for pages that show the logged-in shopper, which are never shared-cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from flask import Blueprint, Response, abort, g, request
from flask_babel import get_locale

from kaidian.platform.observability import SECURITY_HEADERS

from . import industries, registry, render_cache, services
from .data import CatalogData
from .render import RenderContext, render_app_page, render_error_page, render_page, section_views


class _VersionedStatic(Blueprint):
    """Static files asked for with their content hash (``?v=``, see ``assets``) are cached for a year."""

    def get_send_file_max_age(self, filename):
        return 365 * 86400 if request.args.get("v") else super().get_send_file_max_age(filename)


log = logging.getLogger(__name__)
bp = Blueprint("themes_store", __name__)
static_bp = _VersionedStatic("themes_static", __name__, static_folder="static", static_url_path="/static/themes")

# The platform's policy, plus media from anywhere https (a merchant's video in the video section).
STORE_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; media-src 'self' https: http:"
PRIVATE_KINDS = frozenset(kind for s in registry.all_sections() if s.shopper_specific for kind in (s.pages or ()))


def home():
    return page_response("home")


@bp.get("/pages/<handle>")
def custom_page(handle: str):
    if handle in registry.SYSTEM_PAGES:
        abort(404)
    return page_response(handle)


# --- for the catalog's and WeChat's store views -------------------------------------------------


def product_page(product_id) -> Response:
    """The themed product page for a product on sale (404 otherwise)."""
    return page_response("product", str(product_id), lambda: _product_subject(product_id))


def _product_subject(product_id) -> dict:
    product = CatalogData().product(product_id)
    if product is None:
        abort(404)
    return {"product": product}


def category_page(category_id=None, page: int = 1) -> Response:
    """The category page: the first category, or the one asked for (404 if it does not exist);
    ``page`` numbers its product pages."""
    subject, page = str(category_id or ""), _page_number(page)
    return page_response("category", f"{subject}:{page}", lambda: _category_subject(subject, page))


def _category_subject(category_id: str, page: int) -> dict:
    if not category_id:
        return {"category_id": "", "page": page}
    node = CatalogData().category(category_id)
    if node is None:
        abort(404)
    return {"category_id": category_id, "title": node["name"], "page": page}


def search_page(query: str = "", page: int = 1) -> Response:
    query, page = " ".join(str(query or "").split())[:60], _page_number(page)
    return page_response("search", f"{page}:{query}", lambda: {"q": query, "page": page},
                         ttl=render_cache.SEARCH_TTL)


def all_products_page(page: int = 1) -> Response:
    """Every product on sale, newest first, on the search page's layout (``/products``)."""
    page = _page_number(page)
    return page_response("search", f"all:{page}", lambda: {"q": "", "all": True, "page": page})


def _page_number(page) -> int:
    try:
        return max(1, min(int(page or 1), 1000))
    except (TypeError, ValueError):
        return 1


def member_page(customer=None) -> Response:
    """The member page for the logged-in shopper (``customer``: the WeChat Customer, or None)."""
    shopper = ({"nickname": getattr(customer, "display_name", customer.nickname), "avatar": customer.avatar}
               if customer is not None else None)
    return page_response("member", customer=shopper)


def app_page(handle: str, title: str, body, *, status: int = 200, scripts=()) -> Response:
    """A page another domain draws (``body``: its escaped markup) in the store's theme: its header sections,
    colours and tab bar. Shopper-specific, so ``private, no-store``; ``handle`` names it for the tab bar
    (e.g. ``member`` keeps the member tab current). Reads only, like every store page."""
    tenant = g.get("tenant")
    if tenant is None:
        abort(404)
    theme = services.find_theme()
    if theme is not None and theme.published:
        theme_doc, industry = theme.published, theme.template
    else:
        industry = industries.industry_for(tenant.category_list)
        theme_doc = industries.build_theme(industry)
    ctx = RenderContext(tenant, theme_doc, handle, audience="shopper", industry=industry)
    html = render_app_page(ctx, _header_views(), title, body, scripts)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = STORE_CSP
    return response


# --- errors ------------------------------------------------------------------------------------

HEADER_TYPES = ("announcement_bar", "header")


def error_html(status: int, title: str, message: str, closed: bool = False) -> str:
    """The store's error page in its published theme (``platform.errors`` calls this; it falls back to a
    plain page if this raises). Reads only: a store without a theme yet is drawn with its template's."""
    tenant = g.tenant
    theme = services.find_theme()
    if theme is not None and theme.published:
        theme_doc, industry = theme.published, theme.template
    else:
        industry = industries.industry_for(tenant.category_list)
        theme_doc = industries.build_theme(industry)
    ctx = RenderContext(tenant, theme_doc, "error", audience="shopper", industry=industry)
    return render_error_page(ctx, _header_views(), status, title, message, closed)


def _header_views() -> list:
    """The home page's header sections (announcement bar, header), so the error page looks like the store."""
    home = services.find_page("home")
    if home is None or not home.published:
        return []
    return [view for view in section_views(home.published) if view.type in HEADER_TYPES]


# --- the one path ------------------------------------------------------------------------------


def page_response(handle: str, subject_key: str = "", load_subject: Callable[[], dict] | None = None, *,
                  customer: dict | None = None, ttl: int = render_cache.PAGE_TTL) -> Response:
    tenant = g.get("tenant")
    if tenant is None:
        abort(404)
    if not tenant.is_open():
        from kaidian.tenants.storefront import closed_page

        return closed_page()
    state = _state(tenant)
    if not state["pages"].get(handle):
        abort(404)  # no such page, or a custom page never published
    if registry.page_kind(handle) in PRIVATE_KINDS:
        html = _render(tenant, state, handle, load_subject, customer)
        return _respond(html, hashlib.sha256(html.encode()).hexdigest()[:32], private=True)
    key = render_cache.page_key(tenant.id, handle, subject_key, state, state["token"], str(get_locale()),
                                g.host_name)  # the canonical host that resolved this store, not the raw Host
    cached = render_cache.get_page(key)
    if cached is not None:
        etag, html = cached
        return _respond(None if etag in request.if_none_match else html, etag)
    generation = render_cache.invalidations(tenant.id)
    with render_cache.recording() as tags:
        html = _render(tenant, state, handle, load_subject, None)
    etag = render_cache.put_page(key, html, ttl, tenant_id=tenant.id, tags=tags, generation=generation)
    return _respond(html, etag)


def _state(tenant) -> dict:
    """Reads never write: a store's theme is set up when the store is created (``tenant.created``)."""
    state, token = render_cache.versions(tenant.id, services.published_state)
    if state is None:
        log.warning("store %s has no theme yet", tenant.id)
        abort(404)
    return {**state, "token": token}


def _render(tenant, state: dict, handle: str, load_subject, customer) -> str:
    theme, page = services.find_theme(), services.find_page(handle)
    if theme is None or page is None or page.published is None:
        abort(404)
    subject = load_subject() if load_subject else None
    ctx = RenderContext(tenant, theme.published, handle, audience="shopper", subject=subject,
                        industry=theme.template, customer=customer)
    return render_page(page.published, ctx)


def _respond(html: str | None, etag: str, private: bool = False) -> Response:
    response = Response(html, status=200 if html is not None else 304, mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    response.headers["Content-Security-Policy"] = STORE_CSP
    return response
