"""What the storefront shows from the catalog: read-only queries, returned as plain dicts.

The catalog provides this to the themes renderer (``page_kinds.provide_data``): section loaders
read it as ``ctx.data``; themes never imports the catalog (product changes reach the render cache
as ``product.changed`` events, categories and groups through ``page_kinds.watch_content``). Rows
are turned into plain dicts so templates in the sandbox see data, not ORM objects, and so a
rendered page can be cached without holding a session. Each read notes what it showed
(``page_kinds.note``) so a product's change invalidates exactly the pages showing it.

Stock levels are never part of these dicts: they change with every order, and cached pages must
not depend on them (the storefront script fills them in from ``GET /api/store/stock``).

Every query runs under the current tenant (the ORM scoping adds ``tenant_id``).
"""

from __future__ import annotations

import uuid

from flask import g
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from kaidian.billing import services as billing
from kaidian.platform import richtext
from kaidian.platform.extensions import db
from kaidian.platform.ids import valid_uuids
from kaidian.platform.storage import media_url
from kaidian.themes import page_kinds

from . import media
from .models import Category, Group, Product, ProductGroupLink, ProductStatus

MAX_LIST = 48  # the most products one section or page lists
PREFETCH = 24  # sections of one page listing the same products share a query of this many


def _on_sale():
    """What shoppers may see: on sale, not deleted — and, in a store over its plan's product limit
    (after a downgrade), only among its oldest products that the plan allows (``billing.shown_cap``)."""
    conditions = (Product.status == ProductStatus.ON_SALE, Product.deleted_at.is_(None))
    cap = billing.shown_cap(g.get("tenant"), "products")
    if cap is None:
        return conditions
    oldest = select(Product.id).where(Product.deleted_at.is_(None)).order_by(Product.created_at, Product.id).limit(cap)
    return (*conditions, Product.id.in_(oldest))



def product_url(product_id) -> str:
    return f"/products/{product_id}"


def category_url(category_id) -> str:
    return f"/categories/{category_id}"


def _image(image) -> dict | None:
    return media.picture(image) if image is not None else None


def card(product: Product) -> dict:
    """A product as a grid or carousel shows it."""
    low, high = product.price_range
    skus = product.active_skus
    originals = [s.original_price for s in skus if s.original_price and s.original_price > s.price]
    return {
        "id": str(product.id),
        "title": product.title,
        "subtitle": product.subtitle,
        "price": low,
        "price_max": high,
        "original_price": max(originals) if originals else None,
        "image": _image(product.cover),
        "url": product_url(product.id),
        "demo": False,
    }


class CatalogData(page_kinds.StoreData):
    """One render's view of the catalog; remembers what it fetched so sections share queries."""

    def __init__(self):
        self._memo: dict = {}

    def _remember(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def has_products(self) -> bool:
        page_kinds.note("lists")
        return self._remember("has", lambda: bool(db.session.execute(select(exists().where(*_on_sale()))).scalar()))

    def products(self, source: str = "latest", *, category_id: str = "", group_id: str = "",
                 ids: list | None = None, limit: int = 12, offset: int = 0) -> list[dict]:
        limit, offset = max(1, min(int(limit), MAX_LIST + 1)), max(0, int(offset))
        if source == "manual":
            page_kinds.note(*(page_kinds.product_tag(i) for i in valid_uuids(ids or [])[:limit]))
        else:
            page_kinds.note("lists")
        if source != "manual" and offset == 0:
            return _shown(self._first(source, category_id, group_id, limit))
        key = ("products", source, category_id, group_id, tuple(ids or ()), limit, offset)
        return _shown(self._remember(key, lambda: [card(p) for p in self._products(source, category_id, group_id,
                                                                                     ids or [], limit, offset)]))

    def _first(self, source, category_id, group_id, limit) -> list[dict]:
        """The first ``limit`` products of a source; sections of one page listing the same source share
        one query of at least ``PREFETCH`` rows."""
        key = ("first", source, category_id, group_id)
        fetched, rows = self._memo.get(key, (0, []))
        if fetched < limit:
            fetched = max(limit, PREFETCH)
            rows = [card(p) for p in self._products(source, category_id, group_id, [], fetched)]
            self._memo[key] = (fetched, rows)
        return rows[:limit]

    def _products(self, source, category_id, group_id, ids, limit, offset=0) -> list[Product]:
        query = select(Product).where(*_on_sale()).options(selectinload(Product.images),
                                                            selectinload(Product.skus))
        if source == "manual":
            wanted = valid_uuids(ids)[:limit]
            rows = {p.id: p for p in db.session.execute(query.where(Product.id.in_(wanted))).scalars()}
            return [rows[i] for i in wanted if i in rows]
        if source == "category":
            family = self.category_family(category_id)
            if not family:
                return []
            query = query.where(Product.category_id.in_(family))
        elif source == "group":
            group = valid_uuids([group_id])
            if not group:
                return []
            query = query.where(Product.id.in_(
                select(ProductGroupLink.product_id).where(ProductGroupLink.group_id == group[0])))
        query = query.order_by(Product.created_at.desc(), Product.id).limit(limit).offset(offset)
        return list(db.session.execute(query).scalars())

    def categories(self) -> list[dict]:
        """The two-level tree: top-level categories in order, each with its children."""
        return self._remember("tree", self._tree)

    def _tree(self) -> list[dict]:
        rows = db.session.execute(select(Category).order_by(Category.position, Category.created_at)).scalars()
        nodes = {c.id: {"id": str(c.id), "name": c.name, "parent_id": str(c.parent_id) if c.parent_id else "",
                        "url": category_url(c.id), "children": []} for c in rows}
        top = []
        for node in nodes.values():
            parent = nodes.get(uuid.UUID(node["parent_id"])) if node["parent_id"] else None
            (parent["children"] if parent else top).append(node)
        return top

    def category(self, category_id) -> dict | None:
        for node in self.categories():
            if node["id"] == str(category_id):
                return node
            for child in node["children"]:
                if child["id"] == str(category_id):
                    return child
        return None

    def category_family(self, category_id) -> list[uuid.UUID]:
        node = self.category(category_id)
        if node is None:
            return []
        return valid_uuids([node["id"]] + [child["id"] for child in node["children"]])

    def group(self, group_id) -> dict | None:
        ids = valid_uuids([group_id])
        row = db.session.get(Group, (_tenant_id(), ids[0])) if ids else None
        return {"id": str(row.id), "name": row.name} if row else None

    def product(self, product_id) -> dict | None:
        page_kinds.note(page_kinds.product_tag(product_id))
        return self._remember(("product", str(product_id)), lambda: _detail(product_id))

    def search(self, query: str, limit: int = 40, offset: int = 0) -> list[dict]:
        words = query.split()
        if not words:
            return []
        page_kinds.note("search")
        statement = select(Product).where(*_on_sale()).options(selectinload(Product.images),
                                                                selectinload(Product.skus))
        for word in words[:5]:
            statement = statement.where(Product.title.ilike("%" + _escape_like(word) + "%", escape="\\"))
        statement = statement.order_by(Product.created_at.desc(), Product.id).limit(limit).offset(max(0, offset))
        return _shown([card(p) for p in db.session.execute(statement).scalars()])

    def live_stock(self, product_ids: list[str]) -> dict:
        from .stock import live_levels

        return live_levels(product_ids)

    def existing(self, kind: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` name rows of this store (products may be off sale; deleted ones are gone)."""
        model = {"product": Product, "category": Category, "group": Group}[kind]
        wanted = valid_uuids(ids)
        if not wanted:
            return set()
        statement = select(model.id).where(model.id.in_(wanted))
        if model is Product:
            statement = statement.where(Product.deleted_at.is_(None))
        return {str(i) for i in db.session.execute(statement).scalars()}


def _shown(cards: list[dict]) -> list[dict]:
    page_kinds.note(*(page_kinds.product_tag(c["id"]) for c in cards))
    return cards


def _tenant_id():
    from kaidian.platform.tenancy import current_tenant_id

    return current_tenant_id()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _detail(product_id) -> dict | None:
    ids = valid_uuids([product_id])
    if not ids:
        return None
    product = db.session.execute(
        select(Product).where(Product.id == ids[0], *_on_sale())
        .options(selectinload(Product.images), selectinload(Product.skus))
    ).scalar_one_or_none()
    if product is None:
        return None
    out = card(product)
    out.update({
        "images": [_image(image) for image in product.images],
        "video": media_url(product.video_key) if product.video_key else "",
        "specs": [{"name": str(s.get("name", "")), "values": [str(v) for v in s.get("values", [])]}
                  for s in (product.specs or []) if isinstance(s, dict)],
        "skus": [{"id": str(s.id), "values": [str(v) for v in s.spec_values], "price": s.price,
                  "original_price": s.original_price} for s in product.active_skus],
        "description": richtext.clean(product.description),
        "summary": product.subtitle or richtext.plain_text(product.description, 120),
        "category_id": str(product.category_id) if product.category_id else "",
    })
    return out
