"""The store's catalog pages on ``SLUG.STORE_DOMAIN``: categories (two levels), a category's products,
all products, search, and the product page with its spec selector, rendered through the store's
theme (``kaidian.themes.storefront``). Shoppers only ever see products that are on sale."""

from __future__ import annotations

import uuid

from flask import Blueprint, g, request

from kaidian.platform.errors import store_error_page
from kaidian.themes import storefront as theme_pages

from .models import Product

bp = Blueprint("catalog_store", __name__, template_folder="templates")
PER_PAGE = 20


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


def sku_data(product: Product) -> dict:
    """What the spec selector needs, embedded in the page as JSON (prices in fen)."""
    return {
        "specs": product.specs,
        "skus": [{"id": str(s.id), "values": s.spec_values, "price": s.price, "original_price": s.original_price,
                  "stock": s.stock} for s in product.active_skus],
    }
