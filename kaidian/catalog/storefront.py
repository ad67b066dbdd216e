"""The store's catalog pages on ``SLUG.STORE_DOMAIN``: categories (two levels), a category's products,
all products, search, and the product page with its spec selector, rendered through the store's
theme (``kaidian.themes.storefront``). Shoppers only ever see products that are on sale."""

from __future__ import annotations

import uuid

from flask import Blueprint, g, jsonify, request

from kaidian.platform.errors import store_error_page
from kaidian.themes import storefront as theme_pages

from . import stock

bp = Blueprint("catalog_store", __name__, template_folder="templates")
PER_PAGE = 20
LIVE_MAX_IDS = 48  # the most products one page lists
LIVE_SECONDS = 5  # how long browsers and proxies may reuse live stock figures


@bp.before_request
def _closed_store():
    """A suspended or closed store shows shoppers its closed page, never its products."""
    if g.get("tenant") is not None and not g.tenant.is_open():
        return store_error_page(403, closed=True)
    return None


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 10_000))


@bp.get("/categories")
def categories():
    return theme_pages.category_page(None, _page())


@bp.get("/categories/<uuid:category_id>")
def category(category_id: uuid.UUID):
    return theme_pages.category_page(category_id, _page())


@bp.get("/products")
def product_list():
    return theme_pages.all_products_page(_page())


@bp.get("/search")
def search_page():
    return theme_pages.search_page(request.args.get("q", ""), _page())


@bp.get("/products/<uuid:product_id>")
def product(product_id: uuid.UUID):
    return theme_pages.product_page(product_id)


@bp.get("/api/store/stock")
def live_stock():
    """Live stock of the listed products (``?products=id,id,…``), which cached pages leave out:
    ``{"products": {id: {"stock", "sold_out", "skus": {sku_id: stock}}}}``. Only this store's
    products on sale appear; unknown, malformed or other stores' ids are left out."""
    ids = request.args.get("products", "")[:LIVE_MAX_IDS * 37].split(",")[:LIVE_MAX_IDS]
    response = jsonify({"products": stock.live_levels(ids)})
    response.headers["Cache-Control"] = f"public, max-age={LIVE_SECONDS}"
    return response

