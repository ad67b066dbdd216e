"""The shopper's JSON API on the store's site (``/api/store/…``): the cart (guests too), checkout
preview and placing an order, the customer's orders with their timeline, cancel, confirm receipt.

Writes carry the CSRF token (``X-CSRFToken`` header; ``GET /api/store/cart`` and
``/api/store/cart/count`` hand it out) like every form of the store's site. Everything but the cart
is for a logged-in customer only (401 ``customer_required`` otherwise) and sees only that customer's
orders in this store (anyone else's id is a 404). Amounts are fen, with ``*_text`` for display.

    GET    /api/store/cart                      the cart, priced now; lines flagged ok/gone/off_sale/short
    GET    /api/store/cart/count                the tab bar's badge (and the CSRF token)
    POST   /api/store/cart                      {sku_id, quantity}: add
    PATCH  /api/store/cart/<sku_id>             {quantity}: set
    DELETE /api/store/cart/<sku_id>             remove one line;  POST /api/store/cart/remove {sku_ids}
    GET    /api/store/pickup-points             the store's pickup points
    POST   /api/store/checkout/preview          {lines, source, delivery_method, address | address_id |
                                                pickup_point_id, note} (address_id: a saved address)
    POST   /api/store/orders                    the same + {idempotency_key, expected_total_fen}: place
                                                (201; 200 with the same order for a repeated key;
                                                409 prices_changed with "preview", lines_unavailable
                                                with "lines", insufficient_stock, not_delivered)
    GET    /api/store/orders?status=all|pending_payment|paid|shipped|completed|ended&page=
    GET    /api/store/orders/<id>               with "timeline" and "after_sales"
    POST   /api/store/orders/<id>/pay           {channel: jsapi|native|h5|alipay_wap|alipay_page, return_url}
                                                (only a channel offered to this browser)
    POST   /api/store/orders/<id>/cancel        {reason}
    POST   /api/store/orders/<id>/confirm-receipt
    POST   /api/store/after-sales/photos        multipart file: one photo (201 {token, url}: url is the
                                                uploader's own preview, GET /api/store/after-sales/photos/<id>)
    POST   /api/store/orders/<id>/after-sales   {kind, reason, photos: [tokens], items: [{line_id, quantity}]}
    GET    /api/store/after-sales/<id>;  POST /api/store/after-sales/<id>/return {carrier, tracking_number}
    GET    /api/store/after-sales/<id>/photos/<n>  the request's photo n (its shopper only; private, no-store)
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, g, jsonify, request
from flask_wtf.csrf import generate_csrf

from kaidian.customers.services import current_customer, require_customer
from kaidian.platform import sites
from kaidian.platform.errors import StoreReadOnly, error_body
from kaidian.platform.extensions import limiter
from kaidian.platform.money import format_yuan
from kaidian.platform.storage import media_url

from . import aftersale_photos, aftersales, checkout, delivery, services, states
from . import cart as carts
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
    body, created = checkout.place(customer.id, _json(), cart, present=order_json)
    return _with_cookie(cart, body, 201 if created else 200)


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
    body = order_json(order, timeline=services.timeline(order))
    body["after_sales"] = [after_sale_json(row) for row in aftersales.for_order(order)]
    return jsonify(body)


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


@bp.post("/api/store/orders/<uuid:order_id>/pay")
@require_customer
def pay_order(order_id: uuid.UUID):
    """Start paying an unpaid order: ``{"channel", "return_url"}`` (a channel the pay page offers this
    browser) → the provider's parameters for the page (JSAPI parameters, ``code_url``, ``h5_url`` or
    ``pay_url``)."""
    params = services.start_payment(current_customer(), order_id, _json(), client_ip=request.remote_addr or "",
                                    user_agent=request.user_agent.string, store_url=sites.return_base_url())
    return jsonify(params)


@bp.post("/api/store/orders/<uuid:order_id>/after-sales")
@require_customer
def request_after_sale(order_id: uuid.UUID):
    """Ask for after-sales: ``{"kind": "refund_only" | "return_refund", "reason", "photos": [tokens],
    "items": [{"line_id", "quantity"}]}``."""
    row = aftersales.request(current_customer().id, order_id, _json())
    return jsonify(after_sale_json(row)), 201


@bp.post("/api/store/after-sales/photos")
@require_customer
@limiter.limit("60 per hour")
def upload_after_sale_photo():
    """One photo for an after-sales request (multipart, field ``file``): 201 ``{"token", "url"}``; the
    request then names it by ``token``. Images only, at most 5 MB (``aftersale_photos``)."""
    return jsonify(aftersale_photos.upload(current_customer().id, request.files.get("file"))), 201


@bp.get("/api/store/after-sales/photos/<uuid:upload_id>")
@require_customer
def after_sale_upload(upload_id: uuid.UUID):
    """An uploaded photo's preview, for the shopper who uploaded it (anyone else: 404)."""
    return aftersale_photos.upload_of(current_customer().id, upload_id)


@bp.get("/api/store/after-sales/<uuid:after_sale_id>/photos/<int:index>")
@require_customer
def after_sale_photo(after_sale_id: uuid.UUID, index: int):
    """Photo ``index`` of the shopper's own request (another customer's request: 404)."""
    return aftersale_photos.photo_of(aftersales.get(after_sale_id, current_customer().id), index)


@bp.get("/api/store/after-sales/<uuid:after_sale_id>")
@require_customer
def my_after_sale(after_sale_id: uuid.UUID):
    return jsonify(after_sale_json(aftersales.get(after_sale_id, current_customer().id)))


@bp.post("/api/store/after-sales/<uuid:after_sale_id>/return")
@require_customer
def return_shipped(after_sale_id: uuid.UUID):
    """The shopper sent the goods back: ``{"carrier", "tracking_number"}``."""
    return jsonify(after_sale_json(aftersales.ship_return(current_customer().id, after_sale_id, _json())))


@bp.get("/api/store/pickup-points")
def pickup_points():
    """The store's open pickup points, for the checkout page."""
    return jsonify({"pickup_points": [checkout.pickup_snapshot(point)
                                      for point in delivery.pickup_points(active_only=True)]})


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
    if order.status in aftersales.REFUNDABLE:
        body["actions"].append("after_sale")
    if timeline is not None:
        body["timeline"] = [{"action": e.action, "from": e.from_status, "to": e.to_status, "actor": e.actor_kind,
                             "note": e.note if e.actor_kind != states.SYSTEM or not e.note.startswith("[") else "",
                             "at": e.created_at.isoformat()} for e in timeline]
    return body


def after_sale_json(row) -> dict:
    return {"id": str(row.id), "order_id": str(row.order_id), "kind": row.kind, "status": row.status,
            "status_text": str(states.AFTER_SALE_STATUS_LABELS.get(row.status, row.status)), "reason": row.reason,
            "photos": aftersale_photos.urls(row, "orders_store.after_sale_photo"), "items": row.items,
            "amount_fen": row.amount_fen,
            "amount_text": format_yuan(row.amount_fen), "reject_reason": row.reject_reason,
            "return_address": row.return_address, "return_carrier": row.return_carrier,
            "return_tracking_number": row.return_tracking_number, "created_at": row.created_at.isoformat()}


def _iso(value):
    return value.isoformat() if value is not None else None
