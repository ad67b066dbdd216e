"""The store's pages as shoppers get them: published documents, rendered and cached.

``page_response`` is the one way a storefront page is answered: the home view here, the custom
pages (``/pages/<handle>``), and the routes of every registered page kind (``page_kinds``: the
catalog's category, product and search pages, the customers' member page …) all go through it:

* a closed store never gets here (``tenants.storefront`` answers every store request of a closed
  store with its closed page);
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
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.billing import services as billing
from kaidian.platform import compression
from kaidian.platform.extensions import db
from kaidian.platform.observability import SECURITY_HEADERS

from . import industries, page_kinds, render_cache, services
from .models import Page, PageKind
from .render import RenderContext, render_app_page, render_error_page, render_page, section_views

log = logging.getLogger(__name__)
bp = Blueprint("themes_store", __name__)
# Its URLs carry the file's content hash and are cached as immutable (``platform.assets``).
static_bp = Blueprint("themes_static", __name__, static_folder="static", static_url_path="/static/themes")

# The platform's policy, plus media from anywhere https (a merchant's video in the video section).
STORE_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; media-src 'self' https: http:"


# The kinds themes owns; the catalog and customers register theirs (``page_kinds``).
HOME = page_kinds.PageKind("home", _l("Home page"), path="/", position=0)
CUSTOM = page_kinds.PageKind(page_kinds.CUSTOM, _l("Custom page"), system=False, position=1000)


def home():
    return page_response("home")


@bp.get("/pages/<handle>")
def custom_page(handle: str):
    if page_kinds.get(handle) is not None or not _within_plan(handle):
        abort(404)
    return page_response(handle)


def _within_plan(handle: str) -> bool:
    """A store over its plan's page limit (after a downgrade) shows shoppers only its oldest custom pages
    that the plan allows; the others are kept and come back on an upgrade."""
    cap = billing.shown_cap(g.tenant, "pages")
    if cap is None:
        return True
    oldest = db.session.execute(select(Page.handle).where(Page.kind == PageKind.CUSTOM)
                                .order_by(Page.created_at, Page.id).limit(cap)).scalars().all()
    return handle in oldest


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


def page_response(handle: str, **view_args) -> Response:
    """Answer a store page: its kind's provider says what it shows (``Subject``), then the page comes
    from the render cache, or is rendered and cached (private kinds: rendered, never cached)."""
    tenant = g.get("tenant")
    if tenant is None:
        abort(404)
    kind = page_kinds.get(page_kinds.kind_of(handle))
    subject = kind.subject(**view_args) if kind is not None and kind.subject else page_kinds.Subject()
    if subject.response is not None:
        return subject.response
    return _answer(tenant, handle, subject.key, subject.load, customer=subject.customer,
                   ttl=subject.ttl or render_cache.PAGE_TTL)


def _answer(tenant, handle: str, subject_key: str, load_subject: Callable[[], dict] | None, *,
            customer: dict | None, ttl: int) -> Response:
    state = _state(tenant)
    if not state["pages"].get(handle):
        abort(404)  # no such page, or a custom page never published
    if page_kinds.is_private(handle):
        html = _render(tenant, state, handle, load_subject, customer)
        return _respond(html, hashlib.sha256(html.encode()).hexdigest()[:32], private=True)
    key = render_cache.page_key(tenant.id, handle, subject_key, state, state["token"], str(get_locale()),
                                g.host_name)  # the canonical host that resolved this store, not the raw Host
    cached = render_cache.get_page(key)
    if cached is not None:
        etag, html = cached
        return _respond(None if compression.fresh(etag, request.if_none_match) else html, etag)
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
