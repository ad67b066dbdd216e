"""A store's order rules: the payment window (default 30 minutes) and how many days after shipping
an order completes by itself (default 10). Absent row = the defaults.

Every checkout needs the payment window, so it is memoised per store (``platform/memo.py``): a change
saved in this process is seen at once, other processes see it within ``HOST_CACHE_SECONDS``.
"""

from __future__ import annotations

from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.memo import TenantMemo

from .models import OrderSettings

PAYMENT_WINDOW_MINUTES = 30
AUTO_COMPLETE_DAYS = 10
_PAYMENT_WINDOW = select(OrderSettings.payment_window_minutes)  # built once: every checkout reads it


def current() -> OrderSettings | None:
    return db.session.execute(select(OrderSettings)).scalar_one_or_none()


def payment_window_minutes() -> int:
    return _MEMO.get("payment_window", _read_payment_window)


def _read_payment_window() -> int:
    minutes = db.session.execute(_PAYMENT_WINDOW).scalar_one_or_none()
    return minutes if minutes is not None else PAYMENT_WINDOW_MINUTES


_MEMO = TenantMemo(OrderSettings)


def auto_complete_days() -> int:
    row = current()
    return row.auto_complete_days if row is not None else AUTO_COMPLETE_DAYS


def return_address() -> str:
    row = current()
    return row.return_address if row is not None else ""
