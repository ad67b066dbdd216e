"""A store's order rules: the payment window (default 30 minutes) and how many days after shipping
an order completes by itself (default 10). Absent row = the defaults."""

from __future__ import annotations

from sqlalchemy import select

from kaidian.platform.extensions import db

from .models import OrderSettings

PAYMENT_WINDOW_MINUTES = 30
AUTO_COMPLETE_DAYS = 10


def current() -> OrderSettings | None:
    return db.session.execute(select(OrderSettings)).scalar_one_or_none()


def payment_window_minutes() -> int:
    minutes = db.session.execute(select(OrderSettings.payment_window_minutes)).scalar_one_or_none()
    return minutes if minutes is not None else PAYMENT_WINDOW_MINUTES


def auto_complete_days() -> int:
    row = current()
    return row.auto_complete_days if row is not None else AUTO_COMPLETE_DAYS


def return_address() -> str:
    row = current()
    return row.return_address if row is not None else ""
