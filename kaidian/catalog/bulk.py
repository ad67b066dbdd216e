"""Bulk actions on a selection of products, each in one transaction: on/off sale, price change by
percent (rounded half-up to the fen, never below 1 fen), stock set (through the stock service),
delete. A selection naming any product the store does not have is refused as a whole."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kaidian.platform import audit
from kaidian.platform.errors import ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import User, utcnow
from kaidian.platform.money import change_by_percent
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from . import specs, stock
from .models import Product, ProductStatus
from .schemas import BulkSchema


@atomic
def run(data: dict, actor: User | None) -> dict:
    values = load(BulkSchema(), data)
    products = _selection(values["product_ids"])
    action, actor_id = values["action"], actor.id if actor else None
    now = utcnow()
    for product in products:
        if action in ("on_sale", "off_sale"):
            product.status = ProductStatus(action)
        elif action == "price_percent":
            for sku in product.active_skus:
                sku.price = change_by_percent(sku.price, values["percent"])
        elif action == "delete":
            product.deleted_at, product.status = now, ProductStatus.OFF_SALE
            for sku in product.active_skus:
                specs.retire(sku)
        product.updated_at = now
    if action == "stock_set":
        skus = sorted((sku for p in products for sku in p.active_skus), key=lambda s: s.id)  # one lock order
        for sku in skus:
            stock.set_stock(sku, values["stock"], "bulk_set", actor_id=actor_id)
    if action == "delete":
        audit.record("catalog.product.bulk_delete", ", ".join(p.title for p in products), actor_id=actor_id)
    return {"action": action, "count": len(products)}


def _selection(product_ids: list) -> list[Product]:
    wanted = set(product_ids)
    products = list(db.session.execute(
        select(Product).where(Product.id.in_(wanted), Product.deleted_at.is_(None))
        .options(selectinload(Product.skus)).order_by(Product.id)
    ).scalars())
    if len(products) != len(wanted):
        raise ValidationFailed(fields={"product_ids": [_l("Some of the selected products were not found.")]})
    return products
