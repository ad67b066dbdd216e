"""The platform's JSON API: login (issues a token), the current user, personal API tokens."""

from __future__ import annotations

import uuid

from flask import g
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from . import accounts, api_tokens
from .auth import acting_user, memberships_of, require_staff
from .errors import AppError, ValidationFailed
from .extensions import auth_limit, db, limiter
from .models import Tenant
from .schemas import LoginResultSchema, LoginSchema, MeSchema, TokenCreateSchema, TokenSchema
from .sites import PLATFORM, register_api
from .tenancy import all_tenants, tenant_context

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Accounts and tokens")


@blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(auth_limit)]

    @blp.arguments(LoginSchema)
    @blp.response(200, LoginResultSchema)
    def post(self, data):
        """Log in and receive a personal API token for one of your stores."""
        try:
            user = accounts.authenticate(data["login"], data["password"])
        except ValidationFailed as exc:  # wrong credentials are a 401, not a malformed request
            raise AppError(exc.message, fields=exc.fields, code="unauthorized", status=401) from None
        membership = _pick_membership(user, data["store"])
        with tenant_context(membership.tenant_id):
            row, token = api_tokens.issue(user, membership.tenant_id, data["token_name"])
        with all_tenants():
            slug = db.session.get(Tenant, membership.tenant_id).slug
        return {"token": token, "user": user, "store": slug}


def _pick_membership(user, slug: str | None):
    """The store named by ``slug``, or else the first store that is open (tokens are minted only there)."""
    memberships = memberships_of(user)
    with all_tenants():
        tenants = {m.tenant_id: db.session.get(Tenant, m.tenant_id) for m in memberships}
    if slug:
        memberships = [m for m in memberships if tenants[m.tenant_id].slug == slug]
    if not memberships:
        raise ValidationFailed(fields={"store": [_l("You are not a member of this store.")]})
    return next((m for m in memberships if tenants[m.tenant_id].is_open()), memberships[0])


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """The current user and the stores they belong to."""
        user = acting_user()
        if user is None:
            from flask import abort

            abort(401)
        return {"user": user, "memberships": _membership_rows(user), "current_store": _current_slug()}


def _membership_rows(user) -> list[dict]:
    rows = []
    with all_tenants():
        for m in memberships_of(user):
            tenant = db.session.get(Tenant, m.tenant_id)
            rows.append({"tenant_id": m.tenant_id, "role": m.role.value, "store_slug": tenant.slug,
                         "store_name": tenant.name})
    return rows


def _current_slug() -> str | None:
    return g.tenant.slug if g.get("membership") is not None else None


@blp.route("/tokens")
class Tokens(MethodView):
    @require_staff("store.tokens")
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """Your API tokens for the current store."""
        return api_tokens.active(acting_user())

    @require_staff("store.tokens")
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Create a token; its secret is shown only in this response."""
        row, token = api_tokens.issue(acting_user(), g.tenant.id, data["name"])
        row.token = token  # shown once; never stored
        return row


@blp.route("/tokens/<uuid:token_id>")
class TokenItem(MethodView):
    @require_staff("store.tokens")
    @blp.response(204)
    def delete(self, token_id: uuid.UUID):
        """Revoke one of your tokens."""
        api_tokens.revoke(acting_user(), token_id)


def register(app) -> None:
    register_api(blp, PLATFORM)
