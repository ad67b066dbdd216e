"""Errors of the customers package (rendered by ``platform/errors.py`` in the one error shape)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError


class CustomerRequired(AppError):
    """A store API call that needs a logged-in shopper, without one (pages redirect to the login page)."""

    status = 401
    code = "customer_required"
    message = _l("Please log in first.")


class SmsNotSent(AppError):
    status = 503
    code = "sms_not_sent"
    message = _l("The text message could not be sent. Please try again in a moment.")


class TooManyCodes(AppError):
    status = 429
    code = "too_many_codes"
    message = _l("Too many codes were sent to this number. Please wait before asking for another.")


class InvalidCode(AppError):
    """Wrong, expired, used, or worn out by wrong tries: the shopper is told only that it does not work."""

    status = 400
    code = "invalid_code"
    message = _l("This code is wrong or has expired. Ask for a new code.")


class AppSessionRequired(AppError):
    """A mini-program API call without a live login token: the mini program logs in again (wx.login)."""

    status = 401
    code = "app_session_required"
    message = _l("Please log in again.")


class HandoffExpired(AppError):
    """A web-view hand-off ticket that is forged, of another store, too old or already used."""

    status = 400
    code = "app_handoff_expired"
    message = _l("This login link has expired. Go back to the mini program and open the page again.")
