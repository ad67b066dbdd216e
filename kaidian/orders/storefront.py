"""The shopper's JSON API on the store's site (``/api/store/…``): the cart (guests too), checkout
preview and placing an order, the customer's orders with their timeline, cancel, confirm receipt.

Writes carry the CSRF token (``X-CSRFToken`` header; ``GET /api/store/cart`` and
``/api/store/cart/count`` hand it out) like every form of the store's site. Everything but the cart
is for a logged-in customer only (401 otherwise) and sees only that customer's orders in this store
(anyone else's id is a 404). Amounts are fen, with ``*_text`` for display.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, g, jsonify, request
from flask_wtf.csrf import generate_csrf

from kaidian.customers.services import current_customer, require_customer
from kaidian.platform.errors import StoreReadOnly, error_body
from kaidian.platform.money import format_yuan
from kaidian.platform.storage import media_url

from . import cart as carts
from . import checkout, services, states
from .errors import CartUnavailable, PricesChanged
from .schemas import CancelSchema, CartRemoveSchema, load

bp = Blueprint("orders_store", __name__)
COOKIE_DAYS = 30


@bp.before_request
def _open_store_only():
    if not g.tenant.is_open() and request.method not in ("GET", "HEAD"):
        raise StoreReadOnly()


@bp.errorhandler(PricesChanged)
def _prices_changed(exc: PricesChanged):
    return jsonify({**error_body(exc.code, exc.message), "preview": exc.preview}), exc.status


@bp.errorhandler(CartUnavailable)
def _unavailable(exc: CartUnavailable):
    return jsonify({**error_body(exc.code, exc.message), "lines": exc.lines}), exc.status


def _json() -> dict:
    return request.get_json(silent=True) or {}


# --- the cart ---------------------------------------------------------------------------------------


def _cart() -> carts.Cart:
    customer = current_customer()
    guest = carts.read_cookie(request.cookies.get(carts.COOKIE))
    return carts.Cart(customer.id if customer is not None else None, guest)


def _with_cookie(cart: carts.Cart, body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if cart.cookie_changed:
        if cart.guest_lines:
            response.set_cookie(carts.COOKIE, carts.write_cookie(cart.guest_lines), max_age=COOKIE_DAYS * 86400,
                                httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
        else:
            response.delete_cookie(carts.COOKIE)
    return response


@bp.get("/api/store/cart")
def cart_view():
    cart = _cart()
    return _with_cookie(cart, {**carts.view(cart), "csrf_token": generate_csrf(),
                               "logged_in": not cart.is_guest})


@bp.get("/api/store/cart/count")
def cart_count():
    """The tab bar's badge: how many items the cart holds."""
    cart = _cart()
    return _with_cookie(cart, {"count": cart.count(), "csrf_token": generate_csrf()})


@bp.post("/api/store/cart")
def cart_add():
    cart = _cart()
    return _with_cookie(cart, carts.add(cart, _json()))


@bp.patch("/api/store/cart/<uuid:sku_id>")
def cart_change(sku_id: uuid.UUID):
    cart = _cart()
    return _with_cookie(cart, carts.change(cart, sku_id, _json()))


@bp.delete("/api/store/cart/<uuid:sku_id>")
def cart_remove(sku_id: uuid.UUID):
    cart = _cart()
    return _with_cookie(cart, carts.remove(cart, [sku_id]))


@bp.post("/api/store/cart/remove")
def cart_remove_many():
    cart = _cart()
    values = load(CartRemoveSchema(), _json())
    return _with_cookie(cart, carts.remove(cart, values["sku_ids"]))


# --- checkout ---------------------------------------------------------------------------------------


@bp.post("/api/store/checkout/preview")
@require_customer
def checkout_preview():
    """What the checkout costs now (POST: it carries the lines and address; nothing is written)."""
    customer = current_customer()
    return jsonify(checkout.preview(customer.id, _json()))


@bp.post("/api/store/orders")
@require_customer
def place_order():
    customer = current_customer()
    cart = _cart()
    order, created = checkout.place(customer.id, _json(), cart)
    return _with_cookie(cart, order_json(order), 201 if created else 200)


# --- my orders ----------------------------------------------------------------------------------------


@bp.get("/api/store/orders")
@require_customer
def my_orders():
    customer = current_customer()
    tab = request.args.get("status", "all")
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows, total = services.list_for_customer(customer.id, tab, page)
    return jsonify({"orders": [order_json(order) for order in rows], "total": total, "page": page,
                    "per_page": services.PER_PAGE})


@bp.get("/api/store/orders/<uuid:order_id>")
@require_customer
def my_order(order_id: uuid.UUID):
    customer = current_customer()
    order = services.get_for_customer(customer.id, order_id)
    return jsonify(order_json(order, timeline=services.timeline(order)))


@bp.post("/api/store/orders/<uuid:order_id>/cancel")
@require_customer
def cancel_order(order_id: uuid.UUID):
    customer = current_customer()
    values = load(CancelSchema(), _json())
    order = services.cancel(order_id, actor_kind=states.CUSTOMER, actor_id=customer.id, customer_id=customer.id,
                            reason=values["reason"])
    return jsonify(order_json(order))


@bp.post("/api/store/orders/<uuid:order_id>/confirm-receipt")
@require_customer
def confirm_receipt(order_id: uuid.UUID):
    customer = current_customer()
    return jsonify(order_json(services.confirm_receipt(customer.id, order_id)))


# --- shapes -------------------------------------------------------------------------------------------


def order_json(order, timeline=None) -> dict:
    body = {
        "id": str(order.id), "number": order.number, "status": order.status,
        "status_text": str(states.ORDER_STATUS_LABELS.get(order.status, order.status)),
        "delivery_method": order.delivery_method, "address": order.address, "pickup_point": order.pickup_point,
        "note": order.note, "carrier": order.carrier, "tracking_number": order.tracking_number,
        "lines": [{"id": str(line.id), "sku_id": str(line.sku_id), "product_id": str(line.product_id),
                   "title": line.title, "spec_text": line.spec_text,
                   "image_url": media_url(line.image_key) if line.image_key else "",
                   "unit_fen": line.unit_fen, "unit_text": format_yuan(line.unit_fen), "quantity": line.quantity,
                   "line_fen": line.line_fen, "refunded_quantity": line.refunded_quantity}
                  for line in order.lines],
        "quantity": order.quantity,
        "pay_deadline": order.pay_deadline.isoformat(), "created_at": order.created_at.isoformat(),
        "paid_at": _iso(order.paid_at), "shipped_at": _iso(order.shipped_at), "completed_at": _iso(order.completed_at),
    }
    for key in ("goods", "freight", "adjust", "total", "paid", "refunded"):
        body[f"{key}_fen"] = getattr(order, f"{key}_fen")
        body[f"{key}_text"] = format_yuan(getattr(order, f"{key}_fen"))
    body["actions"] = [action for action, kind in (("cancel", states.CUSTOMER), ("complete", states.CUSTOMER))
                       if states.can(order, action, kind)]
    if order.status == states.PENDING:
        body["actions"].insert(0, "pay")
    if timeline is not None:
        body["timeline"] = [{"action": e.action, "from": e.from_status, "to": e.to_status, "actor": e.actor_kind,
                             "note": e.note if e.actor_kind != states.SYSTEM or not e.note.startswith("[") else "",
                             "at": e.created_at.isoformat()} for e in timeline]
    return body


def _iso(value):
    return value.isoformat() if value is not None else None
