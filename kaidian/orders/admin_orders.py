"""The merchant admin's order pages (``/admin/orders``, on ``admin.bp``): the list (tabs by status
with counts, filters, pagination), the detail (lines, delivery, payment, the timeline with who and
when, remarks, 改价, cancel, ship with the trace), shipping many from a CSV, and exports with a
progress bar. Thin views over ``services``, ``bulk_ship`` and ``exports``."""

from __future__ import annotations

import re
import uuid

from flask import Response, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from kaidian.platform import shipping_trace
from kaidian.platform.auth import check_staff, require_staff, resolve_ids_first
from kaidian.platform.errors import AppError
from kaidian.platform.extensions import db
from kaidian.platform.forms import error_text, form_action
from kaidian.platform.models import User
from kaidian.platform.money import BadAmount, format_yuan, parse_yuan
from kaidian.platform.unit import unit

from . import aftersales, bulk_ship, exports, services, states
from .admin import bp
from .admin_aftersales import photo_urls
from .schemas import AdminOrderQuerySchema

resolve_ids_first(bp, {"order_id": services.get, "export_id": exports.get})

FILTER_KEYS = ("tab", "q", "delivery_method", "created_from", "created_to")
ACTION_LABELS = {
    "place": _l("Order placed"), "pay": _l("Paid"), "cancel": _l("Cancelled"), "close": _l("Closed unpaid"),
    "ship": _l("Shipped"), "complete": _l("Completed"), "change_price": _l("Price changed"),
    "remark": _l("Remark"), "refund_requested": _l("Refund requested"), "refund_failed": _l("Refund failed"),
    "refund_succeeded": _l("Refunded"), "late_payment_refund": _l("Late payment refunded"),
    "payment_mismatch": _l("Wrong amount refunded"), "after_sale_requested": _l("After-sales requested"),
    "approve": _l("After-sales approved"), "reject": _l("After-sales rejected"),
    "ship_return": _l("Return shipped"), "refund": _l("After-sales refunded"),
    "close_refunded": _l("Closed: refunded in full"),
}


def _list_args() -> dict:
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return AdminOrderQuerySchema().load(raw)
    except ValidationError:
        return AdminOrderQuerySchema().load({"tab": raw["tab"]} if raw.get("tab") in services.ADMIN_TABS else {})


@bp.get("/")
@require_staff("store.view")
def order_list():
    args = _list_args()
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = services.search(page, per_page, **args)
    query = {key: request.args.get(key) for key in FILTER_KEYS if request.args.get(key)}
    return render_template("orders/list.html", rows=rows, total=total, page=page, pages=max(1, -(-total // per_page)),
                           args=args, query=query, counts=services.tab_counts(), labels=states.ORDER_STATUS_LABELS,
                           exports=exports.recent(5))


# --- one order -------------------------------------------------------------------------------------


def _actors(events) -> dict:
    ids = {event.actor_id for event in events if event.actor_kind == states.STAFF and event.actor_id}
    if not ids:
        return {}
    users = db.session.execute(select(User.id, User.display_name, User.email, User.mobile).where(User.id.in_(ids)))
    return {row.id: row.display_name or row.email or row.mobile or "" for row in users}


_PRICE_NOTE = re.compile(r"(\d+) -> (\d+) fen \(freight (\d+)\)")
_FEN = re.compile(r"(?<![\w.])(-?\d+) fen\b")


def note_text(event) -> str:
    """A timeline note with its amounts in yuan (services record them in fen)."""
    match = _PRICE_NOTE.fullmatch(event.note or "")
    if event.action == "change_price" and match:
        before, after, freight = (format_yuan(int(value)) for value in match.groups())
        return _("%(before)s → %(after)s (freight %(freight)s)", before=before, after=after, freight=freight)
    return _FEN.sub(lambda found: format_yuan(int(found.group(1))), event.note or "")


def _trace(order) -> list[dict]:
    if order.status not in (states.SHIPPED, states.COMPLETED) or not order.tracking_number:
        return []
    try:
        return shipping_trace.trace(order.carrier, order.tracking_number)
    except AppError:  # a number the tracking service would not take: the page shows none
        return []


def _detail(order_id: uuid.UUID, errors=None, status: int = 200):
    order = services.get(order_id)
    events = services.timeline(order)
    return render_template("orders/detail.html", order=order, events=events, actors=_actors(events),
                           labels={**states.ORDER_STATUS_LABELS, **states.AFTER_SALE_STATUS_LABELS},
                           carriers=shipping_trace.CARRIERS.values(), carrier_name=shipping_trace.carrier_name,
                           action_label=lambda action: ACTION_LABELS.get(action, action), note_text=note_text,
                           trace=_trace(order), after_sales=aftersales.for_order(order),
                           after_sale_labels=states.AFTER_SALE_STATUS_LABELS, photo_urls=photo_urls,
                           errors=errors or {}), status


@bp.get("/<uuid:order_id>")
@require_staff("store.view")
def order_detail(order_id: uuid.UUID):
    return _detail(order_id)


def _back(order_id):
    return url_for(".order_detail", order_id=order_id)


@bp.post("/<uuid:order_id>/remark")
@require_staff("orders.manage")
def order_remark(order_id: uuid.UUID):
    form = {"remark": request.form.get("remark", "")}
    return form_action(lambda: services.remark(order_id, form, current_user.id), success=_("Remark saved."),
                       redirect_to=_back(order_id), details=True)


def _yuan_field(name: str):
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_yuan(text)
    except BadAmount as exc:
        return exc  # refused below with the reason


@bp.post("/<uuid:order_id>/price")
@require_staff("orders.manage")
def order_price(order_id: uuid.UUID):
    total, freight = _yuan_field("total_yuan"), _yuan_field("freight_yuan")
    bad = {name: [str(value)] for name, value in (("total_yuan", total), ("freight_yuan", freight))
           if isinstance(value, BadAmount)}
    if total is None:
        bad["total_yuan"] = [_("Enter the new total.")]
    if bad:
        flash(" ".join(m for messages in bad.values() for m in messages), "error")
        return _detail(order_id, bad, 422)
    values = {"total_fen": total} if freight is None else {"total_fen": total, "freight_fen": freight}
    return form_action(lambda: services.change_price(order_id, values, current_user.id),
                       success=_("Price changed."), redirect_to=_back(order_id), details=True,
                       on_error=lambda exc: _detail(order_id, exc.fields, 422))


@bp.post("/<uuid:order_id>/cancel")
@require_staff("orders.manage")
def order_cancel(order_id: uuid.UUID):
    reason = request.form.get("reason", "").strip()[:200]
    return form_action(lambda: services.cancel(order_id, actor_kind=states.STAFF, actor_id=current_user.id,
                                               reason=reason),
                       success=_("Order cancelled."), redirect_to=_back(order_id))


@bp.post("/<uuid:order_id>/ship")
@require_staff("orders.manage")
def order_ship(order_id: uuid.UUID):
    form = {key: request.form.get(key, "").strip() for key in ("carrier_code", "tracking_number")}
    if services.get(order_id).delivery_method != "express":
        form = {}
    return form_action(lambda: services.ship(order_id, form, current_user.id), success=_("Order shipped."),
                       redirect_to=_back(order_id), details=True,
                       on_error=lambda exc: _detail(order_id, exc.fields, 422))


# --- many orders -------------------------------------------------------------------------------------


@bp.route("/ship-csv", methods=["GET", "POST"])
@require_staff("store.view")
def ship_csv():
    if request.method == "GET":
        return _ship_csv_page()
    check_staff("orders.manage")
    try:
        with unit():
            results = bulk_ship.ship_rows(request.files.get("file"), current_user.id)
    except AppError as exc:
        flash(error_text(exc), "error")
        return _ship_csv_page(status=422)
    shipped = sum(1 for row in results if row.outcome == "shipped")
    flash(_("%(shipped)s shipped, %(skipped)s skipped.", shipped=shipped, skipped=len(results) - shipped),
          "success" if shipped else "error")
    return _ship_csv_page(results)


def _ship_csv_page(results=None, status: int = 200):
    return render_template("orders/ship_csv.html", results=results, carriers=shipping_trace.CARRIERS.values(),
                           carrier_name=shipping_trace.carrier_name,
                           max_rows=bulk_ship.MAX_ROWS, max_kb=bulk_ship.MAX_BYTES // 1024), status


@bp.post("/exports")
@require_staff("orders.manage")
def export_start():
    data = {"file_format": request.form.get("file_format", "csv"),
            "filters": {key: request.form[key] for key in FILTER_KEYS if request.form.get(key)}}
    return form_action(lambda: exports.start(data, current_user), success=_("The export has started."),
                       redirect_to=lambda row: url_for(".export_detail", export_id=row.id) if row
                       else url_for(".order_list"), details=True)


@bp.get("/exports/<uuid:export_id>")
@require_staff("store.view")
def export_detail(export_id: uuid.UUID):
    return render_template("orders/export.html", job=exports.get(export_id))


@bp.get("/exports/<uuid:export_id>/progress")
@require_staff("store.view")
def export_progress(export_id: uuid.UUID):
    return jsonify(exports.progress(exports.get(export_id)))


@bp.get("/exports/<uuid:export_id>/download")
@require_staff("orders.manage")
def export_download(export_id: uuid.UUID):
    data, mimetype, name = exports.read_file(exports.get(export_id))
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "private, no-store"})
