"""Receipt PDFs, drawn with reportlab (maintained, pure Python). Chinese text uses reportlab's CID
font ``STSong-Light`` (Adobe's Asian font pack, which PDF readers carry), so no font file ships
with the project and the text stays searchable (``pdftotext`` reads it back)."""

from __future__ import annotations

import io

from flask_babel import force_locale
from flask_babel import gettext as _

from kaidian.platform.models import Tenant
from kaidian.platform.money import format_yuan

from .models import BillingPayment, PaymentMethod
from .plans import PLANS

FONT = "STSong-Light"


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def receipt_pdf(tenant: Tenant, payment: BillingPayment, locale: str = "zh") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(payment.receipt_no or "")
    with force_locale(locale):
        methods = {PaymentMethod.WECHAT_NATIVE: _("WeChat Pay"), PaymentMethod.BANK_TRANSFER: _("Bank transfer"),
                   PaymentMethod.COMP: _("Complimentary")}
        lines = [
            (_("Receipt"), 20),
            (_("Receipt number: %(no)s", no=payment.receipt_no), 12),
            (_("Date: %(date)s", date=payment.paid_at.date().isoformat() if payment.paid_at else ""), 12),
            (_("Store: %(name)s (%(slug)s)", name=tenant.name, slug=tenant.slug), 12),
            (_("Plan: %(plan)s, %(start)s – %(end)s", plan=PLANS[payment.plan].name,
               start=payment.covers_start.date().isoformat() if payment.covers_start else "",
               end=payment.covers_end.date().isoformat() if payment.covers_end else ""), 12),
            (_("List price: %(amount)s", amount=format_yuan(payment.list_fen)), 12),
            (_("Credit for the unused part of the previous plan: %(amount)s", amount=format_yuan(payment.credit_fen)),
             12) if payment.credit_fen else None,
            (_("Amount paid: %(amount)s", amount=format_yuan(payment.amount_fen)), 14),
            (_("Paid by: %(method)s", method=methods[payment.method]), 12),
            (_("Issued by Kaidian (开店). This receipt is not a 发票; request one in the admin."), 10),
        ]
    y = 780
    for line in filter(None, lines):
        text, size = line
        pdf.setFont(font, size)
        pdf.drawString(60, y, text)
        y -= size + 14
    pdf.showPage()
    pdf.save()
    return out.getvalue()
