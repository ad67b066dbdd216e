"""Order use cases after placement: reading a customer's orders, cancelling, closing unpaid orders
when the payment window elapses, applying a payment, shipping, confirming receipt, completing
automatically, and the merchant's price change before payment.

Every status change goes through ``states.transition`` with the order's row locked
(``lock_order``), so a payment racing a close (or a cancel) is applied to one outcome only. Stock
goes back through ``catalog.stock.release_many`` when an unpaid order ends. Calls to the payments
provider run in jobs after the commit (``tasks``). Services are ``@atomic``: they join the caller's
unit of work, and the outermost one commits.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from kaidian.catalog import stock
from kaidian.catalog.models import Sku
from kaidian.platform import jobs
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.unit import atomic

from . import settings, states
from .models import Order, OrderEvent, OrderLine
from .schemas import PaySchema, PriceChangeSchema, RemarkSchema, ShipSchema, load

log = logging.getLogger(__name__)
PER_PAGE = 20
LIST_TABS = {  # the shopper's tabs -> statuses
    "all": None, "pending_payment": (states.PENDING,), "paid": (states.PAID,), "shipped": (states.SHIPPED,),
    "completed": (states.COMPLETED,), "ended": (states.CANCELLED, states.CLOSED),
}


# --- reading ---------------------------------------------------------------------------------------


def get(order_id: uuid.UUID) -> Order:
    """An order of the current store (404 otherwise)."""
    order = db.session.execute(select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
                               ).scalar_one_or_none()
    if order is None:
        raise NotFound()
    return order


def get_for_customer(customer_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    """One of this customer's orders in the current store; anyone else's is a 404."""
    order = get(order_id)
    if order.customer_id != customer_id:
        raise NotFound()
    return order


def lock_order(order_id: uuid.UUID, customer_id: uuid.UUID | None = None) -> Order:
    """The order with its row locked until the commit (the transitions' guard against races)."""
    query = select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    order = db.session.execute(query).scalar_one_or_none()
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        raise NotFound()
    return order


def list_for_customer(customer_id: uuid.UUID, tab: str = "all", page: int = 1) -> tuple[list[Order], int]:
    if tab not in LIST_TABS:
        raise ValidationFailed(fields={"status": [_l("Unknown status.")]})
    condition = [Order.customer_id == customer_id]
    if LIST_TABS[tab]:
        condition.append(Order.status.in_(LIST_TABS[tab]))
    total = db.session.execute(select(func.count()).select_from(Order).where(*condition)).scalar()
    rows = db.session.execute(
        select(Order).where(*condition).options(selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id).limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)
    ).scalars().all()
    return list(rows), total


ADMIN_TABS = {  # the merchant's tabs -> statuses ("after_sale": orders with an open after-sales request)
    "all": None, "pending_payment": (states.PENDING,), "paid": (states.PAID,), "shipped": (states.SHIPPED,),
    "completed": (states.COMPLETED,), "ended": (states.CANCELLED, states.CLOSED), "after_sale": None,
}


def search(page: int = 1, per_page: int = 20, *, status: str | None = None, q: str = "",
           delivery_method: str | None = None, created_from=None, created_to=None,
           tab: str = "all") -> tuple[list[Order], int]:
    """The merchant's order list, newest first, with its filters; (rows, total)."""
    condition = filter_conditions(status=status, q=q, delivery_method=delivery_method, created_from=created_from,
                                  created_to=created_to, tab=tab)
    total = db.session.execute(select(func.count()).select_from(Order).where(*condition)).scalar()
    rows = db.session.execute(
        select(Order).where(*condition).options(selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id).limit(per_page).offset((page - 1) * per_page)
    ).scalars().all()
    return list(rows), total


def filter_conditions(*, status: str | None = None, q: str = "", delivery_method: str | None = None,
                      created_from=None, created_to=None, tab: str = "all") -> list:
    """The WHERE clauses of the merchant's filters (the list and its export share them). ``q`` is an
    order number, or part of the recipient's name or mobile or of an item's title."""
    from .models import AfterSale

    condition = []
    if status:
        condition.append(Order.status == status)
    if ADMIN_TABS.get(tab):
        condition.append(Order.status.in_(ADMIN_TABS[tab]))
    elif tab == "after_sale":
        condition.append(Order.id.in_(select(AfterSale.order_id).where(AfterSale.status.in_(states.OPEN_AFTER_SALE))))
    if delivery_method:
        condition.append(Order.delivery_method == delivery_method)
    if created_from:
        condition.append(Order.created_at >= _day_start(created_from))
    if created_to:
        condition.append(Order.created_at < _day_start(created_to + timedelta(days=1)))
    if q:
        like = f"%{_escape_like(q)}%"
        titled = select(OrderLine.order_id).where(OrderLine.title.ilike(like, escape="\\"))
        condition.append(or_(Order.number == q, Order.id.in_(titled),
                             Order.address["name"].as_string().ilike(like, escape="\\"),
                             Order.address["mobile"].as_string().like(like, escape="\\")))
    return condition


def tab_counts() -> dict[str, int]:
    """How many orders each of the merchant's tabs holds."""
    from .models import AfterSale

    by_status = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    counts = {tab: sum(by_status.get(status, 0) for status in statuses)
              for tab, statuses in ADMIN_TABS.items() if statuses}
    counts["all"] = sum(by_status.values())
    counts["after_sale"] = db.session.execute(
        select(func.count(func.distinct(AfterSale.order_id))).where(AfterSale.status.in_(states.OPEN_AFTER_SALE))
    ).scalar()
    return counts


def _day_start(day) -> datetime:
    """Midnight of ``day`` in the store's time zone (Babel's, Asia/Shanghai by default), as UTC."""
    return to_utc(datetime.combine(day, time.min)).replace(tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def timeline(order: Order) -> list[OrderEvent]:
    return list(db.session.execute(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.created_at, OrderEvent.id)
    ).scalars())


# --- ending an unpaid order ------------------------------------------------------------------------


@atomic
def cancel(order_id: uuid.UUID, *, actor_kind: str, actor_id: uuid.UUID | None, customer_id=None,
           reason: str = "") -> Order:
    """The shopper (or the merchant) cancels an unpaid order: stock back, the payment closed."""
    order = lock_order(order_id, customer_id)
    _end_unpaid(order, "cancel", actor_kind, actor_id, reason)
    return order


@atomic
def close_unpaid(order_id: uuid.UUID) -> bool:
    """Close an order whose payment window has elapsed (idempotent: anything else is left alone)."""
    order = lock_order(order_id)
    if order.status != states.PENDING or order.pay_deadline > utcnow():
        return False
    _end_unpaid(order, "close", states.SYSTEM, None, "")
    return True


def _end_unpaid(order: Order, action: str, actor_kind: str, actor_id, note: str) -> None:
    from . import tasks

    states.transition(order, action, actor_kind=actor_kind, actor_id=actor_id, note=note)
    return_stock(order)
    jobs.enqueue(tasks.close_payment, order.tenant_id, order.id, queue="default",
                 retry=tasks.PROVIDER_RETRY)


def return_stock(order: Order, quantities: dict[uuid.UUID, int] | None = None) -> None:
    """Give back the stock of ``order``'s lines (all of them, or ``{line_id: quantity}``); lines whose
    SKU was retired since are skipped (a retired SKU is never sold again)."""
    wanted: dict[uuid.UUID, int] = {}
    for line in order.lines:
        quantity = line.quantity if quantities is None else quantities.get(line.id, 0)
        wanted[line.sku_id] = wanted.get(line.sku_id, 0) + quantity
    wanted = {sku_id: quantity for sku_id, quantity in wanted.items() if quantity > 0}
    if not wanted:
        return
    skus = db.session.execute(select(Sku).where(Sku.id.in_(wanted), Sku.retired_at.is_(None))).scalars().all()
    stock.release_many({sku: wanted[sku.id] for sku in skus}, ref=f"order {order.number}")


def expired_orders(limit: int = 500) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, order id) of unpaid orders past their window, across stores (call under all_tenants)."""
    return [tuple(row) for row in db.session.execute(
        select(Order.tenant_id, Order.id).where(Order.status == states.PENDING, Order.pay_deadline <= utcnow())
        .order_by(Order.pay_deadline).limit(limit)
    ).all()]


# --- payment ----------------------------------------------------------------------------------------


@atomic
def apply_payment(order_id: uuid.UUID, *, payment_id: str, amount_fen: int, transaction_id: str) -> str:
    """A payment for the order succeeded (``payment.succeeded``). Returns what was done: ``paid``,
    ``duplicate`` (already applied), or ``refunding`` (the order had ended, was paid by another
    payment, or the amount differs — the money goes back, recorded on the timeline)."""
    from . import tasks

    order = lock_order(order_id)
    if order.payment_id == payment_id and order.status != states.PENDING:
        return "duplicate"
    if order.status == states.PENDING and amount_fen == order.total_fen:
        order.paid_fen, order.payment_id, order.transaction_id = amount_fen, payment_id, transaction_id
        states.transition(order, "pay", actor_kind=states.SYSTEM, amount_fen=amount_fen, payment_id=payment_id)
        return "paid"
    tag = f"[{payment_id}]"
    if _refund_recorded(order, tag):
        return "duplicate"
    if order.status == states.PENDING:
        why = "payment_mismatch"
        note = f"{tag} paid {amount_fen} fen, order total {order.total_fen} fen ({transaction_id}): refunded"
    else:
        why = "late_payment_refund"
        note = f"{tag} {amount_fen} fen ({transaction_id}) arrived while the order was {order.status}: refunded"
    states.record(order, why, actor_kind=states.SYSTEM, note=note)
    jobs.enqueue(tasks.refund_payment, order.tenant_id, order.id, amount_fen, f"R{payment_id}"[:32],
                 queue="default", retry=tasks.PROVIDER_RETRY)
    return "refunding"


def _refund_recorded(order: Order, tag: str) -> bool:
    return db.session.execute(
        select(OrderEvent.id).where(OrderEvent.order_id == order.id,
                                    OrderEvent.action.in_(("payment_mismatch", "late_payment_refund")),
                                    OrderEvent.note.startswith(tag, autoescape=True))
    ).first() is not None


def start_payment(customer, order_id: uuid.UUID, values: dict, *, client_ip: str = "", user_agent: str = "",
                  store_url: str = "", payer_appid: str | None = None) -> dict:
    """Begin paying an unpaid order of ``customer`` within its window, on one of the channels the pay
    page offers this browser (``paying.offered_channels``): the provider's parameters for the page
    (JSAPI parameters, a ``code_url`` for a QR code, an ``h5_url`` or Alipay's ``pay_url``). After
    paying, the provider brings the shopper back to ``store_url`` + the ``return_url`` path (the pay
    page by default, which waits for the notification). ``payer_appid``: the mini program the shopper
    pays from (their openid is under it), for JSAPI from a mini program."""
    from . import paying

    values = load(PaySchema(), values)
    order = get_for_customer(customer.id, order_id)
    if order.status != states.PENDING or order.pay_deadline <= utcnow():
        raise states.IllegalTransition(status_from=order.status, action="pay")
    openid = getattr(customer, "openid", "") or None
    if values["channel"] == "jsapi" and not openid:
        raise ValidationFailed(fields={"channel": [_l("Paying inside WeChat needs a WeChat login.")]})
    # a mini program (``payer_appid``) is inside WeChat whatever its User-Agent says: JSAPI is its channel
    payable = {"jsapi"} if payer_appid else paying.payable_channels(user_agent)
    if values["channel"] not in payable:
        raise ValidationFailed(fields={"channel": [_l("This way of paying is not offered here.")]})
    back = values["return_url"] or f"/orders/{order.id}/pay?back=1"
    return paying.start(order, channel=values["channel"], description=states.summary(order) or order.number,
                        payer_openid=openid if values["channel"] == "jsapi" else None, client_ip=client_ip,
                        return_url=store_url.rstrip("/") + back if store_url else "", payer_appid=payer_appid)


def move_customer(gone_id: uuid.UUID, kept_id: uuid.UUID) -> None:
    """Two customers of the store are one person (``customers.identities``): ``gone_id``'s orders,
    after-sales and cart become ``kept_id``'s (a merge step, inside the merge's transaction)."""
    from . import cart
    from .models import AfterSale

    for model in (Order, AfterSale):
        db.session.execute(update(model).where(model.customer_id == gone_id).values(customer_id=kept_id)
                           .execution_options(synchronize_session=False))
    cart.move_customer_cart(gone_id, kept_id)


# --- shipping and completion ------------------------------------------------------------------------


@atomic
def ship(order_id: uuid.UUID, values: dict, actor_id: uuid.UUID | None) -> Order:
    values = load(ShipSchema(), values)
    order = lock_order(order_id)
    if order.delivery_method == "express":
        if not values.get("carrier_code") or not values.get("tracking_number"):
            raise ValidationFailed(fields={"tracking_number": [_l("Give the carrier and the tracking number.")]})
        order.carrier, order.tracking_number = values["carrier_code"], values["tracking_number"]
    states.transition(order, "ship", actor_kind=states.STAFF, actor_id=actor_id,
                      note=f"{order.carrier} {order.tracking_number}".strip(),
                      carrier_code=order.carrier, tracking_no=order.tracking_number)
    return order


@atomic
def confirm_receipt(customer_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = lock_order(order_id, customer_id)
    states.transition(order, "complete", actor_kind=states.CUSTOMER, actor_id=customer_id)
    return order


@atomic
def complete_if_due(order_id: uuid.UUID) -> bool:
    order = lock_order(order_id)
    due = order.shipped_at is not None and order.shipped_at + timedelta(days=settings.auto_complete_days()) <= utcnow()
    if order.status != states.SHIPPED or not due:
        return False
    states.transition(order, "complete", actor_kind=states.SYSTEM, note="auto")
    return True


def shipped_before(cutoff, limit: int = 500) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, order id) of shipped orders shipped before ``cutoff``, across stores."""
    return [tuple(row) for row in db.session.execute(
        select(Order.tenant_id, Order.id).where(Order.status == states.SHIPPED, Order.shipped_at <= cutoff)
        .order_by(Order.shipped_at).limit(limit)
    ).all()]


@atomic
def remark(order_id: uuid.UUID, values: dict, actor_id: uuid.UUID | None) -> Order:
    values = load(RemarkSchema(), values)
    order = lock_order(order_id)
    order.merchant_remark = values["remark"]
    states.record(order, "remark", actor_kind=states.STAFF, actor_id=actor_id, note=values["remark"])
    return order


# --- the merchant's price change (改价) -------------------------------------------------------------


@atomic
def change_price(order_id: uuid.UUID, values: dict, actor_id: uuid.UUID | None) -> Order:
    """Set an unpaid order's total (goods adjusted, freight as given): recorded on the timeline; a
    payment started at the old amount is closed (and refunded if it still succeeds)."""
    from . import tasks

    values = load(PriceChangeSchema(), values)
    order = lock_order(order_id)
    if order.status != states.PENDING:
        raise states.IllegalTransition(status_from=order.status, action="change_price")
    freight_fen = values.get("freight_fen", order.freight_fen)
    total = values["total_fen"]
    if total <= 0 or freight_fen > total:
        raise ValidationFailed(fields={"total_fen": [_l("The total must be above zero and cover the freight.")]})
    before = order.total_fen
    order.freight_fen = freight_fen
    order.adjust_fen = total - order.goods_fen - freight_fen
    order.total_fen = total
    states.record(order, "change_price", actor_kind=states.STAFF, actor_id=actor_id,
                  note=f"{before} -> {total} fen (freight {freight_fen})")
    jobs.enqueue(tasks.close_payment, order.tenant_id, order.id, queue="default", retry=tasks.PROVIDER_RETRY)
    return order
