"""The catalog's JSON API (``/api/v1``): categories, groups, products with their SKUs, images and
video, bulk actions and imports. Money is in fen. Lists are paginated (``page``, ``per_page``) with
the total in the ``X-Total-Count`` header. Every handler calls the same services as the admin pages.
"""

from __future__ import annotations

import uuid

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from kaidian.platform.auth import acting_user, require_staff, resolve_ids_first
from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.schemas import FileSchema
from kaidian.platform.storage import read_upload

from . import bulk, imports, media, products, search, sheets, specs, taxonomy
from .models import ProductImage, Sku
from .schemas import (
    BulkResultSchema,
    BulkSchema,
    CategoryInSchema,
    CategoryPatchSchema,
    CategorySchema,
    GroupInSchema,
    GroupPatchSchema,
    GroupSchema,
    ImagePatchSchema,
    ImageSchema,
    ImportDetailQuerySchema,
    ImportDetailSchema,
    ImportQuerySchema,
    ImportSchema,
    ProductInSchema,
    ProductPatchSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductSummarySchema,
    SkuPatchSchema,
    SkuSchema,
    StockAdjustSchema,
)

blp = Blueprint("catalog_api", __name__, url_prefix="/api/v1",
                description="Catalog: categories, groups, products, SKUs, images, bulk actions, imports")

VIEW, EDIT = "store.view", "catalog.edit"


def _sku_in_store(sku_id: uuid.UUID) -> None:
    if db.session.execute(select(Sku.id).where(Sku.id == sku_id)).first() is None:
        raise NotFound()


def _image_in_store(image_id: uuid.UUID) -> None:
    if db.session.execute(select(ProductImage.id).where(ProductImage.id == image_id)).first() is None:
        raise NotFound()


resolve_ids_first(blp, {
    "category_id": taxonomy.get_category, "group_id": taxonomy.get_group, "product_id": products.get,
    "sku_id": _sku_in_store, "image_id": _image_in_store, "import_id": imports.get,
})


# --- categories ------------------------------------------------------------------------------


def _with_counts(rows, counts):
    for row in rows:
        row.product_count = counts.get(row.id, 0)
    return rows


@blp.route("/categories")
class Categories(MethodView):
    @require_staff(VIEW)
    @blp.response(200, CategorySchema(many=True))
    def get(self):
        """All categories, top-level ones each followed by their subcategories, in order."""
        return _with_counts([row for top, subs in taxonomy.tree() for row in [top, *subs]],
                            taxonomy.category_counts())

    @require_staff(EDIT)
    @blp.arguments(CategoryInSchema)
    @blp.response(201, CategorySchema)
    def post(self, data):
        """Create a category (give ``parent_id`` for a second-level one)."""
        return taxonomy.create_category(data)


@blp.route("/categories/<uuid:category_id>")
class CategoryItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, CategorySchema)
    def get(self, category_id):
        return taxonomy.get_category(category_id)

    @require_staff(EDIT)
    @blp.arguments(CategoryPatchSchema)
    @blp.response(200, CategorySchema)
    def patch(self, data, category_id):
        """Rename, move under another parent, or reorder (``position``)."""
        return taxonomy.update_category(taxonomy.get_category(category_id), data)

    @require_staff(EDIT)
    @blp.response(204)
    def delete(self, category_id):
        """Delete a category without subcategories; its products become uncategorized."""
        taxonomy.delete_category(taxonomy.get_category(category_id))


# --- groups -----------------------------------------------------------------------------------


@blp.route("/groups")
class Groups(MethodView):
    @require_staff(VIEW)
    @blp.response(200, GroupSchema(many=True))
    def get(self):
        """Product groups (shelves), in the merchant's order."""
        return _with_counts(taxonomy.groups(), taxonomy.group_counts())

    @require_staff(EDIT)
    @blp.arguments(GroupInSchema)
    @blp.response(201, GroupSchema)
    def post(self, data):
        return taxonomy.create_group(data)


@blp.route("/groups/<uuid:group_id>")
class GroupItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, GroupSchema)
    def get(self, group_id):
        return taxonomy.get_group(group_id)

    @require_staff(EDIT)
    @blp.arguments(GroupPatchSchema)
    @blp.response(200, GroupSchema)
    def patch(self, data, group_id):
        """Rename, or move to ``position`` (0 = first)."""
        return taxonomy.update_group(taxonomy.get_group(group_id), data)

    @require_staff(EDIT)
    @blp.response(204)
    def delete(self, group_id):
        taxonomy.delete_group(taxonomy.get_group(group_id))


# --- products ---------------------------------------------------------------------------------


@blp.route("/products")
class Products(MethodView):
    @require_staff(VIEW)
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductSummarySchema(many=True), headers={"X-Total-Count": {"schema": {"type": "integer"}}})
    def get(self, args):
        """List products: filter by category (with its subcategories), group, status
        (on_sale / sold_out / off_sale), stock (low / out) and keywords; paginated."""
        page, per_page = args.pop("page"), args.pop("per_page")
        rows, total = search.search(page, per_page, **args)
        return rows, {"X-Total-Count": str(total)}

    @require_staff(EDIT)
    @blp.arguments(ProductInSchema)
    @blp.response(201, ProductSchema)
    def post(self, data):
        """Create a product with its specs and SKUs (refused past the plan's product limit)."""
        return products.create(g.tenant, data, acting_user())


@blp.route("/products/<uuid:product_id>")
class ProductItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        return products.get(product_id)

    @require_staff(EDIT)
    @blp.arguments(ProductPatchSchema)
    @blp.response(200, ProductSchema)
    def patch(self, data, product_id):
        """Update fields; send ``specs`` with ``skus``: SKUs whose combination is unchanged keep
        their stock, price and code, new combinations are created, removed ones retired."""
        return products.update(products.get(product_id), data, acting_user())

    @require_staff(EDIT)
    @blp.response(204)
    def delete(self, product_id):
        products.delete_product(products.get(product_id), acting_user())


@blp.route("/products/bulk")
class ProductsBulk(MethodView):
    @require_staff(EDIT)
    @blp.arguments(BulkSchema)
    @blp.response(200, BulkResultSchema)
    def post(self, data):
        """A bulk action on up to 500 products, in one transaction: ``on_sale``, ``off_sale``,
        ``price_percent`` (with ``percent``), ``stock_set`` (with ``stock``), ``delete``."""
        return bulk.run(data, acting_user())


@blp.route("/products/<uuid:product_id>/skus")
class ProductSkus(MethodView):
    @require_staff(VIEW)
    @blp.response(200, SkuSchema(many=True))
    def get(self, product_id):
        return products.get(product_id).active_skus


@blp.route("/products/<uuid:product_id>/skus/<uuid:sku_id>")
class ProductSku(MethodView):
    @require_staff(VIEW)
    @blp.response(200, SkuSchema)
    def get(self, product_id, sku_id):
        return specs.sku_of(products.get(product_id), sku_id)

    @require_staff(EDIT)
    @blp.arguments(SkuPatchSchema)
    @blp.response(200, SkuSchema)
    def patch(self, data, product_id, sku_id):
        """Change a SKU's price, original price, weight, code, barcode or stock (set to a count)."""
        return products.update_sku(specs.sku_of(products.get(product_id), sku_id), data, acting_user())


@blp.route("/products/<uuid:product_id>/skus/<uuid:sku_id>/stock")
class ProductSkuStock(MethodView):
    @require_staff(EDIT)
    @blp.arguments(StockAdjustSchema)
    @blp.response(200, SkuSchema)
    def post(self, data, product_id, sku_id):
        """Add (``delta`` > 0) or remove stock; refused with 409 ``insufficient_stock`` below zero."""
        return products.adjust_sku_stock(specs.sku_of(products.get(product_id), sku_id), data, acting_user())


# --- images and video ------------------------------------------------------------------------------


@blp.route("/products/<uuid:product_id>/images")
class ProductImages(MethodView):
    @require_staff(VIEW)
    @blp.response(200, ImageSchema(many=True))
    def get(self, product_id):
        return products.get(product_id).images

    @require_staff(EDIT)
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, ImageSchema)
    def post(self, files, product_id):
        """Upload an image (multipart ``file``: JPEG, PNG, WebP or GIF); stored as the original,
        an 800×800 and a 240×240 JPEG. At most 15 per product."""
        product = products.get(product_id)
        return media.add_image(product, read_upload(request.files.get("file")))


@blp.route("/products/<uuid:product_id>/images/<uuid:image_id>")
class ProductImageItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, ImageSchema)
    def get(self, product_id, image_id):
        return media.image_of(products.get(product_id), image_id)

    @require_staff(EDIT)
    @blp.arguments(ImagePatchSchema)
    @blp.response(200, ImageSchema)
    def patch(self, data, product_id, image_id):
        """Move the image to ``position`` (0 = the cover)."""
        product = products.get(product_id)
        image = media.image_of(product, image_id)
        media.move_image(product, image, data["position"])
        return image

    @require_staff(EDIT)
    @blp.response(204)
    def delete(self, product_id, image_id):
        product = products.get(product_id)
        media.delete_image(product, media.image_of(product, image_id))


@blp.route("/products/<uuid:product_id>/video")
class ProductVideo(MethodView):
    @require_staff(EDIT)
    @blp.arguments(FileSchema, location="files")
    @blp.response(200, ProductSchema)
    def put(self, files, product_id):
        """Upload the product's video (multipart ``file``, MP4), replacing any previous one."""
        product = products.get(product_id)
        media.set_video(product, read_upload(request.files.get("file"), max_bytes=media.video_limit()))
        return product

    @require_staff(EDIT)
    @blp.response(204)
    def delete(self, product_id):
        media.remove_video(products.get(product_id))


# --- imports -------------------------------------------------------------------------------------


@blp.route("/imports")
class Imports(MethodView):
    @require_staff(VIEW)
    @blp.arguments(ImportQuerySchema, location="query")
    @blp.response(200, ImportSchema(many=True))
    def get(self, args):
        rows, total = imports.recent(args["page"], args["per_page"])
        return rows, {"X-Total-Count": str(total)}

    @require_staff(EDIT)
    @blp.arguments(FileSchema, location="files")
    @blp.response(202, ImportSchema)
    def post(self, files):
        """Upload a filled-in template (CSV or XLSX, at most 5 MB and 5,000 rows); the import runs
        as a background job: poll ``/imports/{import_id}`` for its progress and report."""
        return imports.start(g.tenant, request.files.get("file"), acting_user())


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "Cache-Control": "private, no-store"})


@blp.route("/imports/template.csv")
class ImportTemplateCsv(MethodView):
    @require_staff(VIEW)
    @blp.doc(responses={"200": {"description": "the CSV template (UTF-8 with BOM)"}})
    def get(self):
        return _download(sheets.template_csv(), "text/csv", "products-template.csv")


@blp.route("/imports/template.xlsx")
class ImportTemplateXlsx(MethodView):
    @require_staff(VIEW)
    @blp.doc(responses={"200": {"description": "the XLSX template, with an instructions sheet"}})
    def get(self):
        return _download(sheets.template_xlsx(),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         "products-template.xlsx")


@blp.route("/imports/<uuid:import_id>")
class ImportItem(MethodView):
    @require_staff(VIEW)
    @blp.arguments(ImportDetailQuerySchema, location="query")
    @blp.response(200, ImportDetailSchema)
    def get(self, args, import_id):
        """Progress (``processed`` of ``total``, ``percent``) and the row-by-row report (paginated
        with ``page`` / ``per_page``; ``outcome`` keeps only created, updated or refused rows)."""
        job = imports.get(import_id)
        job.report_rows, job.report_total = imports.report_page(job, args["outcome"], args["page"], args["per_page"])
        return job


@blp.route("/imports/<uuid:import_id>/resume")
class ImportResume(MethodView):
    @require_staff(EDIT)
    @blp.response(202, ImportSchema)
    def post(self, import_id):
        """Queue an unfinished import again; it goes on after its last committed row."""
        return imports.resume(imports.get(import_id))


@blp.route("/imports/<uuid:import_id>/report.csv")
class ImportReport(MethodView):
    @require_staff(VIEW)
    @blp.doc(responses={"200": {"description": "the row-by-row report as CSV"}})
    def get(self, import_id):
        job = imports.get(import_id)
        return _download(imports.report_csv(job), "text/csv", f"import-{job.id}-report.csv")
