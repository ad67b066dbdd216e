"""Admin pages for categories (two levels, ordered) and groups (ordered by hand)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import check_staff, require_staff
from kaidian.platform.errors import AppError

from . import taxonomy
from .admin import bp


def _flash_error(exc: AppError) -> None:
    details = [str(m) for messages in exc.fields.values() for m in messages]
    flash(" ".join([str(exc.message), *details]) if details else str(exc.message), "error")


# --- categories --------------------------------------------------------------------------------


def _categories_page(errors=None, status=200):
    return render_template("catalog/categories.html", tree=taxonomy.tree(), counts=taxonomy.category_counts(),
                           errors=errors or {}), status


@bp.route("/categories", methods=["GET", "POST"])
@require_staff("store.view")
def categories():
    if request.method == "POST":
        check_staff("catalog.edit")
        try:
            taxonomy.create_category({"name": request.form.get("name", ""),
                                      "parent_id": request.form.get("parent_id") or None})
        except AppError as exc:
            _flash_error(exc)
            return _categories_page(exc.fields, 422)
        flash(_("Category added."), "success")
        return redirect(url_for(".categories"))
    return _categories_page()


@bp.post("/categories/<uuid:category_id>")
@require_staff("catalog.edit")
def category_update(category_id: uuid.UUID):
    try:
        taxonomy.update_category(taxonomy.get_category(category_id), {"name": request.form.get("name", "")})
        flash(_("Category renamed."), "success")
    except AppError as exc:
        _flash_error(exc)
    return redirect(url_for(".categories"))


@bp.post("/categories/<uuid:category_id>/move")
@require_staff("catalog.edit")
def category_move(category_id: uuid.UUID):
    taxonomy.move_category(taxonomy.get_category(category_id), request.form.get("direction", "down"))
    return redirect(url_for(".categories"))


@bp.post("/categories/<uuid:category_id>/delete")
@require_staff("catalog.edit")
def category_delete(category_id: uuid.UUID):
    try:
        taxonomy.delete_category(taxonomy.get_category(category_id))
        flash(_("Category deleted."), "success")
    except AppError as exc:
        _flash_error(exc)
    return redirect(url_for(".categories"))


# --- groups ------------------------------------------------------------------------------------


@bp.route("/groups", methods=["GET", "POST"])
@require_staff("store.view")
def groups():
    if request.method == "POST":
        check_staff("catalog.edit")
        try:
            taxonomy.create_group({"name": request.form.get("name", "")})
        except AppError as exc:
            _flash_error(exc)
            return render_template("catalog/groups.html", rows=taxonomy.groups(), counts=taxonomy.group_counts(),
                                   errors=exc.fields), 422
        flash(_("Group added."), "success")
        return redirect(url_for(".groups"))
    return render_template("catalog/groups.html", rows=taxonomy.groups(), counts=taxonomy.group_counts(), errors={})


@bp.post("/groups/<uuid:group_id>")
@require_staff("catalog.edit")
def group_update(group_id: uuid.UUID):
    try:
        taxonomy.update_group(taxonomy.get_group(group_id), {"name": request.form.get("name", "")})
        flash(_("Group renamed."), "success")
    except AppError as exc:
        _flash_error(exc)
    return redirect(url_for(".groups"))


@bp.post("/groups/<uuid:group_id>/move")
@require_staff("catalog.edit")
def group_move(group_id: uuid.UUID):
    taxonomy.move_group(taxonomy.get_group(group_id), request.form.get("direction", "down"))
    return redirect(url_for(".groups"))


@bp.post("/groups/<uuid:group_id>/delete")
@require_staff("catalog.edit")
def group_delete(group_id: uuid.UUID):
    taxonomy.delete_group(taxonomy.get_group(group_id))
    flash(_("Group deleted."), "success")
    return redirect(url_for(".groups"))
