"""Marshmallow schemas of the catalog: each lists exactly the fields it accepts. Money is fen (integers).

The services validate their input with these same schemas, so the JSON API and the HTML pages
(whose forms are turned into the same shape by ``forms.py``) follow one set of rules.
"""

from __future__ import annotations

import copy

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate, validates_schema

from kaidian.platform.fields import Int, Number, Text
from kaidian.platform.money import FenField, format_yuan, yuan_text
from kaidian.platform.storage import media_url
from kaidian.platform.validation import InputSchema

MAX_DIMENSIONS = 3
MAX_VALUES = 20
MAX_SKUS = 600
MAX_STOCK = 10_000_000
MAX_BULK = 500
STATUS_FILTERS = ("on_sale", "sold_out", "off_sale")
STOCK_FILTERS = ("low", "out")
SORTS = ("newest", "oldest", "price_asc", "price_desc", "stock_asc", "stock_desc")
BULK_ACTIONS = ("on_sale", "off_sale", "price_percent", "stock_set", "delete")


def patch_of(cls: type[Schema], name: str) -> type[Schema]:
    """The same fields, none required and without defaults: a PATCH body (its own name in the docs)."""
    optional = {}
    for key, field in cls._declared_fields.items():
        field = copy.copy(field)
        field.required, field.load_default = False, missing
        optional[key] = field
    return type(name, (cls,), {**optional, "loads_partial": True})


class _In(InputSchema):
    """Only the fields below are read; what is loaded is marked, so a service does not load it twice."""


def _name(max_length: int):
    return Text(max_length, min_length=1, required=True)


Fen = FenField


# --- categories and groups ------------------------------------------------------------------


class CategoryInSchema(_In):
    name = _name(30)
    parent_id = fields.UUID(load_default=None, allow_none=True,
                            metadata={"description": "a top-level category; null for a top-level one"})
    position = Int(0, 10_000, metadata={"description": "move to this place among its siblings (0 = first)"})


class CategorySchema(Schema):
    id = fields.UUID(dump_only=True)
    parent_id = fields.UUID(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True)
    position = fields.Integer(dump_only=True)
    product_count = fields.Integer(dump_only=True)


class GroupInSchema(_In):
    name = _name(30)
    position = Int(0, 10_000, metadata={"description": "move to this place (0 = first)"})


class GroupSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    position = fields.Integer(dump_only=True)
    product_count = fields.Integer(dump_only=True)


# --- products and SKUs ----------------------------------------------------------------------


class SpecSchema(_In):
    name = _name(20)
    values = fields.List(Text(30, min_length=1), required=True,
                         validate=validate.Length(min=1, max=MAX_VALUES))


class SkuInSchema(_In):
    spec_values = fields.List(Text(30), load_default=list,
                              validate=validate.Length(max=MAX_DIMENSIONS),
                              metadata={"description": "one value per spec dimension, in order; [] without specs"})
    price = Fen(metadata={"description": "fen"})
    original_price = Fen(allow_none=True, metadata={"description": "fen; the struck-through price, or null"})
    stock = Int(0, MAX_STOCK)
    weight_grams = Int(0, 1_000_000)
    code = Text(64, allow_none=True, metadata={"description": "SKU code, unique in the store (used to match imports)"})
    barcode = Text(64)


class SkuPatchSchema(SkuInSchema):
    class Meta:
        unknown = EXCLUDE
        exclude = ("spec_values",)


class StockAdjustSchema(_In):
    delta = Int(-MAX_STOCK, MAX_STOCK, required=True)
    note = Text(200, load_default="")


class ProductInSchema(_In):
    title = _name(100)
    subtitle = Text(120, load_default="")
    category_id = fields.UUID(load_default=None, allow_none=True)
    group_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    description = Text(200_000, load_default="",
                       metadata={"description": "HTML; sanitized (scripts and event handlers removed)"})
    low_stock_threshold = Int(0, MAX_STOCK, load_default=5)
    status = fields.String(load_default="off_sale", validate=validate.OneOf(["on_sale", "off_sale"]))
    freight_template_id = fields.UUID(load_default=None, allow_none=True,
                                      metadata={"description": "a freight template (orders API); null: the "
                                                               "store's default"})
    specs = fields.List(fields.Nested(SpecSchema), load_default=list, validate=validate.Length(max=MAX_DIMENSIONS),
                        metadata={"description": "up to 3 dimensions; SKUs are their cartesian product"})
    skus = fields.List(fields.Nested(SkuInSchema), required=True, validate=validate.Length(max=MAX_SKUS),
                       metadata={"description": "one entry per combination of spec values (a new one needs a price)"})


class ImageSchema(Schema):
    id = fields.UUID(dump_only=True)
    position = fields.Integer(dump_only=True)
    url = fields.Function(lambda i: media_url(i.image_key), dump_only=True,
                          metadata={"description": "800×800 JPEG"})
    thumb_url = fields.Function(lambda i: media_url(i.thumb_key), dump_only=True,
                                metadata={"description": "240×240 JPEG"})
    original_url = fields.Function(lambda i: media_url(i.original_key), dump_only=True)
    width = fields.Integer(dump_only=True)
    height = fields.Integer(dump_only=True)


class ImagePatchSchema(_In):
    position = Int(0, 14, required=True)


class SkuSchema(Schema):
    id = fields.UUID(dump_only=True)
    spec_values = fields.List(fields.String(), dump_only=True)
    label = fields.String(dump_only=True)
    price = fields.Integer(dump_only=True)
    price_text = yuan_text("price")
    original_price = fields.Integer(dump_only=True, allow_none=True)
    stock = fields.Integer(dump_only=True)
    weight_grams = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True, allow_none=True)
    barcode = fields.String(dump_only=True)
    position = fields.Integer(dump_only=True)


def _price_range_text(product) -> str:
    low, high = product.price_range
    return format_yuan(low) if low == high else f"{format_yuan(low)} – {format_yuan(high)}"


class ProductSummarySchema(Schema):
    id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True)
    subtitle = fields.String(dump_only=True)
    category_id = fields.UUID(dump_only=True, allow_none=True)
    status = fields.Function(lambda p: p.status.value, dump_only=True)
    shopper_status = fields.String(dump_only=True, metadata={"description": "on_sale, sold_out or off_sale"})
    price_min = fields.Function(lambda p: p.price_range[0], dump_only=True)
    price_max = fields.Function(lambda p: p.price_range[1], dump_only=True)
    price_text = fields.Function(_price_range_text, dump_only=True,
                                 metadata={"description": "the price range, formatted (¥59.00 – ¥79.00)"})
    total_stock = fields.Integer(dump_only=True)
    low_stock_threshold = fields.Integer(dump_only=True)
    thumb_url = fields.Function(lambda p: media_url(p.cover.thumb_key) if p.cover else "", dump_only=True)
    image_count = fields.Function(lambda p: len(p.images), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProductSchema(ProductSummarySchema):
    group_ids = fields.Method("_group_ids", dump_only=True)
    freight_template_id = fields.UUID(dump_only=True, allow_none=True)
    specs = fields.List(fields.Dict(), dump_only=True)
    description = fields.String(dump_only=True)
    images = fields.List(fields.Nested(ImageSchema), dump_only=True)
    video_url = fields.Function(lambda p: media_url(p.video_key), dump_only=True)
    skus = fields.Function(lambda p: SkuSchema(many=True).dump(p.active_skus), dump_only=True)
    hints = fields.Method("_hints", dump_only=True)

    def _group_ids(self, product):
        from .products import group_ids_of

        return [str(i) for i in group_ids_of(product)]

    def _hints(self, product):
        from .products import hints_for

        return [str(h) for h in hints_for(product)]


class ProductQuerySchema(_In):
    q = Text(60, load_default="",
                      metadata={"description": "keywords in the title or subtitle, or an exact SKU code / barcode"})
    category_id = fields.UUID(load_default=None, metadata={"description": "includes its subcategories"})
    group_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUS_FILTERS))
    stock = fields.String(load_default=None, validate=validate.OneOf(STOCK_FILTERS),
                          metadata={"description": "low: a SKU at or below the threshold; out: no stock at all"})
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))
    page = Int(1, 100_000, strict=False, load_default=1)
    per_page = Int(1, 100, strict=False, load_default=20)


class BulkSchema(_In):
    product_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_BULK))
    action = fields.String(required=True, validate=validate.OneOf(BULK_ACTIONS))
    percent = Number(-99, 1000, metadata={"description": "price_percent: e.g. -10 lowers every SKU price by 10%"})
    stock = Int(0, MAX_STOCK, metadata={"description": "stock_set: every SKU's stock becomes this"})

    @validates_schema
    def _needs_its_value(self, data, **kwargs):
        if data.get("action") == "price_percent" and data.get("percent") is None:
            raise ValidationError(str(_l("Give the percentage.")), "percent")
        if data.get("action") == "stock_set" and data.get("stock") is None:
            raise ValidationError(str(_l("Give the stock.")), "stock")


class BulkResultSchema(Schema):
    action = fields.String()
    count = fields.Integer(metadata={"description": "products changed"})


# --- imports ------------------------------------------------------------------------------------


class ImportRowSchema(Schema):
    row_number = fields.Integer(dump_only=True)
    outcome = fields.String(dump_only=True, metadata={"description": "created, updated or refused"})
    title = fields.String(dump_only=True)
    sku_code = fields.String(dump_only=True)
    product_id = fields.UUID(dump_only=True, allow_none=True)
    reason = fields.String(dump_only=True)


class ImportSchema(Schema):
    id = fields.UUID(dump_only=True)
    filename = fields.String(dump_only=True)
    file_format = fields.String(dump_only=True)
    status = fields.Function(lambda j: j.status.value, dump_only=True)
    total = fields.Integer(dump_only=True)
    processed = fields.Integer(dump_only=True)
    percent = fields.Integer(dump_only=True)
    created = fields.Integer(dump_only=True)
    updated = fields.Integer(dump_only=True)
    refused = fields.Integer(dump_only=True)
    error = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)


class ImportDetailSchema(ImportSchema):
    rows = fields.List(fields.Nested(ImportRowSchema), attribute="report_rows", dump_only=True,
                       metadata={"description": "the row-by-row report (one page of it)"})
    rows_total = fields.Integer(attribute="report_total", dump_only=True,
                                metadata={"description": "report rows matching the outcome filter"})


class ImportDetailQuerySchema(_In):
    outcome = fields.String(load_default=None, validate=validate.OneOf(["created", "updated", "refused"]))
    page = Int(1, 100_000, strict=False, load_default=1)
    per_page = Int(1, 5000, strict=False, load_default=1000)


class ImportQuerySchema(_In):
    page = Int(1, 100_000, strict=False, load_default=1)
    per_page = Int(1, 100, strict=False, load_default=20)


CategoryPatchSchema = patch_of(CategoryInSchema, "CategoryPatchSchema")
GroupPatchSchema = patch_of(GroupInSchema, "GroupPatchSchema")
ProductPatchSchema = patch_of(ProductInSchema, "ProductPatchSchema")
