"""The merchant admin's catalog pages (``/admin/catalog``): the dashboard with low stock, the product
list (tabs, filters, search, bulk actions) and the product form. Thin views over the services;
categories, groups and imports live in ``admin_setup.py`` and ``admin_imports.py`` on this blueprint."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from kaidian.billing import services as billing
from kaidian.billing.services import PlanLimitReached
from kaidian.platform.auth import check_staff, require_staff, resolve_ids_first
from kaidian.platform.errors import AppError, ValidationFailed
from kaidian.platform.forms import form_action
from kaidian.platform.redirects import redirect_next, safe_local_path
from kaidian.platform.storage import read_upload
from kaidian.platform.uploads import mb

from . import alerts, bulk, forms, imports, media, products, search, taxonomy
from .api import _image_in_store, _sku_in_store
from .schemas import ProductQuerySchema

bp = Blueprint("catalog_admin", __name__, url_prefix="/admin/catalog", template_folder="templates")
static_bp = Blueprint("catalog_static", __name__, static_folder="static", static_url_path="/static/catalog")

resolve_ids_first(bp, {
    "category_id": taxonomy.get_category, "group_id": taxonomy.get_group, "product_id": products.get,
    "sku_id": _sku_in_store, "image_id": _image_in_store, "import_id": imports.get,
    "notification_id": alerts.get,
})


def plan_context() -> dict:
    used, limit = products.live_count(), billing.limit_of(g.tenant, "products")
    return {"products_used": used, "products_limit": limit, "at_limit": limit is not None and used >= limit,
            "upgrade_url": url_for("billing_admin.plan")}


def limit_message() -> str:
    try:
        products.check_room(g.tenant)
    except PlanLimitReached as exc:
        return str(exc.message)
    return ""


# --- dashboard --------------------------------------------------------------------------------


@bp.get("/")
@require_staff("store.view")
def dashboard():
    return render_template("catalog/dashboard.html", counts=search.status_counts(), notes=alerts.open_notifications(),
                           low=search.low_stock_products(), recent_imports=imports.recent(1, 5)[0], **plan_context())


@bp.post("/notifications/<uuid:notification_id>/dismiss")
@require_staff("catalog.edit")
def dismiss_notification(notification_id: uuid.UUID):
    alerts.dismiss(alerts.get(notification_id))
    return redirect(url_for("catalog_admin.dashboard"))


# --- the product list -------------------------------------------------------------------------------


def _list_args() -> dict:
    try:
        return ProductQuerySchema().load(request.args.to_dict())
    except ValidationError:
        return ProductQuerySchema().load({})


@bp.get("/products")
@require_staff("store.view")
def product_list():
    args = _list_args()
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = search.search(page, per_page, **args)
    return render_template("catalog/products.html", rows=rows, total=total, page=page, per_page=per_page,
                           pages=max(1, -(-total // per_page)), args=args, counts=search.status_counts(),
                           categories=taxonomy.flat_choices(), groups=taxonomy.groups(), **plan_context())


@bp.post("/products/bulk")
@require_staff("catalog.edit")
def product_bulk():
    data = {"product_ids": request.form.getlist("product_ids"), "action": request.form.get("action", "")}
    if request.form.get("percent", "").strip():
        data["percent"] = request.form["percent"].strip()
    if request.form.get("stock", "").strip():
        data["stock"] = _int_or_text(request.form["stock"])
    return form_action(lambda: bulk.run(data, current_user), details=True,
                       success=lambda result: _("%(count)s products updated.", count=result["count"]),
                       redirect_to=safe_local_path(request.form.get("next")) or url_for(".product_list"))


def _int_or_text(text: str):
    text = text.strip()
    return int(text) if text.isdigit() else text


# --- the product form -------------------------------------------------------------------------------


def _form_context(product=None, form=None, errors=None, typed_rows=None, staged=()) -> dict:
    if form is not None:
        dimensions = forms.spec_dimensions(form)
        rows = forms.table_rows(dimensions, typed_rows if typed_rows is not None else forms.submitted_rows(form),
                                product.active_skus if product else ())
        chosen_groups = request.form.getlist("group_ids")
    elif product is not None:
        dimensions, chosen_groups = product.specs, [str(i) for i in products.group_ids_of(product)]
        rows = forms.table_rows(dimensions, [], product.active_skus)
    else:
        dimensions, chosen_groups, rows = [], [], forms.table_rows([], [])
    return {"product": product, "form": form, "errors": errors or {}, "dimensions": dimensions, "sku_rows": rows,
            "chosen_groups": chosen_groups, "categories": taxonomy.flat_choices(), "groups": taxonomy.groups(),
            "values_text": forms.values_text, "max_images": media.MAX_IMAGES, "staged": list(staged),
            "max_upload_bytes": current_app.config["MAX_UPLOAD_BYTES"],
            "max_upload_mb": mb(current_app.config["MAX_UPLOAD_BYTES"]),
            "max_video_bytes": media.video_limit(), "max_video_mb": mb(media.video_limit()),
            "hints": products.hints_for(product) if product else [], **plan_context()}


def _form_error(exc: AppError, product=None, status: int = 422, staged=()):
    """The product form drawn again with each field's problem (``form_action`` flashed the message)."""
    context = _form_context(product, request.form, exc.fields, staged=staged)
    if isinstance(exc, PlanLimitReached):
        status = 403
    return render_template("catalog/product_form.html", limit_error=isinstance(exc, PlanLimitReached),
                           **context), status


def _read_form(product=None) -> dict:
    """The posted product form → the service's input; every error of the form at once."""
    data, errors = forms.read_product(request.form, request.form.getlist("group_ids"),
                                      lambda d: products.input_errors(d, partial=product is not None))
    if errors:
        raise ValidationFailed(fields=errors)
    return data


@bp.route("/products/new", methods=["GET", "POST"])
@require_staff("store.view")
def product_new():
    if request.method == "GET":
        return render_template("catalog/product_form.html", limit_error=bool(limit_message()),
                               **_form_context())
    check_staff("catalog.edit")
    staged = media.staged_images(g.tenant.id, request.form.getlist("staged_images"))
    if request.form.get("action") == "refresh":
        renditions, image_errors = _uploaded_images(len(staged), need_one=False)
        staged += [media.stage_image(g.tenant.id, r) for r in renditions]
        return render_template("catalog/product_form.html",
                               **_form_context(None, request.form, image_errors, staged=staged))
    renditions, image_errors = _uploaded_images(len(staged), need_one=not staged)

    def create():  # the product and its images: one unit of work
        product = products.create(g.tenant, _with_image_errors(_read_form, image_errors), current_user)
        for image in staged:
            media.attach_staged(product, image)
        for rendition in renditions:
            media.store_image(product, rendition)
        return product

    def form_again(exc):
        kept = staged + [media.stage_image(g.tenant.id, r) for r in renditions]  # kept for the next submit
        return _form_error(exc, staged=kept)

    return form_action(create, success=_("Product created."), on_error=form_again,
                       redirect_to=lambda product: url_for(".product_edit", product_id=product.id))


def _with_image_errors(read, image_errors: dict):
    """Run ``read()`` (the rest of the form) and raise its errors together with the images' errors."""
    try:
        data = read()
    except ValidationFailed as exc:
        raise ValidationFailed(fields={**image_errors, **exc.fields}) from None
    if image_errors:
        raise ValidationFailed(fields=image_errors)
    return data


def _uploaded_images(already: int, need_one: bool) -> tuple[list[dict], dict]:
    """Every uploaded image checked and processed before anything is saved: the good ones, and the
    errors (one per refused file, with its name) under ``images``."""
    files = [f for f in request.files.getlist("images") if f and f.filename]
    if need_one and not files:
        return [], {"images": [_("Add at least one image.")]}
    if already + len(files) > media.MAX_IMAGES:
        return [], {"images": [_("A product has at most %(n)s images.", n=media.MAX_IMAGES)]}
    renditions, messages = [], []
    for upload in files:
        try:
            renditions.append(media.process_image(read_upload(upload)))
        except ValidationFailed as exc:
            messages += [f"{upload.filename}: {m}" for m in exc.fields.get("file", [])]
    return renditions, ({"images": messages} if messages else {})


@bp.route("/products/<uuid:product_id>", methods=["GET", "POST"])
@require_staff("store.view")
def product_edit(product_id: uuid.UUID):
    product = products.get(product_id)
    if request.method == "GET":
        return render_template("catalog/product_form.html", **_form_context(product))
    check_staff("catalog.edit")
    if request.form.get("action") == "refresh":
        return render_template("catalog/product_form.html", **_form_context(product, request.form))
    return form_action(lambda: products.update(product, _read_form(product), current_user),
                       success=_("Product saved."), redirect_to=url_for(".product_edit", product_id=product.id),
                       on_error=lambda exc: _form_error(exc, product))


@bp.post("/products/<uuid:product_id>/status")
@require_staff("catalog.edit")
def product_status(product_id: uuid.UUID):
    product = products.get(product_id)
    status = "on_sale" if request.form.get("status") == "on_sale" else "off_sale"
    products.set_status(product, status)
    flash(_("%(title)s is on sale.", title=product.title) if status == "on_sale"
          else _("%(title)s is off sale.", title=product.title), "success")
    return redirect_next(request.form.get("next"), url_for(".product_list"))


@bp.post("/products/<uuid:product_id>/delete")
@require_staff("catalog.edit")
def product_delete(product_id: uuid.UUID):
    product = products.get(product_id)
    products.delete_product(product, current_user)
    flash(_("%(title)s deleted.", title=product.title), "success")
    return redirect(url_for(".product_list"))


# --- images and video ---------------------------------------------------------------------------------


def _back_to(product) -> str:
    return url_for(".product_edit", product_id=product.id) + "#media"


@bp.post("/products/<uuid:product_id>/images")
@require_staff("catalog.edit")
def image_upload(product_id: uuid.UUID):
    product = products.get(product_id)

    def add():
        renditions, errors = _uploaded_images(len(product.images), need_one=True)
        if errors:
            raise ValidationFailed(fields=errors)
        for rendition in renditions:
            media.store_image(product, rendition)

    return form_action(add, success=_("Images added."), redirect_to=_back_to(product), details=True)


@bp.post("/products/<uuid:product_id>/images/<uuid:image_id>/move")
@require_staff("catalog.edit")
def image_move(product_id: uuid.UUID, image_id: uuid.UUID):
    product = products.get(product_id)
    image = media.image_of(product, image_id)
    step = {"up": -1, "down": 1, "first": -len(product.images)}.get(request.form.get("direction"), 0)
    media.move_image(product, image, image.position + step)
    return redirect(_back_to(product))


@bp.post("/products/<uuid:product_id>/images/<uuid:image_id>/delete")
@require_staff("catalog.edit")
def image_delete(product_id: uuid.UUID, image_id: uuid.UUID):
    product = products.get(product_id)
    return form_action(lambda: media.delete_image(product, media.image_of(product, image_id)),
                       redirect_to=_back_to(product))


@bp.post("/products/<uuid:product_id>/video")
@require_staff("catalog.edit")
def video_upload(product_id: uuid.UUID):
    product = products.get(product_id)
    return form_action(lambda: media.set_video(product, read_upload(request.files.get("file"),
                                                                    max_bytes=media.video_limit())),
                       success=_("Video saved."), redirect_to=_back_to(product), details=True)


@bp.post("/products/<uuid:product_id>/video/delete")
@require_staff("catalog.edit")
def video_delete(product_id: uuid.UUID):
    product = products.get(product_id)
    media.remove_video(product)
    return redirect(_back_to(product))


from . import admin_imports, admin_setup  # noqa: E402, F401 - more routes on this blueprint
