"""Checkout: a preview (lines, prices, freight or pickup, total) and placing the order.

Everything is recomputed on the server from the catalog. Placing an order carries the total the
shopper saw: if the server's differs (a price or the freight changed), nothing is placed and the
409 carries the new figures. The order, its lines and the stock of every line are written in one
transaction; stock is taken through ``catalog.stock.reserve_many`` (SKUs locked in sorted id
order, never below zero, a ledger row per move with the order number). A double submit carries
the same idempotency key (unique per customer) and gets the same order.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from kaidian.catalog import stock
from kaidian.platform import events, rows
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.money import format_yuan
from kaidian.platform.unit import unit

from . import freight, pricing, settings, states
from .cart import Cart
from .errors import CartUnavailable, NotDelivered, NotFound, PricesChanged
from .models import Order, OrderEvent, OrderLine, PickupPoint
from .schemas import CheckoutSchema, PlaceOrderSchema, load

# one instance each, reused: a schema holds no state between loads, and building one (its fields
# copied, nested schemas made) costs more than validating a checkout with it
_CHECKOUT, _PLACE_ORDER = CheckoutSchema(), PlaceOrderSchema()


def preview(customer_id: uuid.UUID, data: dict) -> dict:
    """What this checkout would cost now (no row written)."""
    values = _with_saved_address(customer_id, load(_CHECKOUT, data))
    return _compute(values)[0]


def _with_saved_address(customer_id: uuid.UUID, values: dict) -> dict:
    """``address_id`` (one of the customer's saved addresses, else 404) becomes the address snapshot."""
    if values["delivery_method"] != "express" or values.get("address") or not values.get("address_id"):
        return values
    from types import SimpleNamespace

    from kaidian.customers import addresses

    saved = addresses.get_address(SimpleNamespace(id=customer_id), values["address_id"])
    snapshot = {"name": saved.recipient, "mobile": saved.mobile, "province_code": saved.province_code,
                "province": saved.province_name, "city_code": saved.city_code, "city": saved.city_name,
                "district_code": saved.district_code, "district": saved.district_name, "detail": saved.detail}
    return {**values, "address": snapshot}


def _compute(values: dict) -> tuple[dict, list[pricing.PricedLine], PickupPoint | None]:
    lines = pricing.price([(line["sku_id"], line["quantity"]) for line in values["lines"]])
    goods = pricing.goods_total(lines)
    point, freight_fen, undelivered = None, 0, []
    if values["delivery_method"] == "pickup":
        point = db.session.execute(select(PickupPoint).where(PickupPoint.id == values["pickup_point_id"],
                                                             PickupPoint.active.is_(True))).scalar_one_or_none()
        if point is None:
            raise NotFound()
    else:
        quote = express_quote(lines, values["address"])
        freight_fen, undelivered = quote.fen, quote.undelivered
    result = {
        "lines": [dict(line.as_dict(), deliverable=index not in undelivered) for index, line in enumerate(lines)],
        "delivery_method": values["delivery_method"],
        "pickup_point": pickup_snapshot(point) if point else None,
        "goods_fen": goods, "freight_fen": freight_fen, "total_fen": goods + freight_fen,
        "buyable": all(line.buyable for line in lines), "deliverable": not undelivered,
    }
    for key in ("goods", "freight", "total"):
        result[f"{key}_text"] = format_yuan(result[f"{key}_fen"])
    return result, lines, point


def express_quote(lines: list[pricing.PricedLine], address: dict) -> freight.Quote:
    buyable = [line for line in lines if line.buyable]
    by_id, default = freight.templates_for(line.freight_template_id for line in buyable)
    inputs = [freight.Line(by_id.get(line.freight_template_id, default), line.quantity, line.weight_grams,
                           line.line_fen) for line in buyable]
    destination = freight.Destination(address["province_code"], address.get("city_code", ""),
                                      address.get("district_code", ""))
    quote = freight.compute(inputs, destination)
    positions = [index for index, line in enumerate(lines) if line.buyable]
    quote.undelivered = [positions[i] for i in quote.undelivered]
    return quote


def pickup_snapshot(point: PickupPoint) -> dict:
    return {"id": str(point.id), "name": point.name, "address": point.address, "phone": point.phone,
            "hours": point.hours}


def find_by_key(customer_id: uuid.UUID, key: str) -> Order | None:
    return db.session.execute(
        select(Order).where(Order.customer_id == customer_id, Order.idempotency_key == key)
    ).scalar_one_or_none()


def place(customer_id: uuid.UUID, data: dict, cart: Cart | None = None, present=None) -> tuple[object, bool]:
    """Place the order; ``(order, created)`` — ``created`` is False for a repeated submit (same key).
    ``present(order)``, if given, runs inside the transaction and its result stands in for the order
    (the view's JSON is built before the commit, so nothing is read again after it)."""
    values = _with_saved_address(customer_id, load(_PLACE_ORDER, data))
    present = present or (lambda order: order)
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        try:
            with unit(savepoint=True):
                return _place(customer_id, values, cart, present), True
        except IntegrityError as error:
            if _number_taken(error) and attempt < NUMBER_ATTEMPTS:
                continue  # another order drew the same number in the same second: draw again
            # the key was used: a repeated submit (maybe a moment earlier, in another request)
            existing = find_by_key(customer_id, values["idempotency_key"])
            if existing is None:
                raise
            return present(existing), False
    raise AssertionError("unreachable")


NUMBER_ATTEMPTS = 3  # at 300 orders a second two draw the same number about once every 20 seconds


def _number_taken(error: IntegrityError) -> bool:
    """The order number's unique constraint refused the row (not the idempotency key's)."""
    diag = getattr(error.orig, "diag", None)
    return "number" in str(getattr(diag, "constraint_name", None) or error.orig)


def _place(customer_id: uuid.UUID, values: dict, cart: Cart | None, present):
    figures, lines, point = _compute(values)
    if not figures["buyable"]:
        raise CartUnavailable(figures["lines"])
    if not figures["deliverable"]:
        raise NotDelivered()
    if values["expected_total_fen"] != figures["total_fen"]:
        raise PricesChanged(figures)
    now = utcnow()
    order = Order(id=uuid.uuid4(), customer_id=customer_id, idempotency_key=values["idempotency_key"],
                  number=_number(now), status=states.PENDING, delivery_method=values["delivery_method"],
                  address=dict(values["address"]) if values["delivery_method"] == "express" else None,
                  pickup_point=figures["pickup_point"], note=values["note"], goods_fen=figures["goods_fen"],
                  freight_fen=figures["freight_fen"], total_fen=figures["total_fen"],
                  pay_deadline=now + timedelta(minutes=settings.payment_window_minutes()), created_at=now,
                  updated_at=now)
    order.lines = [OrderLine(order_id=order.id, position=i, product_id=line.product.id, sku_id=line.sku_id,
                             title=line.title, spec_text=line.spec_text[:200], image_key=line.image_key,
                             unit_fen=line.unit_fen, quantity=line.quantity, weight_grams=line.weight_grams)
                   for i, line in enumerate(lines)]
    placed = states.timeline_row(order, "place", "", states.PENDING, actor_kind=states.CUSTOMER,
                                 actor_id=customer_id)
    placed.created_at = now
    _write(order, placed)  # the idempotency key is claimed (a repeat fails here) before any stock is taken
    events.publish("order.placed", tenant_id=order.tenant_id, order_id=str(order.id), customer_id=str(customer_id))
    if cart is not None and values["source"] == "cart":
        cart.merge_guest_lines()
        cart.remove(line.sku_id for line in lines)
    presented = present(order)  # before the stock: nothing it shows depends on it
    # last: the SKU rows stay locked from here to the commit, so nothing else is done in between
    stock.reserve_many({line.sku: line.quantity for line in lines}, ref=f"order {order.number}")
    return presented


def _write(order: Order, placed) -> None:
    """The new order, its lines and its first timeline line, written with Core (``platform/rows.py``
    says why): one statement on PostgreSQL, one per table elsewhere. The objects stay outside the
    session until written, then join it as if just loaded (no flush, no second read)."""
    order_values = rows.values_of(order)
    line_values = [rows.values_of(line) for line in order.lines]
    event_values = rows.values_of(placed)
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(Order.__table__), order_values)
        db.session.execute(insert(OrderLine.__table__), line_values)
        db.session.execute(insert(OrderEvent.__table__), event_values)
    else:
        params = {f"o_{key}": value for key, value in order_values.items()}
        for prefix, values in (("e_", event_values), *((f"l{i}_", line) for i, line in enumerate(line_values))):
            for key, value in values.items():
                shared = _SHARED.get(key)
                if shared is None:
                    params[prefix + key] = value
                elif params[shared] != value:  # never: the rows are built from the order above
                    raise RuntimeError(f"{prefix}{key} differs from the order's {shared}")
        db.session.execute(_order_statement(tuple(order_values), tuple(event_values), tuple(line_values[0]),
                                            len(line_values)), params)
    written = (order, *order.lines, placed)
    for row in written:  # then into the session as if just loaded: no SQL, nothing left to flush
        make_transient_to_detached(row)
    db.session.add_all(written)


# values the event and the lines share with the order, bound once: a one-line order then has fewer
# than 50 parameters, the most psycopg caches a statement's parsing for
_SHARED = {"tenant_id": "o_tenant_id", "order_id": "o_id", "created_at": "o_created_at"}


@functools.lru_cache(maxsize=16)
def _order_statement(order_keys: tuple, event_keys: tuple, line_keys: tuple, line_count: int):
    """``WITH o AS (INSERT INTO orders …), e AS (INSERT INTO order_events …) INSERT INTO order_lines …``
    for ``line_count`` lines, built once per shape (the foreign keys are checked at the statement's end,
    when the order row is there)."""
    orders, events_table, lines = Order.__table__, OrderEvent.__table__, OrderLine.__table__

    def bound(table, keys, prefix):
        return {key: bindparam(_SHARED.get(key, f"{prefix}{key}") if prefix != "o_" else f"o_{key}",
                               type_=table.c[key].type) for key in keys}

    order_cte = insert(orders).values(bound(orders, order_keys, "o_")).returning(orders.c.id).cte("placed_order")
    event_cte = (insert(events_table).values(bound(events_table, event_keys, "e_"))
                 .returning(events_table.c.id).cte("placed_event"))
    # the lines as INSERT … SELECT … UNION ALL SELECT …: a multi-row VALUES cannot be cached once compiled
    rows_in = [select(*bound(lines, line_keys, f"l{i}_").values()) for i in range(line_count)]
    return (insert(lines).from_select(line_keys, rows_in[0] if line_count == 1 else union_all(*rows_in))
            .add_cte(order_cte).add_cte(event_cte))


def _number(now) -> str:
    """A readable order number: the time to the second and six random digits (unique per store)."""
    return now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}"
