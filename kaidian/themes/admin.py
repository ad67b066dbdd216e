"""The merchant admin's storefront page (``/admin/theme``): the store's link and QR code, the
industry template and how to switch it, the pages with their previews."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaidian.platform.auth import current_membership, require_staff
from kaidian.platform.errors import AppError
from kaidian.platform.roles import can
from kaidian.platform.sites import store_url

from . import industries, page_kinds, preview, qr, services, switching
from .storefront import STORE_CSP

bp = Blueprint("themes_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/theme")
@require_staff("store.view")
def theme():
    theme_row = services.get_theme(g.tenant)
    url = store_url(g.tenant)
    return render_template(
        "themes/admin/theme.html", theme=theme_row, pages=services.list_pages(g.tenant), store_link=url,
        qr_code=qr.svg_inline(url), templates=[industries.describe(key) for key in industries.INDUSTRIES],
        page_label=page_kinds.label, can_publish=can(current_membership, "pages.publish"))


@bp.post("/theme/template")
@require_staff("pages.publish")
def choose_template():
    try:
        switching.switch_template(g.tenant, request.form.get("template", ""), current_user)
    except AppError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".theme"))
    flash(_("Template switched; your content was kept. Earlier versions are in each page's history."), "success")
    return redirect(url_for(".theme"))


@bp.get("/theme/qr.svg")
@require_staff("store.view")
def qr_svg():
    return _qr_file("svg")


@bp.get("/theme/qr.png")
@require_staff("store.view")
def qr_png():
    return _qr_file("png")


def _qr_file(kind: str) -> Response:
    url = store_url(g.tenant)
    data = qr.svg_bytes(url) if kind == "svg" else qr.png_bytes(url)
    filename = f"{g.tenant.slug}-qr.{kind}"
    return Response(data, mimetype="image/svg+xml" if kind == "svg" else "image/png",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, max-age=300"})


@bp.get("/theme/preview/<handle>")
@require_staff("pages.edit")
def preview_page(handle: str):
    """A page as the store would show it (``version=draft`` by default, or ``published``)."""
    html = preview.preview_page(g.tenant, handle, request.args.get("version", "draft"), request.args)
    return Response(html, mimetype="text/html",
                    headers={"Cache-Control": "private, no-store", "Content-Security-Policy": STORE_CSP})
