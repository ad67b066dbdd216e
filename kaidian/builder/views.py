"""The builder's pages in the merchant admin (``/admin/builder``): the page list (system pages and
custom landing pages: create, rename, delete) and the editor with its preview frame.

Views are thin: every change goes through ``kaidian.themes.public`` (or this package's
``services``, which delegates to it); the editor itself talks to the JSON API.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from kaidian.billing import services as billing
from kaidian.platform.auth import current_membership, require_staff, resolve_ids_first
from kaidian.platform.errors import AppError
from kaidian.platform.roles import can
from kaidian.platform.sites import store_url
from kaidian.platform.storage import media_url
from kaidian.themes import public as themes

from . import services
from .strings import editor_strings

STATIC = Path(__file__).resolve().parent / "static" / "builder"

bp = Blueprint("builder", __name__, url_prefix="/admin/builder", template_folder="templates")
static_bp = Blueprint("builder_static", __name__, static_folder="static/builder", static_url_path="/static/builder")

resolve_ids_first(bp, {"handle": lambda handle: themes.check_page_exists(g.tenant, handle)})



@lru_cache(maxsize=16)
def _version(filename: str, mtime: float) -> str:
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    path = STATIC / filename
    version = _version(filename, path.stat().st_mtime) if path.is_file() else "0"
    return url_for("builder_static.static", filename=filename, v=version)


def store_path(handle: str) -> str | None:
    """Where shoppers find the page (None for the product page: it shows one product at a time)."""
    return themes.store_path(handle)


# --- the page list ------------------------------------------------------------------------------


@bp.get("/")
@require_staff("pages.edit")
def pages():
    return _pages_page()


def _pages_page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    rows = services.page_rows(g.tenant)
    return render_template(
        "builder/pages.html", system=[r for r in rows if r["kind"] == "system"],
        custom=[r for r in rows if r["kind"] == "custom"], usage=services.custom_page_usage(g.tenant),
        plan=billing.plan_of(g.tenant), store_link=store_url(g.tenant), store_path=store_path,
        can_publish=can(current_membership, "pages.publish"), errors=errors or {}, form=form or {}), status


@bp.post("/new")
@require_staff("pages.edit")
def create():
    form = {"handle": request.form.get("handle", "").strip().lower(), "title": request.form.get("title", "").strip()}
    try:
        page = themes.create_page(g.tenant, form["handle"], form["title"], current_user)
    except AppError as exc:
        flash(str(exc.message), "error")
        return _pages_page(exc.fields, form, exc.status)
    flash(_("Page created. Decorate it, then publish it to put it on your store."), "success")
    return redirect(url_for(".editor", handle=page.handle))


@bp.post("/<handle>/rename")
@require_staff("pages.edit")
def rename(handle: str):
    try:
        services.rename_page(g.tenant, handle, request.form.get("title", ""), current_user)
    except AppError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".pages"))
    flash(_("Page renamed; publish it to show the new title to shoppers."), "success")
    return redirect(url_for(".pages"))


@bp.post("/<handle>/delete")
@require_staff("pages.publish")
def delete(handle: str):
    try:
        themes.delete_page(g.tenant, handle, current_user)
    except AppError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".pages"))
    flash(_("Page deleted."), "success")
    return redirect(url_for(".pages"))


# --- the editor ---------------------------------------------------------------------------------


@bp.get("/<handle>")
@require_staff("pages.edit")
def editor(handle: str):
    state = services.editor_state(g.tenant, handle)
    path = store_path(handle)
    boot = {
        **state,
        "handle": handle,
        "page_label": themes.page_label(handle),
        "can_publish": can(current_membership, "pages.publish"),
        "store_open": g.tenant.is_open(),
        "urls": {
            "preview": url_for(".preview", handle=handle),
            "store_page": store_url(g.tenant, path) if path else None,
            "store": store_url(g.tenant),
            "pages": url_for(".pages"),
            "editor": url_for(".editor", handle="__handle__"),
            "plan": url_for("billing_admin.plan"),
            "thumbs": asset_url("thumbs.svg"),
            "media": media_url("_").removesuffix("_"),
        },
        "api": _api_urls(handle),
        "media": services.media_library(g.tenant),
        "csrf": generate_csrf(),
        "locale": "zh-CN" if str(get_locale()) == "zh" else "en",
        "t": editor_strings(),
    }
    return render_template("builder/editor.html", boot=boot, page_label=boot["page_label"],
                           editor_js=asset_url("editor.bundle.js"), editor_css=asset_url("editor.css"))


def _api_urls(handle: str) -> dict:
    restore = url_for("themes_api.PageRestore", handle=handle, version=0)
    return {
        "page": url_for("themes_api.PageItem", handle=handle),
        "pageDraft": url_for("themes_api.PageDraft", handle=handle),
        "pagePublish": url_for("themes_api.PagePublish", handle=handle),
        "versions": url_for("themes_api.PageVersions", handle=handle),
        "restore": restore.replace("/versions/0/", "/versions/%(version)s/"),
        "theme": url_for("themes_api.Theme"),
        "themeDraft": url_for("themes_api.ThemeDraft"),
        "themePublish": url_for("themes_api.ThemePublish"),
        "templateSwitch": url_for("themes_api.TemplateSwitch"),
        "renderSection": url_for("themes_api.RenderSection"),
        "images": url_for("themes_api.Images"),
        "renderPage": url_for("builder_api.PageRender", handle=handle),
        "media": url_for("builder_api.Media"),
        "products": url_for("catalog_api.Products"),
        "categories": url_for("catalog_api.Categories"),
        "groups": url_for("catalog_api.Groups"),
    }


@bp.get("/<handle>/preview")
@require_staff("pages.edit")
def preview(handle: str):
    """The draft page exactly as the storefront renders it (themes' renderer, merchant audience),
    plus the small helper script the editor talks to with postMessage."""
    bridge = [services.style_tag(asset_url("preview.css")), services.script_tag(asset_url("preview.bundle.js"))]
    html = services.preview_html(g.tenant, handle, request.args, bridge)
    return Response(html, mimetype="text/html",
                    headers={"Cache-Control": "private, no-store", "Content-Security-Policy": themes.STORE_CSP})
