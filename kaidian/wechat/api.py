"""The WeChat JSON API (``/api/v1/wechat``): bound accounts, starting an authorization, the menu.
Every handler calls the same services as the merchant admin pages."""

from __future__ import annotations

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from kaidian.platform.auth import require_staff, resolve_ids_first
from kaidian.platform.sites import platform_url

from . import authorization, authorizers, menus
from .models import AuthorizerKind
from .schemas import (
    AuthorizationStartSchema,
    AuthorizationUrlSchema,
    AuthorizerSchema,
    MenuPublishSchema,
    MenuSchema,
    PublishedMenuSchema,
)

wechat_api = Blueprint("wechat_api", __name__, url_prefix="/api/v1/wechat",
                       description="WeChat official accounts and mini programs bound to the store")

resolve_ids_first(wechat_api, {"authorizer_id": authorizers.get})


@wechat_api.route("/authorizers")
class AuthorizerList(MethodView):
    @require_staff("store.view")
    @wechat_api.response(200, AuthorizerSchema(many=True))
    def get(self):
        """The store's accounts: type, verification, principal, granted and missing permission sets, status."""
        return authorizers.list_for_current_store()


@wechat_api.route("/authorizations")
class AuthorizationStart(MethodView):
    @require_staff("wechat.manage")
    @wechat_api.arguments(AuthorizationStartSchema)
    @wechat_api.response(201, AuthorizationUrlSchema)
    def post(self, data):
        """Start authorizing an account: open the returned WeChat page; it comes back to the merchant admin."""
        return_url = platform_url("wechat_admin.callback")
        url = authorization.start(g.tenant, AuthorizerKind(data["kind"]), return_url, mobile=data["mobile"])
        return {"url": url}


@wechat_api.route("/authorizers/<uuid:authorizer_id>/menu")
class Menu(MethodView):
    @require_staff("store.view")
    @wechat_api.response(200, MenuSchema)
    def get(self, authorizer_id: uuid.UUID):
        """The saved menu draft (or the default menu pointing at the storefront)."""
        return menus.menu_of(authorizers.get(authorizer_id), g.tenant)

    @require_staff("wechat.manage")
    @wechat_api.arguments(MenuSchema)
    @wechat_api.response(200, MenuSchema)
    def put(self, data, authorizer_id: uuid.UUID):
        """Save the menu draft after checking WeChat's limits (nothing is sent to WeChat)."""
        return menus.save(authorizers.get(authorizer_id), data)


@wechat_api.route("/authorizers/<uuid:authorizer_id>/menu/publish")
class MenuPublish(MethodView):
    @require_staff("wechat.manage")
    @wechat_api.arguments(MenuPublishSchema, required=False)
    @wechat_api.response(200, PublishedMenuSchema)
    def post(self, data, authorizer_id: uuid.UUID):
        """Publish a menu to the official account: the one in the body, else the saved draft, else the
        default. WeChat's limits are checked first; a refused menu is never sent."""
        row = authorizers.get(authorizer_id)
        menu = menus.publish(row, g.tenant, data if data and "button" in data else None)
        return {"menu": menu, "published_at": row.menu_published_at}
