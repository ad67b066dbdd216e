"""The shopper's store pages of selling, as page kinds (``themes.page_kinds``): the cart, checkout,
the pay page, the order list, an order's detail and the after-sales request.

Every one is **private** (it shows one customer's cart or orders: rendered per request,
``Cache-Control: private``, never in the shared render cache) and sends a guest to
``customers.login_url`` first. Each kind has one main section (its type below, its template in
``orders/templates/themes/sections/``) whose words the merchant edits in the builder (the cart's
empty-state text, the checkout notice …); the theme's CSS variables style them, so each industry
template draws them in its own colours and corners. What the page *does* — change a quantity,
place the order, pay, cancel — is ``themes/static/shop.js`` calling the store JSON API
(``orders/storefront.py``); the page HTML carries only what that customer may see.

Two small views help shoppers without JavaScript or the product page's cached HTML: ``POST
/cart/add`` (the product page's form: product, spec values and quantity; no CSRF token can be in a
cached page, so it checks that the request comes from this store's own pages — the ``Origin`` or
``Referer`` host — and only ever adds to the cart) and ``GET /api/store/pay-qr`` (the Native
payment's QR code as SVG, drawn with segno, only for ``weixin://`` links).
"""

from __future__ import annotations

import io
import secrets
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.customers import services as customers
from kaidian.platform.extensions import csrf, db
from kaidian.platform.money import format_yuan
from kaidian.platform.shipping_trace import CARRIERS, carrier_name
from kaidian.platform.shipping_trace import trace as parcel_trace
from kaidian.themes.page_kinds import PageKind, SectionType, Subject, demo_product, register, register_section
from kaidian.themes.settings import CheckboxSetting, TextSetting

from . import aftersale_photos, aftersales, pricing, services, states
from . import cart as carts
from .errors import NotFound
from .models import PickupPoint

bp = Blueprint("orders_pages", __name__)


# --- who is looking ----------------------------------------------------------------------------------


def _here() -> str:
    return request.full_path.rstrip("?")


def _private(load) -> Subject:
    """A private page's subject: the logged-in customer's, or a redirect to log in (and back)."""
    customer = customers.current_customer()
    if customer is None:
        return Subject(response=redirect(customers.login_url(_here())))
    return Subject(customer={"nickname": customer.nickname}, load=lambda: load(customer))


def _order_of(customer, order_id) -> object:
    try:
        return services.get_for_customer(customer.id, uuid.UUID(str(order_id)))
    except (NotFound, ValueError):
        abort(404)


def _order_json(order, **kwargs) -> dict:
    from .storefront import order_json

    return order_json(order, **kwargs)


# --- the cart ----------------------------------------------------------------------------------------


def cart_subject() -> Subject:
    def load(customer):
        cart = carts.Cart(customer.id, carts.read_cookie(request.cookies.get(carts.COOKIE)))
        view = carts.view(cart)
        view["goods_text"] = format_yuan(view["goods_fen"])
        return {"cart": view}

    return _private(load)


def _sample_lines(industry: str) -> list[dict]:
    product = demo_product(industry) or {}
    title, price = product.get("title", _("Sample product")), product.get("price", 9900)
    return [{"sku_id": "demo-1", "product_id": None, "title": title, "spec_text": "", "image_url": "",
             "unit_fen": price, "unit_text": format_yuan(price), "quantity": 1, "line_fen": price,
             "line_text": format_yuan(price), "status": pricing.OK, "available": 9},
            {"sku_id": "demo-2", "product_id": None, "title": title, "spec_text": "", "image_url": "",
             "unit_fen": price, "unit_text": format_yuan(price), "quantity": 2, "line_fen": 2 * price,
             "line_text": format_yuan(2 * price), "status": pricing.SHORT, "available": 1}]


def _sample_cart(args, industry) -> dict:
    lines = _sample_lines(industry)
    return {"cart": {"lines": lines, "count": 3, "goods_fen": lines[0]["line_fen"],
                     "goods_text": lines[0]["line_text"], "buyable_count": 1}, "sample": True}


# --- checkout ----------------------------------------------------------------------------------------


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _quantity() -> int:
    return max(1, min(request.args.get("quantity", 1, type=int) or 1, carts.MAX_QUANTITY))


def _sku_from_specs(product_id: uuid.UUID) -> uuid.UUID | None:
    """The SKU a no-JavaScript product form chose (``spec_0``, ``spec_1`` … in dimension order)."""
    from kaidian.catalog.models import Sku

    skus = db.session.execute(select(Sku).where(Sku.product_id == product_id)).scalars().all()
    chosen = [request.values.get(f"spec_{i}", "") for i in range(10)]
    for sku in skus:
        values = [str(v) for v in sku.spec_values or []]
        if values == chosen[:len(values)]:
            return sku.id
    return None


def checkout_items(customer) -> tuple[str, list[tuple[uuid.UUID, int]]]:
    """What this checkout buys: ``?sku=&quantity=`` or ``?product=&spec_0=…`` (buy now), else the
    cart's lines that can be bought."""
    sku_id = _uuid(request.args.get("sku"))
    product_id = _uuid(request.args.get("product"))
    if sku_id is None and product_id is not None:
        sku_id = _sku_from_specs(product_id)
        if sku_id is None:
            return "buy_now", []
    if sku_id is not None:
        return "buy_now", [(sku_id, _quantity())]
    cart = carts.Cart(customer.id, carts.read_cookie(request.cookies.get(carts.COOKIE)))
    lines = pricing.price(cart.items())
    return "cart", [(line.sku_id, line.quantity) for line in lines if line.buyable]


def pickup_points() -> list[dict]:
    from .checkout import pickup_snapshot

    rows = db.session.execute(select(PickupPoint).where(PickupPoint.active.is_(True))
                              .order_by(PickupPoint.name)).scalars()
    return [pickup_snapshot(row) for row in rows]


def checkout_subject() -> Subject:
    def load(customer):
        source, items = checkout_items(customer)
        lines = [line.as_dict() for line in pricing.price(items)]
        goods = sum(line["line_fen"] for line in lines if line["status"] == pricing.OK)
        return {"checkout": {"source": source, "lines": lines, "goods_fen": goods, "goods_text": format_yuan(goods),
                             "buyable": bool(lines) and all(line["status"] == pricing.OK for line in lines),
                             "pickup_points": pickup_points(),
                             # one key per checkout page: a double tap (or a retry) places one order
                             "idempotency_key": secrets.token_urlsafe(18)}}

    return _private(load)


def _sample_checkout(args, industry) -> dict:
    lines = _sample_lines(industry)[:1]
    return {"checkout": {"source": "cart", "lines": lines, "goods_fen": lines[0]["line_fen"],
                         "goods_text": lines[0]["line_text"], "buyable": True, "pickup_points": [],
                         "idempotency_key": "preview"}, "sample": True}


# --- paying, orders, after-sales ----------------------------------------------------------------------


def pay_subject(order_id) -> Subject:
    customer = customers.current_customer()
    if customer is None:
        return Subject(response=redirect(customers.login_url(_here())))
    order = _order_of(customer, order_id)
    if order.status != states.PENDING:
        return Subject(response=redirect(f"/orders/{order.id}"))
    return Subject(customer={"nickname": customer.nickname},
                   load=lambda: {"order": _order_json(order),
                                 "channels": pay_channels(order.id, customer.authorizer_appid),
                                 "in_mini_program": _in_mini_program()})


PAY_LABELS = {"wechatpay": _l("Pay with WeChat"), "alipay": _l("Pay with Alipay")}
HANDOFF_LABEL = _l("Pay in the mini program")


def pay_channels(order_id, shopper_appid: str | None = None) -> list[dict]:
    """The pay page's buttons: the channels payments offers this browser and shopper (``shopper_appid``:
    where the customer's WeChat identity is; the hand-off only for the store's mini program's), each with
    its words; a hand-off to the mini program carries the mini program's pay page for this order
    (``handoff_url``), a standby one is drawn hidden (shop.js shows it if the page is in a mini program
    after all)."""
    from . import paying
    from .mini_program import pay_page_url

    return [{"channel": c["channel"], "provider": c["provider"],
             "label": str(HANDOFF_LABEL if c.get("handoff") else PAY_LABELS[c["provider"]]),
             "handoff_url": pay_page_url(order_id) if c.get("handoff") else "", "standby": bool(c.get("standby"))}
            for c in paying.offered_channels(request.user_agent.string, shopper_appid)]


def _in_mini_program() -> bool:
    from . import paying

    return paying.shopper_context(request.user_agent.string) == "miniprogram"


def orders_subject() -> Subject:
    tab = request.args.get("status", "all")
    if tab not in services.LIST_TABS:
        tab = "all"
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))

    def load(customer):
        rows, total = services.list_for_customer(customer.id, tab, page)
        return {"orders": [_order_json(order) for order in rows], "tab": tab, "page": page,
                "has_next": page * services.PER_PAGE < total, "total": total,
                "tabs": [(key, str(label)) for key, label in LIST_TAB_LABELS.items()]}

    return _private(load)


LIST_TAB_LABELS = {"all": _l("All"), "pending_payment": _l("To pay"), "paid": _l("To ship"),
                   "shipped": _l("To receive"), "completed": _l("Completed"), "ended": _l("Cancelled")}


def _trace(order) -> list[dict]:
    if not order.carrier or not order.tracking_number:
        return []
    try:
        return parcel_trace(order.carrier, order.tracking_number)
    except Exception:  # an unknown carrier code or a number the provider refuses: no trace shown
        return []


def order_subject(order_id) -> Subject:
    def load(customer):
        order = _order_of(customer, order_id)
        body = _order_json(order, timeline=services.timeline(order))
        from .storefront import after_sale_json

        body["after_sales"] = [after_sale_json(row) for row in aftersales.for_order(order)]
        body["carrier_name"] = carrier_name(order.carrier) if order.carrier else ""
        body["timeline"] = [dict(step, action_text=str(TIMELINE_WORDS.get(step["action"], step["action"])))
                            for step in body["timeline"]]
        return {"order": body, "trace": _trace(order),
                "carriers": [(code, carrier_name(code)) for code in CARRIERS]}

    return _private(load)


TIMELINE_WORDS = {
    "place": _l("Order placed"), "pay": _l("Paid"), "ship": _l("Shipped"), "complete": _l("Receipt confirmed"),
    "auto_complete": _l("Completed automatically"), "cancel": _l("Cancelled"), "close": _l("Closed unpaid"),
    "change_price": _l("Price changed by the store"), "after_sale_requested": _l("After-sales requested"),
    "refund_requested": _l("Refund requested"), "refund": _l("Refunded"),
}


def after_sale_subject(order_id) -> Subject:
    def load(customer):
        order = _order_of(customer, order_id)
        body = _order_json(order)
        if "after_sale" not in body["actions"]:
            abort(404)
        return {"order": body, "photo_limit": aftersale_photos.MAX_PHOTOS}

    return _private(load)


def _sample_order(args, industry) -> dict:
    lines = _sample_lines(industry)[:1]
    order = {"id": "preview", "number": "20260101120000000001", "status": states.PAID,
             "status_text": str(states.ORDER_STATUS_LABELS[states.PAID]), "delivery_method": "express",
             "address": {"name": "张三", "mobile": "13800138000", "province": "广东省", "city": "深圳市",
                         "district": "南山区", "detail": "科技园 1 号"},
             "pickup_point": None, "note": "", "carrier": "", "carrier_name": "", "tracking_number": "",
             "lines": [dict(line, id="preview-line", refunded_quantity=0) for line in lines],
             "quantity": 1, "goods_text": lines[0]["line_text"], "freight_text": format_yuan(0),
             "total_fen": lines[0]["line_fen"], "total_text": lines[0]["line_text"], "adjust_fen": 0,
             "refunded_fen": 0, "refunded_text": format_yuan(0), "paid_text": lines[0]["line_text"],
             "pay_deadline": "", "created_at": "", "actions": ["after_sale"], "timeline": [], "after_sales": []}
    order["after_sales"] = [{"id": "preview", "kind": "return_refund", "status": "approved",
                             "status_text": str(states.AFTER_SALE_STATUS_LABELS["approved"]),
                             "amount_text": lines[0]["line_text"], "reason": _("Sample reason"), "reject_reason": "",
                             "return_address": "广东省深圳市南山区科技园 1 号", "return_tracking_number": ""}]
    channels = [{"channel": "native", "provider": "wechatpay", "label": str(PAY_LABELS["wechatpay"]),
                 "handoff_url": "", "standby": False}]
    return {"order": order, "orders": [order], "channels": channels,
            "photo_limit": aftersale_photos.MAX_PHOTOS, "tab": "all", "page": 1, "has_next": False,
            "total": 1, "tabs": [(key, str(label)) for key, label in LIST_TAB_LABELS.items()], "trace": [],
            "sample": True, "carriers": [(code, carrier_name(code)) for code in CARRIERS]}


# --- the section types and page kinds ------------------------------------------------------------------


def _subject(view, ctx) -> dict:
    return ctx.subject or {}


def _section(type_: str, name, page: str, settings: list, description) -> SectionType:
    return SectionType(type=type_, name=name, category="page", settings=settings, pages=(page,), limit=1,
                       loader=_subject, shopper_specific=True, description=description,
                       presets=[{"name": name, "settings": {}}])


SECTIONS = [
    _section("cart_lines", _l("Cart"), "cart", [
        TextSetting("heading", _l("Heading"), _l("Shopping cart"), max_length=20),
        TextSetting("empty_text", _l("Empty cart text"), _l("Your cart is empty. Have a look around the store."),
                    max_length=80),
        TextSetting("checkout_label", _l("Checkout button"), _l("Check out"), max_length=16),
    ], _l("The cart's lines with their quantities, what cannot be bought now, the total and the checkout button.")),
    _section("checkout_form", _l("Checkout"), "checkout", [
        TextSetting("notice", _l("Notice"), "", max_length=120,
                    info=_l("Shown above the order, e.g. when parcels go out.")),
        CheckboxSetting("show_note", _l("Let shoppers leave a note"), True),
        TextSetting("place_label", _l("Place order button"), _l("Place order"), max_length=16),
    ], _l("Delivery (express to an address or pickup), freight, a note and the total; places the order.")),
    _section("pay_panel", _l("Payment"), "pay", [
        TextSetting("heading", _l("Heading"), _l("Pay for your order"), max_length=20),
        TextSetting("notice", _l("Notice"), "", max_length=120),
    ], _l("The amount, the time left to pay and a button for each way of paying offered there (WeChat Pay; "
          "Alipay outside WeChat when the store takes it).")),
    _section("order_list", _l("My orders"), "orders", [
        TextSetting("heading", _l("Heading"), _l("My orders"), max_length=20),
        TextSetting("empty_text", _l("No orders text"), _l("No orders here yet."), max_length=80),
    ], _l("The customer's orders, in tabs by status.")),
    _section("order_detail", _l("Order detail"), "order", [
        CheckboxSetting("show_timeline", _l("Show the timeline"), True),
        CheckboxSetting("show_trace", _l("Show the parcel's trace"), True),
    ], _l("One order: its status, items, delivery, parcel trace, timeline and what the shopper can do next.")),
    _section("after_sale_form", _l("After-sales request"), "after_sale", [
        TextSetting("notice", _l("Notice"), _l("We answer every request within two working days."), max_length=120),
    ], _l("Ask for a refund, or a return and refund, for some of an order's items.")),
]

DEFAULT_DOC = {
    "cart": [("main", "cart_lines", {}, [])],
    "checkout": [("main", "checkout_form", {}, [])],
    "pay": [("main", "pay_panel", {}, [])],
    "orders": [("main", "order_list", {}, [])],
    "order": [("main", "order_detail", {}, [])],
    "after_sale": [("main", "after_sale_form", {}, [])],
}


def _kind(handle, label, *, path, routes, subject, preview, section, position) -> PageKind:
    defaults = {"*": DEFAULT_DOC[handle]}
    if handle in ("cart", "order"):  # the food template offers its customer-service card there too
        defaults["food"] = [*DEFAULT_DOC[handle], ("service", "customer_service", {}, [])]
    return PageKind(handle, label, path=path, routes=routes, subject=subject, preview=preview,
                    meta=lambda subject, label=label: (str(label), "", ""), sections=(section,),
                    defaults=defaults, private=True, position=position, stylesheet="shop.css")


KINDS = [
    _kind("cart", _l("Cart page"), path="/cart", routes=("/cart",), subject=cart_subject, preview=_sample_cart,
          section="cart_lines", position=50),
    _kind("checkout", _l("Checkout page"), path="/checkout", routes=("/checkout",), subject=checkout_subject,
          preview=_sample_checkout, section="checkout_form", position=51),
    _kind("pay", _l("Payment page"), path=None, routes=("/orders/<order_id>/pay",), subject=pay_subject,
          preview=lambda args, industry: _sample_order(args, industry), section="pay_panel", position=52),
    _kind("orders", _l("My orders page"), path="/orders", routes=("/orders",), subject=orders_subject,
          preview=lambda args, industry: _sample_order(args, industry), section="order_list", position=53),
    _kind("order", _l("Order detail page"), path=None, routes=("/orders/<order_id>",), subject=order_subject,
          preview=lambda args, industry: _sample_order(args, industry), section="order_detail", position=54),
    _kind("after_sale", _l("After-sales page"), path=None, routes=("/orders/<order_id>/after-sales",),
          subject=after_sale_subject, preview=lambda args, industry: _sample_order(args, industry),
          section="after_sale_form", position=55),
]


def register_all(app) -> None:
    from pathlib import Path

    templates = str(Path(__file__).parent / "templates")
    for section in SECTIONS:
        register_section(section, templates)
    for kind in KINDS:
        register(app, kind)


# --- helpers for pages without JavaScript, and the QR code ---------------------------------------------


def _same_site() -> bool:
    """The request comes from this store's own pages: ``Origin`` (else ``Referer``) names the host
    name that resolved this store (``g.host_name``, set by ``sites.resolve_site``)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    try:
        parts = urlsplit(source)
        name = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(name) and name == g.get("host_name")


@bp.post("/cart/add")
@csrf.exempt
def add_from_form():
    """The product page's form without JavaScript: add the chosen SKU, then show the cart (or, for
    ``buy_now``, the checkout). The cached product page carries no CSRF token; this only adds to the
    asking browser's cart, and only from this store's own pages."""
    if not _same_site():
        abort(403)
    product_id = _uuid(request.form.get("product"))
    sku_id = _uuid(request.form.get("sku")) or (_sku_from_specs(product_id) if product_id else None)
    quantity = max(1, min(request.form.get("quantity", 1, type=int) or 1, carts.MAX_QUANTITY))
    if sku_id is None:
        return redirect(f"/products/{product_id}" if product_id else "/", code=303)
    if request.form.get("action") == "buy_now":
        return redirect(f"/checkout?sku={sku_id}&quantity={quantity}", code=303)
    from .storefront import _cart, _with_cookie

    cart = _cart()
    cookies = _with_cookie(cart, carts.add(cart, {"sku_id": str(sku_id), "quantity": quantity}))
    response = redirect("/cart", code=303)
    for value in cookies.headers.getlist("Set-Cookie"):  # the guest cart's cookie, when it changed
        response.headers.add("Set-Cookie", value)
    return response


@bp.get("/api/store/pay-qr")
def pay_qr():
    """The QR code of a Native payment's ``code_url`` (``weixin://wxpay/…``, or the sandbox's link)."""
    import segno

    data = request.args.get("data", "")
    if not (data.startswith("weixin://") or _sandbox_link(data)) or len(data) > 512:
        abort(404)
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=6, border=2)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


def _sandbox_link(data: str) -> bool:
    from flask import current_app

    base = (current_app.config.get("WECHATPAY_BASE_URL") or "").rstrip("/")
    return bool(base) and data.startswith(base + "/") and g.get("tenant") is not None
