"""The one home of stock changes (the admin, imports, bulk actions and — later — checkout call it).

Every change is a single conditional statement::

    UPDATE catalog_skus SET stock = stock + :delta
     WHERE tenant_id = … AND id = … AND retired_at IS NULL AND stock + :delta >= 0
    RETURNING stock

so two decrements racing for the last unit cannot both win (PostgreSQL re-checks the condition on
the row the first one committed), stock never goes below zero (and a CHECK constraint is the last
wall), and each change writes a ``StockMovement`` ledger row in the same transaction. Crossing
below the product's low-stock threshold raises a notification (``alerts``). Callers commit.

On PostgreSQL the update and its ledger row are one statement (``WITH moved AS (UPDATE …
RETURNING …) INSERT INTO catalog_stock_movements SELECT … FROM moved``): a checkout holds the SKU's
row lock from that statement to its commit, so every round trip saved there is throughput on a
best-selling SKU. Other databases (SQLite, the embedded default) get the update, then the insert.
"""

from __future__ import annotations

import functools
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from kaidian.platform import events
from kaidian.platform.errors import Conflict, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.ids import valid_uuids
from kaidian.platform.models import utcnow

from . import alerts
from .errors import InsufficientStock
from .models import Sku, StockMovement

REASONS = frozenset({
    "initial",   # a new SKU's first stock
    "manual",    # an adjustment by a merchant (+/-)
    "edit",      # stock typed into the product form / API
    "bulk_set",  # bulk action "set stock"
    "import",    # a spreadsheet import
    "reserve",   # an order takes stock (checkout)
    "release",   # an order gives it back (cancelled, refunded)
})


def adjust(sku: Sku, delta: int, reason: str, *, note: str = "", actor_id=None) -> int:
    """Change ``sku``'s stock by ``delta`` atomically; returns the new stock.
    Raises ``InsufficientStock`` (changing nothing) if it would go below zero."""
    after = _move(sku, delta, reason, note=note, actor_id=actor_id)
    events.publish("stock.changed", tenant_id=sku.tenant_id, sku_ids=[str(sku.id)], product_ids=[str(sku.product_id)])
    return after


def _move(sku: Sku, delta: int, reason: str, *, note: str = "", actor_id=None) -> int:
    if reason not in REASONS:
        raise ValueError(f"unknown stock reason {reason!r}")
    if delta == 0:
        return sku.stock
    movement = {"tenant_id": sku.tenant_id, "id": uuid.uuid4(), "sku_id": sku.id, "product_id": sku.product_id,
                "delta": delta, "reason": reason, "note": note[:200], "actor_id": actor_id, "created_at": utcnow()}
    after = _update_and_record(movement)
    if after is None:
        _refuse(sku, delta)
    before = after - delta
    set_committed_value(sku, "stock", after)
    if reason != "initial":  # a new SKU has no alert to open or close
        alerts.stock_changed(sku, before, after)
    return after


def _update_and_record(movement: dict) -> int | None:
    """The conditional update and its ledger row; the stock after, or None (nothing changed)."""
    params = {f"m_{key}": value for key, value in movement.items()}
    if db.session.get_bind().dialect.name != "postgresql":
        after = db.session.execute(_statements()[0], params).scalar_one_or_none()
        if after is not None:
            db.session.execute(insert(StockMovement.__table__).values(stock_after=after, **movement))
        return after
    return db.session.execute(_statements()[1], params).scalar_one_or_none()


@functools.cache
def _statements():
    """(the conditional update, the update and its ledger row as one statement), built once: a
    checkout runs them on every order, and building the expression costs as much as running it."""
    ledger = StockMovement.__table__
    param = {key: bindparam(f"m_{key}", type_=ledger.c[key].type) for key in _MOVEMENT_KEYS}
    moved = (
        update(Sku.__table__)
        .where(Sku.tenant_id == param["tenant_id"], Sku.id == param["sku_id"], Sku.retired_at.is_(None),
               Sku.stock + param["delta"] >= 0)
        .values(stock=Sku.stock + param["delta"], updated_at=param["created_at"])
        .returning(Sku.stock)
    )
    cte = moved.cte("moved")
    recorded = (
        insert(ledger)
        .from_select([*_MOVEMENT_KEYS, "stock_after"], select(*param.values(), cte.c.stock))
        .returning(ledger.c.stock_after)
    )
    return moved, recorded


_MOVEMENT_KEYS = ("tenant_id", "id", "sku_id", "product_id", "delta", "reason", "note", "actor_id", "created_at")


def _refuse(sku: Sku, delta: int):
    current = db.session.execute(
        select(Sku.stock, Sku.retired_at).where(Sku.tenant_id == sku.tenant_id, Sku.id == sku.id)
    ).one_or_none()
    if current is None or current.retired_at is not None:
        raise Conflict(_l("This SKU is no longer sold."), code="sku_retired")
    set_committed_value(sku, "stock", current.stock)
    raise InsufficientStock(
        _l("Only %(n)s left in stock.", n=current.stock),
        fields={"stock": [_l("Only %(n)s left in stock.", n=current.stock)]},
        sku_id=sku.id, available=current.stock,
    )


def reserve(sku: Sku, quantity: int, *, ref: str = "", actor_id=None) -> int:
    """Take ``quantity`` units (an order is placed); refuses with ``InsufficientStock``."""
    _positive(quantity)
    return adjust(sku, -quantity, "reserve", note=ref, actor_id=actor_id)


def release(sku: Sku, quantity: int, *, ref: str = "", actor_id=None) -> int:
    """Give ``quantity`` units back (an order is cancelled)."""
    _positive(quantity)
    return adjust(sku, quantity, "release", note=ref, actor_id=actor_id)


def reserve_many(quantities: dict[Sku, int], *, ref: str = "", actor_id=None) -> dict:
    """Take stock for every line of an order in the caller's transaction: SKUs are changed (and so
    row-locked) in sorted id order, so two orders taking the same SKUs in any order cannot
    deadlock. All or nothing: the first SKU short on stock raises ``InsufficientStock`` (or a
    ``sku_retired`` conflict) and the caller rolls the whole transaction back. Returns
    ``{sku_id: stock after}``."""
    return _move_many(quantities, -1, "reserve", ref, actor_id)


def release_many(quantities: dict[Sku, int], *, ref: str = "", actor_id=None) -> dict:
    """Give back stock of several SKUs (an order cancelled, closed or refunded), in sorted id order."""
    return _move_many(quantities, 1, "release", ref, actor_id)


def _move_many(quantities: dict[Sku, int], sign: int, reason: str, ref: str, actor_id) -> dict:
    if not quantities:
        return {}
    for quantity in quantities.values():
        _positive(quantity)
    levels = {}
    for sku in sorted(quantities, key=lambda s: s.id):
        levels[sku.id] = _move(sku, sign * quantities[sku], reason, note=ref, actor_id=actor_id)
    first = next(iter(quantities))
    events.publish("stock.changed", tenant_id=first.tenant_id, sku_ids=sorted(str(s.id) for s in quantities),
                   product_ids=sorted({str(s.product_id) for s in quantities}))
    return levels


def set_stock(sku: Sku, value: int, reason: str, *, note: str = "", actor_id=None) -> int:
    """Make the stock exactly ``value`` (a count after a stocktake): the row is locked while the
    difference is computed, so a concurrent order between the read and the write is not lost."""
    if value < 0:
        raise ValidationFailed(fields={"stock": [_l("Stock cannot be negative.")]})
    current = db.session.execute(
        select(Sku.stock).where(Sku.tenant_id == sku.tenant_id, Sku.id == sku.id).with_for_update()
    ).scalar_one()
    set_committed_value(sku, "stock", current)
    return adjust(sku, value - current, reason, note=note, actor_id=actor_id)


def _positive(quantity: int) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(fields={"quantity": [_l("The quantity must be a positive whole number.")]})


def live_levels(product_ids) -> dict[str, dict]:
    """Current stock of on-sale products of the current store, for the storefront's live figures:
    ``{product_id: {"stock": total, "sold_out": bool, "skus": {sku_id: stock}}}``. Ids of other
    stores, deleted or off-sale products are simply absent."""
    from .models import Product, ProductStatus

    wanted = valid_uuids(product_ids)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Sku.product_id, Sku.id, Sku.stock).join(Product, (Product.tenant_id == Sku.tenant_id)
                                                       & (Product.id == Sku.product_id))
        .where(Sku.product_id.in_(wanted), Sku.retired_at.is_(None), Product.status == ProductStatus.ON_SALE,
               Product.deleted_at.is_(None))
    ).all()
    out: dict[str, dict] = {}
    for product_id, sku_id, level in rows:
        entry = out.setdefault(str(product_id), {"stock": 0, "sold_out": True, "skus": {}})
        entry["skus"][str(sku_id)] = level
        entry["stock"] += level
        entry["sold_out"] = entry["stock"] <= 0
    return out



def movements(sku: Sku, limit: int = 50) -> list[StockMovement]:
    return list(db.session.execute(
        select(StockMovement).where(StockMovement.sku_id == sku.id)
        .order_by(StockMovement.created_at.desc()).limit(limit)
    ).scalars())
