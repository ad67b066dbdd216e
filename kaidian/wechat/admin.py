"""The merchant admin's WeChat pages (``/admin/wechat``): thin views over the WeChat services."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import check_staff, require_staff, resolve_ids_first
from kaidian.platform.errors import ValidationFailed
from kaidian.platform.forms import form_action
from kaidian.platform.roles import can
from kaidian.platform.sites import platform_url

from . import authorization, authorizers, menus, permissions, tokens
from .errors import NO_TICKET_YET
from .models import AuthorizerKind

bp = Blueprint("wechat_admin", __name__, url_prefix="/admin/wechat", template_folder="templates")
static_bp = Blueprint("wechat_static", __name__, static_folder="static", static_url_path="/static/wechat")

resolve_ids_first(bp, {"authorizer_id": authorizers.get})

BUTTON_FIELDS = ("name", "type", "url", "key", "appid", "pagepath")


@bp.get("/")
@require_staff("store.view")
def index():
    return render_template("wechat/accounts.html", rows=authorizers.list_for_current_store(),
                           granted=permissions.granted, missing=permissions.missing,
                           can_manage=can(g.membership, "wechat.manage"),
                           no_ticket=None if tokens.ticket_received() else NO_TICKET_YET)


@bp.post("/authorize")
@require_staff("wechat.manage")
def authorize():
    try:
        kind = AuthorizerKind(request.form.get("kind", ""))
    except ValueError:
        abort(400)
    appid = _own_appid(request.form.get("appid", ""))
    return form_action(lambda: authorization.start(g.tenant, kind, platform_url("wechat_admin.callback"),
                                                   mobile=authorization.is_wechat_browser(request.user_agent.string),
                                                   appid=appid),
                       redirect_to=lambda url: url or url_for(".index"))


def _own_appid(appid: str) -> str:
    """Authorizing again pins the store's own account; any other appid is ignored."""
    own = {row.appid for row in authorizers.list_for_current_store()}
    return appid if appid in own else ""


@bp.get("/callback")
@require_staff("wechat.manage")
def callback():
    return form_action(lambda: authorization.complete(g.tenant, request.args.get("state", ""),
                                                      request.args.get("auth_code", "")),
                       success=lambda row: _("%(name)s is now bound to this store.", name=row.nick_name),
                       redirect_to=url_for(".index"))


@bp.route("/<uuid:authorizer_id>/menu", methods=["GET", "POST"])
@require_staff("store.view")
def menu(authorizer_id: uuid.UUID):
    row = authorizers.get(authorizer_id)
    if request.method == "POST":
        check_staff("wechat.manage")
        document = menu_from_form(request.form)
        return form_action(lambda: menus.save(row, document), success=_("Menu saved. Publish it to show it in WeChat."),
                           redirect_to=url_for(".menu", authorizer_id=row.id),
                           on_error=lambda exc: (_menu_page(row, document, exc.fields), 422)
                           if isinstance(exc, ValidationFailed) else redirect(url_for(".index")))
    return _menu_page(row, menus.menu_of(row, g.tenant), {})


def _menu_page(row, document: dict, errors: dict):
    return render_template("wechat/menu.html", authorizer=row, menu=document, errors=errors,
                           can_manage=can(g.membership, "wechat.manage"),
                           limits={"top": menus.TOP_BUTTONS, "sub": menus.SUB_BUTTONS})


@bp.post("/<uuid:authorizer_id>/menu/publish")
@require_staff("wechat.manage")
def publish_menu(authorizer_id: uuid.UUID):
    row = authorizers.get(authorizer_id)
    return form_action(lambda: menus.publish(row, g.tenant), success=_("Menu published to WeChat."),
                       redirect_to=url_for(".menu", authorizer_id=row.id), details=True)


# --- the editor's form -----------------------------------------------------------------------------


def _read_button(form, prefix: str) -> dict:
    """One button's name, type and the fields that type uses; what the page still holds in the other
    types' boxes (a key typed before switching to a web page, say) is ignored."""
    kind = form.get(f"{prefix}_type", "").strip()
    fields = menus.TYPE_FIELDS.get(kind, BUTTON_FIELDS[2:])
    return {name: form.get(f"{prefix}_{name}", "").strip() for name in ("name", "type", *fields)}


def _filled(button: dict) -> bool:
    return any(value for name, value in button.items() if name != "type")


def menu_from_form(form) -> dict:
    """``b0_name``, ``b0_type``, ``b0_url`` … and ``b0_s1_name`` … → WeChat's menu document."""
    buttons = []
    for i in range(menus.TOP_BUTTONS):
        top = _read_button(form, f"b{i}")
        subs = [sub for j in range(menus.SUB_BUTTONS) if _filled(sub := _read_button(form, f"b{i}_s{j}"))]
        if subs:
            top = {"name": top["name"], "sub_button": subs}
        if subs or _filled(top):
            buttons.append(top)
    return {"button": buttons}
