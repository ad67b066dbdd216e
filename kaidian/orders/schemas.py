"""Marshmallow schemas of the orders domain: each lists exactly the fields it allows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from kaidian.platform import shipping_trace
from kaidian.platform.fields import Int, Text
from kaidian.platform.money import FenField
from kaidian.platform.validation import InputSchema, load  # noqa: F401 - services import load here

REGION_CODE = r"\d{6}"
MOBILE = r"1\d{10}"


# --- cart -----------------------------------------------------------------------------------------


class CartAddSchema(InputSchema):
    sku_id = fields.UUID(required=True)
    quantity = Int(min=1, max=999, load_default=1)


class CartQuantitySchema(InputSchema):
    quantity = Int(min=1, max=999, required=True)


class CartRemoveSchema(InputSchema):
    sku_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=50))


# --- checkout -------------------------------------------------------------------------------------


class LineInSchema(InputSchema):
    sku_id = fields.UUID(required=True)
    quantity = Int(min=1, max=999, required=True)


class AddressInSchema(InputSchema):
    name = Text(20, min_length=1, required=True)
    mobile = Text(11, pattern=MOBILE, pattern_error=_l("Enter an 11-digit mainland mobile number."), required=True)
    province_code = Text(6, pattern=REGION_CODE, required=True)
    province = Text(20, min_length=1, required=True)
    city_code = Text(6, pattern=REGION_CODE, load_default="")
    city = Text(20, load_default="")
    district_code = Text(6, pattern=REGION_CODE, load_default="")
    district = Text(20, load_default="")
    detail = Text(120, min_length=1, required=True)


class CheckoutSchema(InputSchema):
    """What a checkout page sends: the lines (from the cart or "buy now"), the delivery, a note."""

    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(min=1, max=50))
    source = fields.String(load_default="buy_now", validate=validate.OneOf(["cart", "buy_now"]))
    delivery_method = fields.String(load_default="express", validate=validate.OneOf(["express", "pickup"]))
    address = fields.Nested(AddressInSchema, load_default=None, allow_none=True)
    pickup_point_id = fields.UUID(load_default=None, allow_none=True)
    note = Text(200, load_default="")

    @validates_schema
    def _delivery(self, data, **kwargs):
        if data.get("delivery_method") == "express" and not data.get("address"):
            raise ValidationError(_l("Choose a delivery address."), field_name="address")
        if data.get("delivery_method") == "pickup" and not data.get("pickup_point_id"):
            raise ValidationError(_l("Choose a pickup point."), field_name="pickup_point_id")
        skus = [line["sku_id"] for line in data.get("lines") or []]
        if len(skus) != len(set(skus)):
            raise ValidationError(_l("Each item may appear once."), field_name="lines")


class PlaceOrderSchema(CheckoutSchema):
    """A checkout plus what makes it safe to place: the total the shopper saw, and a key unique to
    this checkout page (a double tap sends the same key and gets the same order)."""

    idempotency_key = Text(64, min_length=8, pattern=r"[A-Za-z0-9_-]+", required=True)
    expected_total_fen = FenField(required=True)


class CancelSchema(InputSchema):
    reason = Text(200, load_default="")


# --- the merchant ---------------------------------------------------------------------------------


class ShipSchema(InputSchema):
    carrier_code = fields.String(load_default=None, validate=validate.OneOf(sorted(shipping_trace.CARRIERS)),
                                 metadata={"description": "a carrier code (SF, ZTO, YTO, YD, STO, JD, EMS); "
                                                          "not needed for a pickup order"})
    tracking_number = Text(40, pattern=shipping_trace.TRACKING_NO.pattern, load_default=None)


class PriceChangeSchema(InputSchema):
    """改价 before payment: the new total (and freight, else unchanged), in fen."""

    total_fen = FenField(required=True)
    freight_fen = FenField()
