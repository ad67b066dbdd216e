"""A store's order rules: the payment window (default 30 minutes) and how many days after shipping
an order completes by itself (default 10). Absent row = the defaults.

Every checkout needs the payment window, so it is memoised per store in each process, like the store
of a host name (``platform/sites.py``): a change saved in this process is seen at once, other
processes see it within ``HOST_CACHE_SECONDS`` (default 5; 0 reads it every time). An order placed in
those seconds keeps the window the shopper was shown.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import current_tenant_id

from .models import OrderSettings

PAYMENT_WINDOW_MINUTES = 30
AUTO_COMPLETE_DAYS = 10
_PAYMENT_WINDOW = select(OrderSettings.payment_window_minutes)  # built once: every checkout reads it


def current() -> OrderSettings | None:
    return db.session.execute(select(OrderSettings)).scalar_one_or_none()


def payment_window_minutes() -> int:
    seconds = current_app.config.get("HOST_CACHE_SECONDS", 5)
    tenant_id = current_tenant_id()
    hit = _WINDOWS.get(tenant_id) if seconds else None
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    minutes = db.session.execute(_PAYMENT_WINDOW).scalar_one_or_none()
    minutes = minutes if minutes is not None else PAYMENT_WINDOW_MINUTES
    if seconds and tenant_id is not None:
        with _LOCK:
            if len(_WINDOWS) >= _MAX_STORES:
                _WINDOWS.clear()
            _WINDOWS[tenant_id] = (time.monotonic() + seconds, minutes)
    return minutes


_WINDOWS: dict = {}  # tenant id -> (expires, minutes)
_LOCK = threading.Lock()
_MAX_STORES = 10_000


def _forget_changed(session, flush_context) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, OrderSettings):
            _WINDOWS.pop(row.tenant_id, None)


event.listen(Session, "after_flush", _forget_changed)


def auto_complete_days() -> int:
    row = current()
    return row.auto_complete_days if row is not None else AUTO_COMPLETE_DAYS


def return_address() -> str:
    row = current()
    return row.return_address if row is not None else ""
