"""Locale chain: the user's setting, the ``lang`` cookie, the store's default, Accept-Language."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_login import current_user

from .redirects import redirect_next

LOCALE_COOKIE = "lang"


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and CLI choose with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for candidate in _candidates():
        if candidate in supported:
            return candidate
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _candidates():
    if current_user and getattr(current_user, "is_authenticated", False):
        yield current_user.locale
    yield request.cookies.get(LOCALE_COOKIE, "")
    tenant = g.get("tenant")
    if tenant is not None and g.get("site") == "store":
        yield tenant.default_locale


def switch_language(locale: str, next_url: str | None):
    """Remember the chosen language in a cookie (and on the user, when logged in)."""
    from .unit import unit

    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        with unit():
            current_user.locale = locale
    response = redirect_next(next_url, "/")
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="Lax")
    return response
