"""The merchant admin's after-sales pages (``/admin/orders/after-sales``, on ``admin.bp``): the
requests by status, approve (a return gets the return address first; a refund only starts its
refund at once), reject with a reason, confirm the returned goods arrived (the refund starts; stock
comes back when it succeeds), retry a failed refund, the shopper's photos (to staff holding
``orders.manage`` only; private files read through ``aftersale_photos``). Thin views over
``aftersales`` — refunds go through payments in its jobs."""

from __future__ import annotations

import uuid

from flask import g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kaidian.platform import shipping_trace
from kaidian.platform.auth import require_staff, resolve_ids_first
from kaidian.platform.extensions import db
from kaidian.platform.forms import form_action
from kaidian.platform.roles import can

from . import aftersale_photos, aftersales, settings, states
from .admin import bp
from .models import Order

resolve_ids_first(bp, {"after_sale_id": aftersales.get})
PER_PAGE = 20
PHOTOS = "orders.manage"  # the shopper's photos are personal data: those who handle the orders see them


def photo_urls(row) -> list[str]:
    """The checked links to ``row``'s photos, for staff who may see them (others: none)."""
    if not can(g.get("membership"), PHOTOS):
        return []
    return aftersale_photos.urls(row, "orders_admin.after_sale_photo")


@bp.get("/after-sales/<uuid:after_sale_id>/photos/<int:index>")
@require_staff(PHOTOS)
def after_sale_photo(after_sale_id: uuid.UUID, index: int):
    return aftersale_photos.photo_of(aftersales.get(after_sale_id), index)


@bp.get("/after-sales")
@require_staff("store.view")
def after_sale_list():
    status = request.args.get("status") or None
    if status not in states.AFTER_SALE_STATUSES:
        status = None
    page = min(max(1, request.args.get("page", 1, type=int)), 100_000)
    rows, total = aftersales.search(status, page, PER_PAGE)
    orders = {order.id: order for order in db.session.execute(
        select(Order).where(Order.id.in_({row.order_id for row in rows}))).scalars()} if rows else {}
    return render_template("orders/aftersales.html", rows=rows, orders=orders, status=status, page=page,
                           pages=max(1, -(-total // PER_PAGE)), labels=states.AFTER_SALE_STATUS_LABELS,
                           statuses=states.AFTER_SALE_STATUSES, return_address=settings.return_address(),
                           carrier_name=shipping_trace.carrier_name, photo_urls=photo_urls)


def _redirect(after_sale_id: uuid.UUID):
    if request.form.get("back") == "order":
        return url_for(".order_detail", order_id=aftersales.get(after_sale_id).order_id)
    return url_for(".after_sale_list")


@bp.post("/after-sales/<uuid:after_sale_id>/approve")
@require_staff("orders.manage")
def after_sale_approve(after_sale_id: uuid.UUID):
    form = {"return_address": request.form.get("return_address", "")}
    return form_action(lambda: aftersales.approve(after_sale_id, form, current_user.id),
                       success=_("Request approved."), redirect_to=_redirect(after_sale_id), details=True)


@bp.post("/after-sales/<uuid:after_sale_id>/reject")
@require_staff("orders.manage")
def after_sale_reject(after_sale_id: uuid.UUID):
    form = {"reason": request.form.get("reason", "")}
    return form_action(lambda: aftersales.reject(after_sale_id, form, current_user.id),
                       success=_("Request rejected."), redirect_to=_redirect(after_sale_id), details=True)


@bp.post("/after-sales/<uuid:after_sale_id>/received")
@require_staff("orders.manage")
def after_sale_received(after_sale_id: uuid.UUID):
    return form_action(lambda: aftersales.receive_return(after_sale_id, current_user.id),
                       success=_("Goods received: the refund has started."), redirect_to=_redirect(after_sale_id))


@bp.post("/after-sales/<uuid:after_sale_id>/retry-refund")
@require_staff("orders.manage")
def after_sale_retry(after_sale_id: uuid.UUID):
    return form_action(lambda: aftersales.retry_refund(after_sale_id, current_user.id),
                       success=_("The refund has started again."), redirect_to=_redirect(after_sale_id))
