"""The store's catalog pages on ``SLUG.STORE_DOMAIN``: categories (two levels), a category's products,
all products, search, and the product page with its spec selector, rendered through the store's
theme. Each is a page kind declared here (``kaidian.themes.page_kinds``): its routes, what it
loads, what a merchant's preview shows and its share title; ``init_app`` registers them. Shoppers
only ever see products that are on sale. A closed store never gets here (``tenants.storefront``)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kaidian.themes.page_kinds import SEARCH_TTL, PageKind, Subject, demo_product, page_number

from . import stock
from .store_data import CatalogData

bp = Blueprint("catalog_store", __name__, template_folder="templates")
LIVE_MAX_IDS = 48  # the most products one page lists
LIVE_SECONDS = 5  # how long browsers and proxies may reuse live stock figures


def _page() -> int:
    return page_number(request.args.get("page", 1, type=int))


# --- the category page -------------------------------------------------------------------------


def category_subject(category_id=None) -> Subject:
    """The first category, or the one asked for (404 if it does not exist); ``?page=`` numbers its
    product pages."""
    subject, page = str(category_id or ""), _page()

    def load() -> dict:
        if not subject:
            return {"category_id": "", "page": page}
        node = CatalogData().category(subject)
        if node is None:
            abort(404)
        return {"category_id": subject, "title": node["name"], "page": page}

    return Subject(f"{subject}:{page}", load)


def category_meta(subject: dict) -> tuple[str, str, str]:
    return subject.get("title") or _("Categories"), "", ""


CATEGORY = PageKind(
    "category", _l("Category page"), path="/categories", routes=("/categories", "/categories/<uuid:category_id>"),
    subject=category_subject, preview=lambda args, industry: {"category_id": str(args.get("subject", "") or "")},
    meta=category_meta, position=10, stylesheet="browse.css")


# --- the product page --------------------------------------------------------------------------


def product_subject(product_id) -> Subject:
    """The themed product page for a product on sale (404 otherwise)."""

    def load() -> dict:
        product = CatalogData().product(product_id)
        if product is None:
            abort(404)
        return {"product": product}

    return Subject(str(product_id), load)


def product_preview(args, industry: str) -> dict:
    """The product asked for (``subject``), else the newest, else a demo product."""
    subject = str(args.get("subject", "") or "")
    if subject.startswith("demo-"):
        return {"product": demo_product(industry, subject)}
    data = CatalogData()
    product = data.product(subject) if subject else None
    if product is None:
        latest = data.products("latest", limit=1)
        product = data.product(latest[0]["id"]) if latest else None
    return {"product": product or demo_product(industry)}


def product_meta(subject: dict) -> tuple[str, str, str]:
    product = subject.get("product")
    if not product:
        return "", "", ""
    return product["title"], product.get("summary", ""), (product.get("image") or {}).get("large", "")


PRODUCT = PageKind(
    "product", _l("Product page"), path=None, routes=("/products/<uuid:product_id>",), subject=product_subject,
    preview=product_preview, meta=product_meta, position=20, stylesheet="product.css")


# --- search and all products -------------------------------------------------------------------


def search_subject(all_products: bool = False) -> Subject:
    """``/search?q=`` (cached briefly), or every product on sale, newest first (``/products``)."""
    page = _page()
    if all_products:
        return Subject(f"all:{page}", lambda: {"q": "", "all": True, "page": page})
    query = " ".join(str(request.args.get("q", "") or "").split())[:60]
    return Subject(f"{page}:{query}", lambda: {"q": query, "page": page}, ttl=SEARCH_TTL)


def search_meta(subject: dict) -> tuple[str, str, str]:
    if subject.get("all"):
        return _("All products"), "", ""
    query = subject.get("q", "")
    return (_("Search: %(q)s", q=query) if query else _("Search")), "", ""


SEARCH = PageKind(
    "search", _l("Search page"), path="/search", routes=("/search", ("/products", {"all_products": True})),
    subject=search_subject, preview=lambda args, industry: {"q": str(args.get("q", "") or "")[:60]},
    meta=search_meta, position=30, stylesheet="browse.css")

PAGE_KINDS = (CATEGORY, PRODUCT, SEARCH)


# --- live stock --------------------------------------------------------------------------------


@bp.get("/api/store/stock")
def live_stock():
    """Live stock of the listed products (``?products=id,id,…``), which cached pages leave out:
    ``{"products": {id: {"stock", "sold_out", "skus": {sku_id: stock}}}}``. Only this store's
    products on sale appear; unknown, malformed or other stores' ids are left out."""
    ids = request.args.get("products", "")[:LIVE_MAX_IDS * 37].split(",")[:LIVE_MAX_IDS]
    response = jsonify({"products": stock.live_levels(ids)})
    response.headers["Cache-Control"] = f"public, max-age={LIVE_SECONDS}"
    return response
