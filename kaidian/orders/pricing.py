"""What a list of (SKU, quantity) costs right now, read from the catalog on every call — a cart, a
checkout preview and a placed order never trust a price or a title sent by the page.

Each line comes back with a ``status``: ``ok``, or why it cannot be bought as it is — ``gone``
(the SKU or product no longer exists, or the SKU was retired), ``off_sale``, ``short`` (fewer in
stock than wanted; ``available`` says how many). Lines are flagged, never silently dropped.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from kaidian.catalog.models import Product, ProductImage, ProductStatus, Sku
from kaidian.platform.extensions import db
from kaidian.platform.money import format_yuan
from kaidian.platform.storage import media_url

OK, GONE, OFF_SALE, SHORT = "ok", "gone", "off_sale", "short"


@dataclass
class PricedLine:
    sku_id: uuid.UUID
    quantity: int
    status: str = GONE
    sku: Sku | None = None
    product: Product | None = None
    unit_fen: int = 0
    available: int = 0
    title: str = ""
    spec_text: str = ""
    image_key: str = ""
    weight_grams: int = 0
    freight_template_id: uuid.UUID | None = field(default=None)

    @property
    def line_fen(self) -> int:
        return self.unit_fen * self.quantity

    @property
    def buyable(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict:
        return {
            "sku_id": str(self.sku_id), "product_id": str(self.product.id) if self.product else None,
            "title": self.title, "spec_text": self.spec_text,
            "image_url": media_url(self.image_key) if self.image_key else "",
            "unit_fen": self.unit_fen, "unit_text": format_yuan(self.unit_fen),
            "quantity": self.quantity, "line_fen": self.line_fen, "line_text": format_yuan(self.line_fen),
            "status": self.status, "available": self.available,
        }


# what pricing, the order snapshot and the stock service's alerts read of a product (not its description)
_PRODUCT_COLUMNS = (Product.title, Product.status, Product.deleted_at, Product.freight_template_id,
                    Product.low_stock_threshold)


def load_skus(sku_ids) -> dict[uuid.UUID, tuple[Sku, str]]:
    """The current store's SKUs by id, each with its product and the key of the product's first
    thumbnail ("" for none), in one statement (other stores' ids are absent)."""
    ids = list({sku_id for sku_id in sku_ids})
    if not ids:
        return {}
    return {sku.id: (sku, thumb or "") for sku, thumb in db.session.execute(_skus_statement(), {"ids": ids})}


@functools.cache
def _skus_statement():
    """Built once (every cart, preview and checkout runs it; building it costs as much as running it)."""
    first_thumb = (
        select(ProductImage.thumb_key)
        .where(ProductImage.tenant_id == Sku.tenant_id, ProductImage.product_id == Sku.product_id)
        .order_by(ProductImage.position).limit(1).correlate(Sku).scalar_subquery()
    )
    return (
        select(Sku, first_thumb).where(Sku.id.in_(bindparam("ids", expanding=True)))
        .options(joinedload(Sku.product, innerjoin=True).load_only(*_PRODUCT_COLUMNS))
    )


def price(items: list[tuple[uuid.UUID, int]]) -> list[PricedLine]:
    """Price ``items`` (SKU id, quantity) as the catalog says now, in the given order."""
    skus = load_skus(sku_id for sku_id, _ in items)
    return [_evaluate(sku_id, quantity, *skus.get(sku_id, (None, ""))) for sku_id, quantity in items]


def _evaluate(sku_id: uuid.UUID, quantity: int, sku: Sku | None, thumb_key: str) -> PricedLine:
    line = PricedLine(sku_id=sku_id, quantity=quantity)
    if sku is None:
        return line
    product = sku.product
    line.sku, line.product = sku, product
    line.title, line.spec_text = product.title, " / ".join(sku.spec_values or [])
    line.image_key = thumb_key
    line.unit_fen, line.available, line.weight_grams = sku.price, max(sku.stock, 0), sku.weight_grams
    line.freight_template_id = getattr(product, "freight_template_id", None)
    if sku.retired_at is not None or product.deleted_at is not None:
        line.status = GONE
    elif product.status != ProductStatus.ON_SALE:
        line.status = OFF_SALE
    elif sku.stock < quantity:
        line.status = SHORT
    else:
        line.status = OK
    return line


def goods_total(lines: list[PricedLine]) -> int:
    return sum(line.line_fen for line in lines if line.buyable)
