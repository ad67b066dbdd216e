"""The merchant admin's delivery page (``/admin/orders/delivery``): freight templates (a simple
one-area form; the JSON API edits every field) and pickup points. Thin views over ``delivery``."""

from __future__ import annotations

import uuid

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import require_staff, resolve_ids_first
from kaidian.platform.forms import form_action
from kaidian.platform.money import BadAmount, parse_yuan

from . import delivery

bp = Blueprint("orders_admin", __name__, url_prefix="/admin/orders", template_folder="templates")
static_bp = Blueprint("orders_static", __name__, static_folder="static", static_url_path="/static/orders")

resolve_ids_first(bp, {"freight_template_id": delivery.get_template, "pickup_point_id": delivery.get_pickup_point})


def _page(errors=None, status=200):
    return render_template("orders/delivery.html", templates=delivery.templates(), points=delivery.pickup_points(),
                           settings=delivery.order_settings(), errors=errors or {}), status


@bp.get("/delivery")
@require_staff("store.view")
def delivery_page():
    return _page()


def _fen(name: str):
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_yuan(text)
    except BadAmount:
        return -1  # refused by the schema with the field's message


def _int(name: str, default=None):
    text = request.form.get(name, "").strip()
    try:
        return int(text) if text else default
    except ValueError:
        return -1


def _codes(name: str) -> list[str]:
    return [code for code in request.form.get(name, "").replace("，", ",").replace(" ", ",").split(",") if code]


def _template_form() -> dict:
    """The simple form: one area (its regions, or every region), its prices, excluded regions."""
    method = request.form.get("method", "piece")
    scale = 1000 if method == "weight" else 1  # the form speaks kilograms
    area = {"regions": _codes("regions"), "first_units": (_int("first_units", 1) or 0) * scale,
            "first_fen": _fen("first_yuan"), "extra_units": (_int("extra_units", 1) or 0) * scale,
            "extra_fen": _fen("extra_yuan"), "free_above_fen": _fen("free_above_yuan"),
            "free_above_quantity": _int("free_above_quantity")}
    if area["first_fen"] is None:
        area["first_fen"] = 0
    if area["extra_fen"] is None:
        area["extra_fen"] = 0
    return {"name": request.form.get("name", ""), "method": method, "areas": [area],
            "excluded_regions": _codes("excluded_regions"), "is_default": request.form.get("is_default") == "on"}


@bp.post("/freight-templates")
@require_staff("orders.manage")
def template_create():
    return form_action(lambda: delivery.create_template(_template_form()), success=_("Freight template added."),
                       redirect_to=url_for(".delivery_page"), details=True)


@bp.post("/freight-templates/<uuid:freight_template_id>/default")
@require_staff("orders.manage")
def template_default(freight_template_id: uuid.UUID):
    return form_action(lambda: delivery.update_template(delivery.get_template(freight_template_id),
                                                        {"is_default": True}),
                       success=_("Default freight template changed."), redirect_to=url_for(".delivery_page"))


@bp.post("/freight-templates/<uuid:freight_template_id>/delete")
@require_staff("orders.manage")
def template_delete(freight_template_id: uuid.UUID):
    return form_action(lambda: delivery.delete_template(delivery.get_template(freight_template_id)),
                       success=_("Freight template deleted."), redirect_to=url_for(".delivery_page"))


@bp.post("/pickup-points")
@require_staff("orders.manage")
def point_create():
    form = {key: request.form.get(key, "") for key in ("name", "region_code", "address", "phone", "hours")}
    return form_action(lambda: delivery.create_pickup_point(form), success=_("Pickup point added."),
                       redirect_to=url_for(".delivery_page"), details=True)


@bp.post("/pickup-points/<uuid:pickup_point_id>/delete")
@require_staff("orders.manage")
def point_delete(pickup_point_id: uuid.UUID):
    return form_action(lambda: delivery.delete_pickup_point(delivery.get_pickup_point(pickup_point_id)),
                       success=_("Pickup point deleted."), redirect_to=url_for(".delivery_page"))


@bp.post("/settings")
@require_staff("orders.manage")
def settings_save():
    form = {"payment_window_minutes": _int("payment_window_minutes", 30),
            "auto_complete_days": _int("auto_complete_days", 10),
            "return_address": request.form.get("return_address", "")}
    return form_action(lambda: delivery.save_settings(form), success=_("Order settings saved."),
                       redirect_to=url_for(".delivery_page"), details=True)
