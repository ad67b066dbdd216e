"""Marshmallow schemas of the orders domain: each lists exactly the fields it allows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from kaidian.catalog.schemas import patch_of
from kaidian.payments.models import CHANNELS as PAY_CHANNELS
from kaidian.platform import shipping_trace
from kaidian.platform.fields import Int, Text
from kaidian.platform.money import FenField, yuan_text
from kaidian.platform.storage import media_url
from kaidian.platform.validation import InputSchema, load  # noqa: F401 - services import load here

from . import aftersale_photos
from .states import AFTER_SALE_STATUSES, ORDER_STATUSES

REGION_CODE = r"\d{2,9}"  # customers/regions.py: province 2 digits, city 4, district 6 (towns 9)


class Bool(fields.Boolean):
    """A JSON ``true`` or ``false`` only (not 0, 1 or "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
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
    province_code = Text(12, pattern=REGION_CODE, required=True)
    province = Text(20, min_length=1, required=True)
    city_code = Text(12, pattern=f"(?:{REGION_CODE})?", load_default="")
    city = Text(20, load_default="")
    district_code = Text(12, pattern=f"(?:{REGION_CODE})?", load_default="")
    district = Text(20, load_default="")
    detail = Text(120, min_length=1, required=True)


class CheckoutSchema(InputSchema):
    """What a checkout page sends: the lines (from the cart or "buy now"), the delivery, a note."""

    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(min=1, max=50))
    source = fields.String(load_default="buy_now", validate=validate.OneOf(["cart", "buy_now"]))
    delivery_method = fields.String(load_default="express", validate=validate.OneOf(["express", "pickup"]))
    address = fields.Nested(AddressInSchema, load_default=None, allow_none=True,
                            metadata={"description": "an address typed at checkout (or give address_id)"})
    address_id = fields.UUID(load_default=None, allow_none=True,
                             metadata={"description": "one of the customer's saved addresses"})
    pickup_point_id = fields.UUID(load_default=None, allow_none=True)
    note = Text(200, load_default="")

    @validates_schema
    def _delivery(self, data, **kwargs):
        if data.get("delivery_method") == "express" and not data.get("address") and not data.get("address_id"):
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


class PaySchema(InputSchema):
    channel = fields.String(required=True, validate=validate.OneOf(PAY_CHANNELS),
                            metadata={"description": "one the pay page offers: jsapi inside WeChat; native (a QR "
                                                     "code) or alipay_page on a computer; h5 or alipay_wap in a "
                                                     "phone's browser"})
    return_url = Text(300, load_default="", pattern=r"/[^/\\].*|/",
                      metadata={"description": "a path of this store to come back to after paying (default: "
                                               "the order's pay page, which waits for the payment)"})


class CancelSchema(InputSchema):
    reason = Text(200, load_default="")


# --- the merchant ---------------------------------------------------------------------------------


class ShipSchema(InputSchema):
    carrier_code = fields.String(load_default=None, validate=validate.OneOf(sorted(shipping_trace.CARRIERS)),
                                 metadata={"description": "a carrier code (SF, ZTO, YTO, YD, STO, JD, EMS); "
                                                          "not needed for a pickup order"})
    tracking_number = Text(32, pattern=r"[A-Za-z0-9]+", load_default=None,
                           pattern_error=_l("A tracking number is letters and digits only (at most 32)."))


class PriceChangeSchema(InputSchema):
    """改价 before payment: the new total (and freight, else unchanged), in fen."""

    total_fen = FenField(required=True)
    freight_fen = FenField()


# --- delivery setup -------------------------------------------------------------------------------

MAX_REGIONS = 400
Region = lambda: Text(12, pattern=REGION_CODE, required=True)  # noqa: E731 - a province, city or district code


class AreaSchema(InputSchema):
    regions = fields.List(Region(), load_default=list, validate=validate.Length(max=MAX_REGIONS),
                          metadata={"description": "region codes (province, city or district); empty: every "
                                                   "region not listed in another area"})
    first_units = Int(1, 1_000_000, required=True, metadata={"description": "pieces, or grams by weight"})
    first_fen = FenField(required=True)
    extra_units = Int(1, 1_000_000, required=True)
    extra_fen = FenField(required=True)
    free_above_fen = FenField(load_default=None, allow_none=True)
    free_above_quantity = Int(1, 100_000, load_default=None, allow_none=True)


class FreightTemplateInSchema(InputSchema):
    name = Text(40, min_length=1, required=True)
    method = fields.String(required=True, validate=validate.OneOf(["piece", "weight"]))
    areas = fields.List(fields.Nested(AreaSchema), required=True, validate=validate.Length(min=1, max=50))
    excluded_regions = fields.List(Region(), load_default=list, validate=validate.Length(max=MAX_REGIONS))
    is_default = Bool(load_default=False)

    @validates_schema
    def _areas(self, data, **kwargs):
        areas = data.get("areas") or []
        if sum(1 for area in areas if not area["regions"]) > 1:
            raise ValidationError(_l("Only one area may cover “all other regions”."), field_name="areas")
        seen: set[str] = set()
        for area in areas:
            if seen & set(area["regions"]):
                raise ValidationError(_l("A region may be in one area only."), field_name="areas")
            seen |= set(area["regions"])


FreightTemplatePatchSchema = patch_of(FreightTemplateInSchema, "FreightTemplatePatchSchema")


class FreightTemplateSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    method = fields.String(dump_only=True)
    areas = fields.List(fields.Dict(), dump_only=True)
    excluded_regions = fields.List(fields.String(), dump_only=True)
    is_default = fields.Boolean(dump_only=True)


class PickupPointInSchema(InputSchema):
    name = Text(40, min_length=1, required=True)
    region_code = Text(12, pattern=f"(?:{REGION_CODE})?", load_default="")
    address = Text(200, min_length=1, required=True)
    phone = Text(20, load_default="")
    hours = Text(100, load_default="", metadata={"description": "opening hours, e.g. 每天 9:00–21:00"})
    active = Bool(load_default=True)


PickupPointPatchSchema = patch_of(PickupPointInSchema, "PickupPointPatchSchema")


class PickupPointSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    region_code = fields.String(dump_only=True)
    address = fields.String(dump_only=True)
    phone = fields.String(dump_only=True)
    hours = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)


class OrderSettingsSchema(InputSchema):
    payment_window_minutes = Int(5, 1440, required=True)
    auto_complete_days = Int(1, 60, required=True)
    return_address = Text(300, load_default="")


# --- after-sales ----------------------------------------------------------------------------------


class AfterSaleItemSchema(InputSchema):
    line_id = fields.UUID(required=True)
    quantity = Int(1, 999, required=True)


class AfterSaleInSchema(InputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(["refund_only", "return_refund"]))
    reason = Text(200, min_length=1, required=True)
    photos = fields.List(Text(600, min_length=1), load_default=list, validate=validate.Length(max=50),
                         metadata={"description": "the tokens of photos uploaded to /api/store/after-sales/photos "
                                                  "(optional, at most 6)"})
    items = fields.List(fields.Nested(AfterSaleItemSchema), required=True, validate=validate.Length(min=1, max=50))


class ApproveSchema(InputSchema):
    return_address = Text(300, load_default="",
                          metadata={"description": "for a return: where the goods go (default: the store's)"})


class RejectSchema(InputSchema):
    reason = Text(200, min_length=1, required=True)


class ReturnShippedSchema(InputSchema):
    carrier = Text(40, min_length=1, required=True)
    tracking_number = Text(40, min_length=1, required=True)


class RemarkSchema(InputSchema):
    remark = Text(200, required=True)


# --- what the merchant API answers ------------------------------------------------------------------


class OrderQuerySchema(InputSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(ORDER_STATUSES)))
    q = Text(60, load_default="", metadata={"description": "an order number, or words of an item's title"})
    delivery_method = fields.String(load_default=None, validate=validate.OneOf(["express", "pickup"]))
    created_from = fields.Date(load_default=None)
    created_to = fields.Date(load_default=None)
    page = Int(1, 100_000, strict=False, load_default=1)
    per_page = Int(1, 100, strict=False, load_default=20)


class AfterSaleQuerySchema(InputSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(AFTER_SALE_STATUSES)))
    page = Int(1, 100_000, strict=False, load_default=1)
    per_page = Int(1, 100, strict=False, load_default=20)


class OrderLineSchema(Schema):
    id = fields.UUID(dump_only=True)
    sku_id = fields.UUID(dump_only=True)
    product_id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True)
    spec_text = fields.String(dump_only=True)
    image_url = fields.Function(lambda line: media_url(line.image_key) if line.image_key else "", dump_only=True)
    unit_fen = fields.Integer(dump_only=True)
    unit_text = yuan_text("unit_fen")
    quantity = fields.Integer(dump_only=True)
    line_fen = fields.Integer(dump_only=True)
    refunded_quantity = fields.Integer(dump_only=True)
    refunded_fen = fields.Integer(dump_only=True)


class OrderEventSchema(Schema):
    action = fields.String(dump_only=True)
    from_status = fields.String(dump_only=True)
    to_status = fields.String(dump_only=True)
    actor_kind = fields.String(dump_only=True, metadata={"description": "customer, staff or system"})
    actor_id = fields.UUID(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class OrderSchema(Schema):
    id = fields.UUID(dump_only=True)
    number = fields.String(dump_only=True)
    customer_id = fields.UUID(dump_only=True)
    status = fields.String(dump_only=True)
    delivery_method = fields.String(dump_only=True)
    address = fields.Dict(dump_only=True, allow_none=True)
    pickup_point = fields.Dict(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)
    merchant_remark = fields.String(dump_only=True)
    carrier = fields.String(dump_only=True)
    tracking_number = fields.String(dump_only=True)
    goods_fen = fields.Integer(dump_only=True)
    freight_fen = fields.Integer(dump_only=True)
    adjust_fen = fields.Integer(dump_only=True)
    total_fen = fields.Integer(dump_only=True)
    total_text = yuan_text("total_fen")
    paid_fen = fields.Integer(dump_only=True)
    refunded_fen = fields.Integer(dump_only=True)
    quantity = fields.Integer(dump_only=True)
    lines = fields.List(fields.Nested(OrderLineSchema), dump_only=True)
    pay_deadline = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    paid_at = fields.DateTime(dump_only=True, allow_none=True)
    shipped_at = fields.DateTime(dump_only=True, allow_none=True)
    completed_at = fields.DateTime(dump_only=True, allow_none=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)


class OrderDetailSchema(OrderSchema):
    timeline = fields.List(fields.Nested(OrderEventSchema), dump_only=True)


class AfterSaleSchema(Schema):
    id = fields.UUID(dump_only=True)
    order_id = fields.UUID(dump_only=True)
    customer_id = fields.UUID(dump_only=True)
    kind = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    reason = fields.String(dump_only=True)
    photos = fields.Function(lambda row: aftersale_photos.urls(row, "orders_api.AfterSalePhoto"), dump_only=True,
                             metadata={"description": "the shopper's photos: links to "
                                                      "/api/v1/after-sales/{id}/photos/{index} (orders.manage)"})
    items = fields.List(fields.Dict(), dump_only=True)
    amount_fen = fields.Integer(dump_only=True)
    amount_text = yuan_text("amount_fen")
    reject_reason = fields.String(dump_only=True)
    return_address = fields.String(dump_only=True)
    return_carrier = fields.String(dump_only=True)
    return_tracking_number = fields.String(dump_only=True)
    refunding = fields.Function(lambda row: row.refund_id not in ("", "failed") and row.status != "refunded",
                                dump_only=True)
    created_at = fields.DateTime(dump_only=True)


# --- the merchant admin's order pages -------------------------------------------------------------

ADMIN_TABS = ("all", "pending_payment", "paid", "shipped", "completed", "ended", "after_sale")


class AdminOrderQuerySchema(OrderQuerySchema):
    """The admin list's filters (also what an export remembers): a tab instead of one status."""

    tab = fields.String(load_default="all", validate=validate.OneOf(ADMIN_TABS))


class ExportInSchema(InputSchema):
    file_format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    filters = fields.Nested(AdminOrderQuerySchema, load_default=dict)
