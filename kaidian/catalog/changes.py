"""The catalog announces its changes as domain events (``kaidian.platform.events``).

Every flush that writes a product, one of its SKUs, images or group links publishes
``product.changed`` once per product and transaction — whichever code path wrote it (the admin, the
API, bulk actions, imports, tests writing models) — so subscribers (the render cache) never miss
one and the catalog imports none of them. The payload says what kind of change it was:

* ``listing``: whether the product may have entered or left a list (created, deleted, put on or
  off sale, moved to another category or group) — lists of products must be refreshed;
* ``title``: whether its title changed (search results match on it).

Stock is not shown content: a SKU row whose only change is its stock publishes ``stock.changed``
instead (the stock service publishes it for its conditional updates, see ``stock.py``).
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from kaidian.platform import events

from .models import Product, ProductGroupLink, ProductImage, Sku

LISTING_FIELDS = frozenset({"status", "deleted_at", "category_id"})
STOCK_ONLY = frozenset({"stock", "updated_at"})


def _changed_fields(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _product_change(obj, new: bool, deleted: bool) -> tuple[object, bool, bool] | None:
    """(product id, listing?, title?) for one flushed row, or None if it changes no shown content."""
    if isinstance(obj, Product):
        fields = _changed_fields(obj)
        return obj.id, new or deleted or bool(fields & LISTING_FIELDS), new or "title" in fields
    if isinstance(obj, ProductGroupLink):
        return obj.product_id, True, False
    if isinstance(obj, ProductImage):
        return obj.product_id, False, False
    if isinstance(obj, Sku):
        if not (new or deleted) and _changed_fields(obj) <= STOCK_ONLY:
            return None
        return obj.product_id, False, False
    return None


def _after_flush(session, flush_context) -> None:
    """In ``after_flush`` the session still shows what was flushed (new rows now have their ids)."""
    found: dict[tuple, tuple[bool, bool]] = {}
    stock: set[tuple] = set()
    rows = chain(((o, True, False) for o in session.new), ((o, False, True) for o in session.deleted),
                 ((o, False, False) for o in session.dirty if session.is_modified(o)))
    for obj, new, deleted in rows:
        if isinstance(obj, Sku) and not (new or deleted) and _changed_fields(obj) <= STOCK_ONLY:
            stock.add((obj.tenant_id, str(obj.id), str(obj.product_id)))
        change = _product_change(obj, new, deleted)
        if change is None or change[0] is None:
            continue
        key = (getattr(obj, "tenant_id", None), str(change[0]))
        listing, title = found.get(key, (False, False))
        found[key] = (listing or change[1], title or change[2])
    for (tenant_id, product_id), (listing, title) in found.items():
        events.publish("product.changed", tenant_id=tenant_id, product_id=product_id, listing=listing, title=title,
                       session=session)
    for tenant_id in {t for t, _, _ in stock}:
        rows = [(s, p) for t, s, p in stock if t == tenant_id]
        events.publish("stock.changed", tenant_id=tenant_id, sku_ids=sorted(s for s, _ in rows),
                       product_ids=sorted({p for _, p in rows}), session=session)


def product_changed(product_id, *, listing: bool = False, title: bool = False) -> None:
    """For the few bulk statements the flush does not see (``products.set_groups``)."""
    events.publish("product.changed", product_id=str(product_id), listing=listing, title=title)


def install_hooks() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
