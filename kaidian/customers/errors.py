"""Errors of the customers package (rendered by ``platform/errors.py`` in the one error shape)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError


class CustomerRequired(AppError):
    """A store API call that needs a logged-in shopper, without one (pages redirect to the login page)."""

    status = 401
    code = "customer_required"
    message = _l("Please log in first.")
