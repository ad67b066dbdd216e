"""The cart: SKUs and quantities, priced from the catalog on every read (``pricing``).

A logged-in customer's cart is rows (``CartLine``); a guest's lives in a signed cookie (its
content, not a key: no row is written for someone who may never log in). After login, the guest
lines show merged into the customer's cart at once (in memory: reads never write) and are saved
into it by the next cart write or checkout — quantities of the same SKU add up, capped — after
which the view drops the cookie. Nothing here reads the request: the view hands the cookie's lines
in and writes back what ``Cart.guest_lines`` says.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from kaidian.catalog.errors import InsufficientStock
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import atomic

from . import pricing
from .errors import CartFull
from .models import CartLine
from .schemas import CartAddSchema, CartQuantitySchema, load

MAX_LINES = 50
MAX_QUANTITY = 999
COOKIE = "kd_cart"


# --- the guest cookie ------------------------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kaidian-orders-guest-cart")


def read_cookie(value: str | None) -> list[tuple[uuid.UUID, int]]:
    """The guest lines a cookie carries for the current store ([] when absent, forged or another store's)."""
    if not value:
        return []
    try:
        data = _signer().loads(value)
    except BadSignature:
        return []
    if not isinstance(data, dict) or data.get("t") != str(current_tenant_id()):
        return []
    lines = []
    for item in data.get("l") or []:
        try:
            sku_id, quantity = uuid.UUID(item[0]), int(item[1])
        except (ValueError, TypeError, IndexError):
            continue
        if 0 < quantity <= MAX_QUANTITY and sku_id not in {s for s, _ in lines}:
            lines.append((sku_id, quantity))
    return lines[:MAX_LINES]


def write_cookie(lines: list[tuple[uuid.UUID, int]]) -> str:
    return _signer().dumps({"t": str(current_tenant_id()), "l": [[str(s), q] for s, q in lines]})


# --- the cart -------------------------------------------------------------------------------------


class Cart:
    """A customer's cart (``customer_id``) with any guest lines not merged yet, or a guest's cart."""

    def __init__(self, customer_id: uuid.UUID | None, guest_lines: list[tuple[uuid.UUID, int]] | None = None):
        self.customer_id = customer_id
        self.guest_lines = list(guest_lines or [])
        self.cookie_changed = False

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None

    def _rows(self) -> list[CartLine]:
        return list(db.session.execute(
            select(CartLine).where(CartLine.customer_id == self.customer_id).order_by(CartLine.created_at, CartLine.id)
        ).scalars())

    def items(self) -> list[tuple[uuid.UUID, int]]:
        """Every line, newest guest additions merged in (not saved)."""
        if self.is_guest:
            return list(self.guest_lines)
        merged = {row.sku_id: row.quantity for row in self._rows()}
        for sku_id, quantity in self.guest_lines:
            merged[sku_id] = min(MAX_QUANTITY, merged.get(sku_id, 0) + quantity)
        return list(merged.items())[:MAX_LINES]

    def count(self) -> int:
        if self.is_guest or self.guest_lines:
            return sum(q for _, q in self.items())
        return int(db.session.execute(
            select(func.coalesce(func.sum(CartLine.quantity), 0)).where(CartLine.customer_id == self.customer_id)
        ).scalar())

    def merge_guest_lines(self) -> None:
        """Save the guest lines into the customer's cart (the caller commits; the view drops the cookie)."""
        if self.is_guest or not self.guest_lines:
            return
        for sku_id, quantity in self.guest_lines:
            self._upsert(sku_id, quantity, add=True)
        self.guest_lines, self.cookie_changed = [], True

    def _upsert(self, sku_id: uuid.UUID, quantity: int, *, add: bool) -> None:
        table = CartLine.__table__
        values = {"tenant_id": current_tenant_id(), "id": uuid.uuid4(), "customer_id": self.customer_id,
                  "sku_id": sku_id, "quantity": min(quantity, MAX_QUANTITY)}
        statement = pg_insert(table).values(**values) if db.engine.dialect.name == "postgresql" else None
        if statement is not None:
            new_quantity = func.least(table.c.quantity + statement.excluded.quantity, MAX_QUANTITY) if add \
                else statement.excluded.quantity
            db.session.execute(statement.on_conflict_do_update(
                index_elements=["tenant_id", "customer_id", "sku_id"],
                set_={"quantity": new_quantity, "updated_at": func.now()}))
            return
        row = db.session.execute(select(CartLine).where(CartLine.customer_id == self.customer_id,
                                                        CartLine.sku_id == sku_id)).scalar_one_or_none()
        if row is None:
            db.session.add(CartLine(customer_id=self.customer_id, sku_id=sku_id, quantity=values["quantity"]))
        else:
            row.quantity = min(MAX_QUANTITY, row.quantity + quantity if add else quantity)

    def set_quantity(self, sku_id: uuid.UUID, quantity: int, *, add: bool) -> None:
        if self.is_guest:
            current = dict(self.guest_lines)
            new = min(MAX_QUANTITY, current.get(sku_id, 0) + quantity if add else quantity)
            if sku_id in current:
                self.guest_lines = [(s, new if s == sku_id else q) for s, q in self.guest_lines]
            else:
                self.guest_lines.append((sku_id, new))
            self.cookie_changed = True
            return
        self._upsert(sku_id, quantity, add=add)

    def remove(self, sku_ids) -> None:
        sku_ids = set(sku_ids)
        if self.is_guest:
            self.guest_lines = [(s, q) for s, q in self.guest_lines if s not in sku_ids]
            self.cookie_changed = True
            return
        if sku_ids:
            db.session.execute(delete(CartLine).where(CartLine.customer_id == self.customer_id,
                                                      CartLine.sku_id.in_(sku_ids))
                               .execution_options(synchronize_session=False))

    def has(self, sku_id: uuid.UUID) -> bool:
        return any(s == sku_id for s, _ in self.items())


# --- use cases --------------------------------------------------------------------------------------


def view(cart: Cart) -> dict:
    """The cart as the catalog prices it now; lines that cannot be bought are flagged."""
    lines = pricing.price(cart.items())
    buyable = [line for line in lines if line.buyable]
    return {"lines": [line.as_dict() for line in lines], "count": sum(q for _, q in cart.items()),
            "goods_fen": pricing.goods_total(lines), "buyable_count": sum(line.quantity for line in buyable)}


@atomic
def _add(cart: Cart, data: dict) -> None:
    values = load(CartAddSchema(), data)
    sku_id, quantity = values["sku_id"], values["quantity"]
    current = dict(cart.items())
    if sku_id not in current and len(current) >= MAX_LINES:
        raise CartFull()
    _check_buyable(sku_id, min(MAX_QUANTITY, current.get(sku_id, 0) + quantity))
    cart.merge_guest_lines()
    cart.set_quantity(sku_id, quantity, add=True)


def add(cart: Cart, data: dict) -> dict:
    """Put ``quantity`` of a SKU on sale into the cart (added to what is there)."""
    _add(cart, data)
    return view(cart)


@atomic
def _change(cart: Cart, sku_id: uuid.UUID, data: dict) -> None:
    values = load(CartQuantitySchema(), data)
    if not cart.has(sku_id):
        raise NotFound()
    _check_buyable(sku_id, values["quantity"])
    cart.merge_guest_lines()
    cart.set_quantity(sku_id, values["quantity"], add=False)


def change(cart: Cart, sku_id: uuid.UUID, data: dict) -> dict:
    """Set a line's quantity (404 for a SKU not in the cart)."""
    _change(cart, sku_id, data)
    return view(cart)


@atomic
def _remove(cart: Cart, sku_ids: list[uuid.UUID]) -> None:
    cart.merge_guest_lines()
    cart.remove(sku_ids)


def remove(cart: Cart, sku_ids: list[uuid.UUID]) -> dict:
    _remove(cart, sku_ids)
    return view(cart)


def _check_buyable(sku_id: uuid.UUID, quantity: int) -> None:
    """Only a SKU on sale goes into a cart, and no more of it than is in stock."""
    line = pricing.price([(sku_id, quantity)])[0]
    if line.status in (pricing.GONE, pricing.OFF_SALE):
        raise ValidationFailed(fields={"sku_id": [_l("This item is not for sale.")]})
    if line.status == pricing.SHORT:
        raise InsufficientStock(_l("Only %(n)s left in stock.", n=line.available),
                                fields={"quantity": [_l("Only %(n)s left in stock.", n=line.available)]},
                                sku_id=sku_id, available=line.available)


def move_customer_cart(gone_id: uuid.UUID, kept_id: uuid.UUID) -> None:
    """Two customers of the store are one person (``customers.identities``): ``gone_id``'s lines go
    into ``kept_id``'s cart, quantities added (capped), within the cart's line limit."""
    kept = Cart(kept_id, [])
    room = MAX_LINES - len(kept.items())
    have = {sku_id for sku_id, _ in kept.items()}
    for sku_id, quantity in Cart(gone_id, []).items():
        if sku_id in have or room > 0:
            kept._upsert(sku_id, quantity, add=True)
            room -= sku_id not in have
    db.session.execute(delete(CartLine).where(CartLine.customer_id == gone_id)
                       .execution_options(synchronize_session=False))

