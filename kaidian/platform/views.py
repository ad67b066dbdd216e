"""Platform pages: the landing page, login, logout, password reset and change, language switch, media."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from . import accounts, i18n, sessions
from .auth import current_membership, sign_in
from .console import entry_url
from .errors import AppError
from .extensions import auth_limit, limiter
from .redirects import redirect_next
from .sites import STORE, store_url
from .storage import LocalStorage, cache_control, get_storage, is_public_key, media_url
from .unit import unit

bp = Blueprint("platform", __name__, template_folder="templates")
# Accounts live on the platform only: a store's domain (its own or SLUG.STORE_DOMAIN) never serves them.
PLATFORM_ONLY = ("platform.login", "platform.logout", "platform.forgot_password", "platform.reset_password",
                 "platform.change_password")
static_bp = Blueprint(
    "kd_static", __name__, static_folder="static", static_url_path="/static/platform"
)


def template_globals() -> dict:
    return {
        "media_url": media_url,
        "store_url": store_url,
        "current_membership": current_membership,
        "current_locale": lambda: str(get_locale()),
        "languages": {"zh": "简体中文", "en": "English"},
    }


@bp.get("/")
def index():
    if g.get("site") == STORE:
        if g.tenant is None:
            abort(404)
        return current_app.extensions["kaidian_store_home"]()
    return render_template("platform/landing.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def login():
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("login", ""), request.form.get("password", ""))
        except AppError as exc:
            return render_template("platform/login.html", errors=exc.fields, form=request.form), 422
        sign_in(user, remember=bool(request.form.get("remember")))
        return redirect_next(request.args.get("next"), _home_for(user))
    return render_template("platform/login.html", errors={}, form={})


def _home_for(user) -> str:
    if user.is_platform_admin:
        return url_for("console.home")
    return entry_url("store_admin") or url_for("platform.index")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        with unit():
            sessions.end(current_user)
    logout_user()
    return redirect(url_for("platform.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def forgot_password():
    if request.method == "POST":
        with unit():
            accounts.request_password_reset(request.form.get("login", ""))
        flash(_("If that account exists, we have sent it a link to reset the password."), "info")
        return redirect(url_for("platform.login"))
    return render_template("platform/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if request.method == "POST":
        try:
            with unit():
                revoked = accounts.set_password(user, request.form.get("password", ""))
        except AppError as exc:
            return render_template("platform/reset.html", errors=exc.fields), 422
        flash(_("Your password has been changed; please log in."), "success")
        flash(ngettext("You have been signed out everywhere, and %(num)s API token of yours was revoked.",
                       "You have been signed out everywhere, and %(num)s API tokens of yours were revoked.",
                       revoked), "info")
        return redirect(url_for("platform.login"))
    return render_template("platform/reset.html", errors={})


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(auth_limit, methods=["POST"])
def change_password():
    if request.method == "POST":
        try:
            with unit():
                revoked = accounts.change_password(current_user, request.form.get("current_password", ""),
                                                   request.form.get("password", ""), current_user.session_key)
        except AppError as exc:
            return render_template("platform/password.html", errors=exc.fields), 422
        flash(_("Your password has been changed."), "success")
        flash(ngettext("Your other logins have been signed out, and %(num)s API token of yours was revoked.",
                       "Your other logins have been signed out, and %(num)s API tokens of yours were revoked.",
                       revoked), "info")
        return redirect(url_for("platform.change_password"))
    return render_template("platform/password.html", errors={})


@bp.get("/lang/<locale>")
def switch_language(locale: str):
    return i18n.switch_language(locale, request.args.get("next", "/"))


@bp.get("/media/<path:key>")
def media(key: str):
    storage = get_storage()
    if not isinstance(storage, LocalStorage) or not is_public_key(key):
        abort(404)
    root = Path(current_app.config["MEDIA_ROOT"])
    response = send_from_directory(root, key, max_age=86400)
    if cache_control(key):
        response.headers["Cache-Control"] = cache_control(key)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user}
