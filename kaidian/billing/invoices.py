"""发票 requests: the merchant asks for one per paid payment (company, tax number, email); a
platform admin uploads the issued file, which the merchant then downloads."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.storage import get_storage, new_private_key
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from .models import BillingPayment, InvoiceRequest, InvoiceStatus, PaymentStatus
from .schemas import InvoiceRequestSchema

PDF_MAGIC = b"%PDF-"


@atomic
def request_invoice(tenant: Tenant, payment: BillingPayment, data, actor) -> InvoiceRequest:
    values = load(InvoiceRequestSchema(), data)
    if payment.status != PaymentStatus.PAID or payment.amount_fen <= 0:
        raise Conflict(_l("A 发票 can be requested for a paid payment only."))
    if db.session.execute(select(InvoiceRequest.id).where(InvoiceRequest.payment_id == payment.id)).first():
        raise Conflict(_l("A 发票 was already requested for this payment."))
    row = InvoiceRequest(tenant_id=tenant.id, payment_id=payment.id, created_by=actor.id, **values)
    db.session.add(row)
    audit.record("billing.invoice.request", f"{payment.receipt_no} {values['company']}", tenant_id=tenant.id,
                 actor=actor)
    return row


def by_payment(tenant: Tenant) -> dict:
    rows = db.session.execute(select(InvoiceRequest).where(InvoiceRequest.tenant_id == tenant.id)).scalars()
    return {row.payment_id: row for row in rows}


def file_of(tenant: Tenant, invoice_id: uuid.UUID) -> tuple[InvoiceRequest, bytes]:
    row = db.session.execute(select(InvoiceRequest).where(InvoiceRequest.tenant_id == tenant.id,
                                                          InvoiceRequest.id == invoice_id)).scalar_one_or_none()
    if row is None or not row.file_key:
        raise NotFound()
    return row, get_storage().read(row.file_key)


@atomic
def issue(tenant: Tenant, invoice: InvoiceRequest, data: bytes, actor) -> None:
    """A platform admin uploads the issued 发票 (a PDF), once."""
    if not data.startswith(PDF_MAGIC):
        raise ValidationFailed(fields={"file": [_l("Upload the 发票 as a PDF file.")]})
    if invoice.file_key:
        raise Conflict(_l("This 发票 was already uploaded."))
    key = get_storage().save(new_private_key(tenant.id, "invoices", "pdf"), data, "application/pdf")
    invoice.file_key, invoice.status, invoice.issued_at = key, InvoiceStatus.ISSUED, utcnow()
    audit.record("billing.invoice.issue", str(invoice.id), tenant_id=tenant.id, actor=actor)
