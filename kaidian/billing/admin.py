"""The merchant's plan page (``/admin/plan``): plan, each limit with its usage, days left, paying by
WeChat Pay Native QR code, receipts, 发票 requests, and choosing a lower plan for the next period.

These pages stay writable while the store is expired (``require_staff(..., billing=True)``):
paying is how it reopens. Views are thin; the use cases are in ``subscriptions`` / ``gateway``.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaidian.platform.auth import require_staff
from kaidian.platform.confirm import confirmation_page, confirmed
from kaidian.platform.errors import AppError
from kaidian.platform.models import utcnow

from . import gateway, invoices, receipts, services, staff_access, subscriptions
from .models import PaymentStatus, Period
from .plans import PLANS, RANK

bp = Blueprint("billing_admin", __name__, url_prefix="/admin", template_folder="templates")


def _page(status: int = 200, **extra):
    sub = subscriptions.subscription_of(g.tenant)
    now = utcnow()
    quotes = {}
    for plan in PLANS:
        for period in Period:
            try:
                quotes[(plan, period.value)] = subscriptions.quote(g.tenant, sub, plan, period.value, now)
            except AppError:
                pass
    return render_template("billing/plan.html", sub=sub, plans=services.all_plans(), current=services.plan_of(g.tenant),
                           usage=services.usage_of(g.tenant), days_left=subscriptions.days_left(sub, now),
                           quotes=quotes, rank=RANK, payments=subscriptions.payments_of(g.tenant),
                           invoices=invoices.by_payment(g.tenant), **extra), status


@bp.get("/plan")
@require_staff("store.view")
def plan():
    return _page()


@bp.post("/plan/pay")
@require_staff("billing.manage", billing=True)
def pay():
    plan = request.form.get("plan", "")
    sub = subscriptions.subscription_of(g.tenant)
    if plan in PLANS and sub.state.value == "active" and RANK[plan] < RANK[sub.plan]:
        return downgrade()
    try:
        payment = gateway.pay_by_qr(g.tenant, request.form, current_user)
    except AppError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status)
    if payment.status == PaymentStatus.PAID:
        flash(_("Upgraded: the credit covered the price."), "success")
        return redirect(url_for(".plan"))
    return redirect(url_for(".payment", payment_id=payment.id))


@bp.get("/plan/payments/<uuid:payment_id>")
@require_staff("store.view")
def payment(payment_id: uuid.UUID):
    row = subscriptions.payment_of(g.tenant, payment_id)
    qr = None
    if row.status == PaymentStatus.PENDING and row.code_url:
        import segno

        qr = segno.make(row.code_url, error="m").svg_inline(scale=5, border=2)
    return render_template("billing/payment.html", payment=row, qr=qr, plan=PLANS[row.plan])


@bp.get("/plan/payments/<uuid:payment_id>/status")
@require_staff("store.view")
def payment_status(payment_id: uuid.UUID):
    row = subscriptions.payment_of(g.tenant, payment_id)
    return {"status": row.status.value, "store_status": g.tenant.status.value}


@bp.get("/plan/payments/<uuid:payment_id>/receipt.pdf")
@require_staff("store.view")
def receipt(payment_id: uuid.UUID):
    row = subscriptions.payment_of(g.tenant, payment_id)
    if row.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED) or not row.receipt_no:
        flash(_("A receipt is issued once the payment has arrived."), "error")
        return redirect(url_for(".plan"))
    pdf = receipts.receipt_pdf(g.tenant, row, locale=request.args.get("lang") or "zh")
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{row.receipt_no}.pdf"'})


@bp.post("/plan/downgrade")
@require_staff("billing.manage", billing=True)
def downgrade():
    plan = request.form.get("plan", "")
    if plan in PLANS and not confirmed():
        over = services.over_limits(g.tenant, plan)
        words = "; ".join(_("%(what)s: %(used)s of %(allowed)s", what=row["label"], used=row["used"],
                            allowed=row["allowed"]) for row in over)
        message = _("Change to the %(plan)s plan when the paid period ends?", plan=PLANS[plan].name)
        if over:
            message += " " + _("Beyond its limits (%(items)s) — what is over the limit will be hidden from "
                               "shoppers, never deleted, and shown again if you upgrade.", items=words)
        losing = staff_access.over_limit(g.tenant, plan)
        if losing:
            message += " " + _("These staff accounts will lose access (kept, not deleted; back on an upgrade): "
                               "%(names)s.", names=", ".join(m.user.login_name for m in losing))
        return confirmation_page(message, _("Change plan at renewal"), url_for(".plan"))
    try:
        subscriptions.request_downgrade(g.tenant, plan, current_user)
    except AppError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status)
    flash(_("Plan change saved."), "success")
    return redirect(url_for(".plan"))


@bp.post("/plan/downgrade/cancel")
@require_staff("billing.manage", billing=True)
def downgrade_cancel():
    try:
        subscriptions.cancel_downgrade(g.tenant, current_user)
    except AppError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status)
    flash(_("The plan change is cancelled."), "success")
    return redirect(url_for(".plan"))


@bp.post("/plan/payments/<uuid:payment_id>/invoice")
@require_staff("billing.manage", billing=True)
def invoice_request(payment_id: uuid.UUID):
    row = subscriptions.payment_of(g.tenant, payment_id)
    try:
        invoices.request_invoice(g.tenant, row, request.form, current_user)
    except AppError as exc:
        return _page(status=exc.status, invoice_errors=exc.fields, invoice_for=row.id)
    flash(_("发票 requested; you can download it here once the platform has issued it."), "success")
    return redirect(url_for(".plan"))


@bp.get("/plan/invoices/<uuid:invoice_id>")
@require_staff("store.view")
def invoice_file(invoice_id: uuid.UUID):
    row, data = invoices.file_of(g.tenant, invoice_id)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="fapiao-{row.id.hex[:8]}.pdf"'})
