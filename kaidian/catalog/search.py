"""Product listing: filters (category with its children, group, status, stock), keyword search and
pagination, shared by the admin list, the API and the storefront.

Keyword search: every word must appear in the title or subtitle (case-insensitive substring), or be
an exact SKU code or barcode. On PostgreSQL the title has a ``pg_trgm`` GIN index, which serves
these ``ILIKE '%word%'`` searches (it also works for Chinese, where word splitting does not), and
results are ranked by trigram similarity; SQLite falls back to plain ``LIKE``.

Status: ``on_sale`` (on sale with stock), ``sold_out`` (on sale, no stock left), ``off_sale``.
Stock: ``low`` (some SKU at or below the product's low-stock threshold), ``out`` (no stock at all).
"""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from kaidian.platform.extensions import db

from .models import Category, Product, ProductGroupLink, ProductStatus, Sku


def _active_sku(*conditions):
    return exists().where(Sku.tenant_id == Product.tenant_id, Sku.product_id == Product.id,
                          Sku.retired_at.is_(None), *conditions)


def _sku_total(column=Sku.stock, function=func.sum):
    return (select(func.coalesce(function(column), 0))
            .where(Sku.tenant_id == Product.tenant_id, Sku.product_id == Product.id, Sku.retired_at.is_(None))
            .correlate(Product).scalar_subquery())


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def keyword_condition(q: str):
    conditions = []
    for word in q.split()[:8]:
        pattern = f"%{_escape(word)}%"
        conditions.append(or_(
            Product.title.ilike(pattern, escape="\\"),
            Product.subtitle.ilike(pattern, escape="\\"),
            _active_sku(or_(Sku.code == word, Sku.barcode == word)),
        ))
    return and_(*conditions)


def _category_ids(category_id) -> list:
    children = select(Category.id).where(Category.parent_id == category_id)
    return [category_id, *db.session.execute(children).scalars()]


def build(q: str = "", category_id=None, group_id=None, status: str | None = None, stock: str | None = None,
          sort: str = "newest", shopper: bool = False):
    query = select(Product).where(Product.deleted_at.is_(None))
    if shopper:
        query = query.where(Product.status == ProductStatus.ON_SALE)
    if category_id is not None:
        query = query.where(Product.category_id.in_(_category_ids(category_id)))
    if group_id is not None:
        query = query.where(exists().where(ProductGroupLink.tenant_id == Product.tenant_id,
                                           ProductGroupLink.product_id == Product.id,
                                           ProductGroupLink.group_id == group_id))
    query = _status(query, status)
    if stock == "low":
        query = query.where(_active_sku(Sku.stock <= Product.low_stock_threshold))
    elif stock == "out":
        query = query.where(~_active_sku(Sku.stock > 0))
    q = " ".join((q or "").split())
    if q:
        query = query.where(keyword_condition(q))
    return query.order_by(*_order(sort, q))


def _status(query, status):
    if status == "on_sale":
        return query.where(Product.status == ProductStatus.ON_SALE, _active_sku(Sku.stock > 0))
    if status == "sold_out":
        return query.where(Product.status == ProductStatus.ON_SALE, ~_active_sku(Sku.stock > 0))
    if status == "off_sale":
        return query.where(Product.status == ProductStatus.OFF_SALE)
    return query


def _order(sort: str, q: str):
    ranking = []
    if q and db.engine.dialect.name == "postgresql":
        ranking = [func.similarity(Product.title, q).desc()]
    orders = {
        "newest": [Product.created_at.desc()],
        "oldest": [Product.created_at.asc()],
        "price_asc": [_sku_total(Sku.price, func.min).asc()],
        "price_desc": [_sku_total(Sku.price, func.max).desc()],
        "stock_asc": [_sku_total().asc()],
        "stock_desc": [_sku_total().desc()],
    }
    return [*ranking, *orders.get(sort, orders["newest"]), Product.id]


def page(query, page: int = 1, per_page: int = 20) -> tuple[list[Product], int]:
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = db.session.execute(
        query.options(selectinload(Product.skus), selectinload(Product.images))
        .offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return list(rows), total


def search(page_number: int = 1, per_page: int = 20, **filters) -> tuple[list[Product], int]:
    return page(build(**filters), page_number, per_page)


def status_counts() -> dict[str, int]:
    """How many products each list tab holds."""
    return {status: db.session.execute(
        select(func.count()).select_from(build(status=status).order_by(None).subquery())).scalar()
        for status in ("on_sale", "sold_out", "off_sale")}


def low_stock_products(limit: int = 10) -> list[Product]:
    rows, _ = page(build(stock="low", sort="stock_asc"), 1, limit)
    return rows
