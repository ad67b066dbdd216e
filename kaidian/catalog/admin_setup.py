"""Admin pages for categories (two levels, ordered) and groups (ordered by hand)."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import check_staff, require_staff
from kaidian.platform.forms import form_action

from . import taxonomy
from .admin import bp

# --- categories --------------------------------------------------------------------------------


def _categories_page(errors=None, status=200):
    return render_template("catalog/categories.html", tree=taxonomy.tree(), counts=taxonomy.category_counts(),
                           errors=errors or {}), status


@bp.route("/categories", methods=["GET", "POST"])
@require_staff("store.view")
def categories():
    if request.method == "POST":
        check_staff("catalog.edit")
        return form_action(lambda: taxonomy.create_category({"name": request.form.get("name", ""),
                                                             "parent_id": request.form.get("parent_id") or None}),
                           success=_("Category added."), redirect_to=url_for(".categories"), details=True,
                           on_error=lambda exc: _categories_page(exc.fields, 422))
    return _categories_page()


@bp.post("/categories/<uuid:category_id>")
@require_staff("catalog.edit")
def category_update(category_id: uuid.UUID):
    return form_action(lambda: taxonomy.update_category(taxonomy.get_category(category_id),
                                                        {"name": request.form.get("name", "")}),
                       success=_("Category renamed."), redirect_to=url_for(".categories"), details=True)


@bp.post("/categories/<uuid:category_id>/move")
@require_staff("catalog.edit")
def category_move(category_id: uuid.UUID):
    taxonomy.move_category(taxonomy.get_category(category_id), request.form.get("direction", "down"))
    return redirect(url_for(".categories"))


@bp.post("/categories/<uuid:category_id>/delete")
@require_staff("catalog.edit")
def category_delete(category_id: uuid.UUID):
    return form_action(lambda: taxonomy.delete_category(taxonomy.get_category(category_id)),
                       success=_("Category deleted."), redirect_to=url_for(".categories"), details=True)


# --- groups ------------------------------------------------------------------------------------


@bp.route("/groups", methods=["GET", "POST"])
@require_staff("store.view")
def groups():
    if request.method == "POST":
        check_staff("catalog.edit")
        return form_action(lambda: taxonomy.create_group({"name": request.form.get("name", "")}),
                           success=_("Group added."), redirect_to=url_for(".groups"), details=True,
                           on_error=lambda exc: (render_template("catalog/groups.html", rows=taxonomy.groups(),
                                                                 counts=taxonomy.group_counts(), errors=exc.fields),
                                                 422))
    return render_template("catalog/groups.html", rows=taxonomy.groups(), counts=taxonomy.group_counts(), errors={})


@bp.post("/groups/<uuid:group_id>")
@require_staff("catalog.edit")
def group_update(group_id: uuid.UUID):
    return form_action(lambda: taxonomy.update_group(taxonomy.get_group(group_id),
                                                     {"name": request.form.get("name", "")}),
                       success=_("Group renamed."), redirect_to=url_for(".groups"), details=True)


@bp.post("/groups/<uuid:group_id>/move")
@require_staff("catalog.edit")
def group_move(group_id: uuid.UUID):
    taxonomy.move_group(taxonomy.get_group(group_id), request.form.get("direction", "down"))
    return redirect(url_for(".groups"))


@bp.post("/groups/<uuid:group_id>/delete")
@require_staff("catalog.edit")
def group_delete(group_id: uuid.UUID):
    return form_action(lambda: taxonomy.delete_group(taxonomy.get_group(group_id)),
                       success=_("Group deleted."), redirect_to=url_for(".groups"), details=True)
