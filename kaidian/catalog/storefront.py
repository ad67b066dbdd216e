"""The store's catalog pages on ``SLUG.STORE_DOMAIN`` (plain, mobile-first pages until the themes
work lands): categories (two levels), a category's products, all products, search, and the product
page with its spec selector. Shoppers only ever see products that are on sale."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, render_template, request
from sqlalchemy import select

from kaidian.platform.extensions import db

from . import search, taxonomy
from .models import Category, Product, ProductStatus

bp = Blueprint("catalog_store", __name__, template_folder="templates")
PER_PAGE = 20


@bp.before_request
def _closed_store():
    """A suspended or closed store shows shoppers its closed page, never its products."""
    if g.get("tenant") is not None and not g.tenant.is_open():
        return render_template("storefront/closed.html", tenant=g.tenant), 403
    return None


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 10_000))


def _listing(template: str, **filters):
    page = _page()
    rows, total = search.search(page, PER_PAGE, shopper=True, **filters)
    return render_template(template, tenant=g.tenant, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), **filters)


@bp.get("/categories")
def categories():
    return render_template("catalog/store_categories.html", tenant=g.tenant, tree=taxonomy.tree())


@bp.get("/categories/<uuid:category_id>")
def category(category_id: uuid.UUID):
    row = db.session.execute(select(Category).where(Category.id == category_id)).scalar_one_or_none()
    if row is None:
        abort(404)
    parent = db.session.get(Category, (row.tenant_id, row.parent_id)) if row.parent_id else None
    subcategories = taxonomy.siblings(row.id) if row.parent_id is None else []
    page = _page()
    rows, total = search.search(page, PER_PAGE, shopper=True, category_id=row.id)
    return render_template("catalog/store_category.html", tenant=g.tenant, category=row, parent=parent,
                           subcategories=subcategories, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)))


@bp.get("/products")
def product_list():
    return _listing("catalog/store_search.html", q="")


@bp.get("/search")
def search_page():
    q = " ".join(request.args.get("q", "").split())[:60]
    return _listing("catalog/store_search.html", q=q)


@bp.get("/products/<uuid:product_id>")
def product(product_id: uuid.UUID):
    row = db.session.execute(
        select(Product).where(Product.id == product_id, Product.deleted_at.is_(None),
                              Product.status == ProductStatus.ON_SALE)
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return render_template("catalog/store_product.html", tenant=g.tenant, product=row, sku_data=sku_data(row))


def sku_data(product: Product) -> dict:
    """What the spec selector needs, embedded in the page as JSON (prices in fen)."""
    return {
        "specs": product.specs,
        "skus": [{"id": str(s.id), "values": s.spec_values, "price": s.price, "original_price": s.original_price,
                  "stock": s.stock} for s in product.active_skus],
    }
