"""One use case, one transaction: a service that fails leaves nothing half-done in the session
(the page that shows the error must not flush it by accident)."""

from __future__ import annotations

from functools import wraps

from kaidian.platform.extensions import db


def atomic(func):
    """Roll the session back if ``func`` raises; the caller sees the original error."""

    @wraps(func)
    def wrapped(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return wrapped
