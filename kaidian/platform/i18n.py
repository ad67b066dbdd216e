"""Locale chain: the user's setting, the ``lang`` cookie, the store's default, Accept-Language; and
messages kept in rows, written in the catalogue's source language and shown in the reader's."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import force_locale, gettext
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


SOURCE_LOCALE = "en"  # the catalogue's msgids are English; its "en" catalogue translates nothing


def stored(message) -> str:
    """``message`` (a lazy string, or text) as kept in a row that people read later, each in their own
    language: the catalogue's msgid, whatever the locale of the job or request that wrote it — ``shown``
    translates it when it is read."""
    with force_locale(SOURCE_LOCALE):
        return str(message)


def shown(text: str) -> str:
    """A stored message in the reader's language. Stored messages come in the shapes the code writes: a
    msgid, ``"msgid: message"`` (a step's name, then what happened) and ``"message (detail)"`` (a provider's
    own words after ours); the parts the catalogue knows are translated, the rest (a provider's words, text
    stored before this) is shown as stored."""
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    head, colon, tail = text.partition(": ")
    if colon and (label := gettext(head)) != head:
        return f"{label}: {shown(tail)}"
    head, paren, tail = text.rpartition(" (")
    if paren and head and (message := shown(head)) != head:
        return f"{message} ({tail}"
    return text
