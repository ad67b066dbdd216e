"""Billing's marshmallow schemas: each lists exactly the fields it accepts."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from kaidian.platform.fields import Int, Text
from kaidian.platform.money import FenField
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


class SubscriptionSchema(Schema):
    plan = fields.String(dump_only=True)
    period = fields.Function(lambda s: s.period.value, dump_only=True)
    state = fields.Function(lambda s: s.state.value, dump_only=True)
    trial_ends_at = fields.DateTime(dump_only=True, allow_none=True)
    period_start = fields.DateTime(dump_only=True)
    period_end = fields.DateTime(dump_only=True)
    grace_ends_at = fields.DateTime(dump_only=True, allow_none=True)
    pending_plan = fields.String(dump_only=True)
    days_left = Int(0, 100_000, dump_only=True)
    usage = fields.List(fields.Dict(), dump_only=True)


class PaymentSchema(Schema):
    id = fields.UUID(dump_only=True)
    status = fields.Function(lambda p: p.status.value, dump_only=True)
    plan = fields.String(dump_only=True)
    period = fields.Function(lambda p: p.period.value, dump_only=True)
    kind = fields.String(dump_only=True)
    list_fen = fields.Integer(dump_only=True)
    credit_fen = fields.Integer(dump_only=True)
    amount_fen = fields.Integer(dump_only=True)
    code_url = fields.String(dump_only=True)
    receipt_no = fields.String(dump_only=True, allow_none=True)


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
