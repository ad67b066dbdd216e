"""Billing's marshmallow schemas: each lists exactly the fields it accepts."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from kaidian.platform.fields import Int, Text
from kaidian.platform.money import FenField, yuan_text
from kaidian.platform.validation import InputSchema

from .plans import PLANS

PLAN_CODES = list(PLANS)
PERIODS = ["year", "month"]
# 统一社会信用代码 (18) or an older 15/20-character tax number: letters and digits
TAX_NUMBER = r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$"


class InvoiceRequestSchema(InputSchema):
    company = Text(100, min_length=2, required=True)
    tax_number = fields.String(required=True, validate=validate.Regexp(
        TAX_NUMBER, error=_l("A tax number has 15, 18 or 20 capital letters and digits.")))
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PaySchema(InputSchema):
    plan = fields.String(required=True, validate=validate.OneOf(PLAN_CODES))
    period = fields.String(load_default="year", validate=validate.OneOf(PERIODS))


class PlanOutSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.Function(lambda p: str(p.name), dump_only=True)
    features = fields.Function(lambda p: sorted(p.features), dump_only=True,
                               metadata={"description": "feature codes of the plan table (api_access, mini_program…)"})
    limits = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True), dump_only=True,
                         metadata={"description": "limit → maximum (null: unlimited)"})


class UsageSchema(Schema):
    limit = fields.String(dump_only=True)
    label = fields.Function(lambda row: str(row["label"]), dump_only=True)
    used = fields.Integer(dump_only=True, allow_none=True)
    allowed = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "null: unlimited"})
    over = fields.Boolean(dump_only=True, metadata={"description": "more than the plan allows (after a downgrade)"})


class SubscriptionSchema(Schema):
    plan = fields.Nested(PlanOutSchema, dump_only=True)
    period = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"description": "trial, active, grace, expired or closed"})
    trial_ends_at = fields.DateTime(dump_only=True, allow_none=True)
    period_start = fields.DateTime(dump_only=True)
    period_end = fields.DateTime(dump_only=True, metadata={"description": "the trial's or the paid time's end"})
    grace_ends_at = fields.DateTime(dump_only=True, allow_none=True)
    days_left = fields.Integer(dump_only=True)
    pending_plan = fields.String(dump_only=True, metadata={"description": "a downgrade waiting for renewal, or ''"})
    pending_from = fields.DateTime(dump_only=True, allow_none=True)
    usage = fields.List(fields.Nested(UsageSchema), dump_only=True)


class PaymentSchema(Schema):
    id = fields.UUID(dump_only=True)
    status = fields.Function(lambda p: p.status.value, dump_only=True)
    method = fields.Function(lambda p: p.method.value, dump_only=True)
    plan = fields.String(dump_only=True)
    period = fields.Function(lambda p: p.period.value, dump_only=True)
    kind = fields.String(dump_only=True)
    list_fen = fields.Integer(dump_only=True)
    credit_fen = fields.Integer(dump_only=True)
    amount_fen = fields.Integer(dump_only=True)
    amount_text = yuan_text("amount_fen")
    receipt_no = fields.String(dump_only=True, allow_none=True)
    covers_start = fields.DateTime(dump_only=True, allow_none=True)
    covers_end = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    paid_at = fields.DateTime(dump_only=True, allow_none=True)


class ReceiptSchema(Schema):
    """A numbered receipt (a paid or refunded payment), with its PDF and its 发票 request."""

    payment_id = fields.UUID(dump_only=True)
    receipt_no = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "paid or refunded"})
    plan = fields.String(dump_only=True)
    period = fields.String(dump_only=True)
    amount_fen = fields.Integer(dump_only=True)
    amount_text = yuan_text("amount_fen")
    covers_start = fields.DateTime(dump_only=True, allow_none=True)
    covers_end = fields.DateTime(dump_only=True, allow_none=True)
    paid_at = fields.DateTime(dump_only=True, allow_none=True)
    pdf_url = fields.String(dump_only=True, metadata={"description": "the receipt PDF (same Bearer token)"})
    invoice_status = fields.String(dump_only=True, allow_none=True,
                                   metadata={"description": "the 发票 request: requested, issued, or null"})


class ReasonSchema(InputSchema):
    reason = Text(200, min_length=1, required=True)


class ExtendSchema(ReasonSchema):
    days = Int(1, 3660, strict=False, required=True)


class PlanChangeSchema(ReasonSchema):
    plan = fields.String(required=True, validate=validate.OneOf(PLAN_CODES))


class BankTransferSchema(PaySchema):
    amount_fen = FenField(required=True)
    reference = Text(64, min_length=1, required=True)


class PriceSchema(InputSchema):
    plan = fields.String(required=True, validate=validate.OneOf(PLAN_CODES))
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    amount_fen = FenField(required=True)
    valid_from = fields.AwareDateTime(required=True, default_timezone=UTC)
