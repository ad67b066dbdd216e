"""Notifications to a store's staff — the public API other domains use:

* ``register_kind(name, Kind(title=_l("… %(x)s …"), values=…, link=…, topic=_l("…")))`` — a kind of
  notification: its words (a lazy string with ``%(name)s`` placeholders, so each reader sees their
  language), a function turning the stored ``params`` into display values (``amount_fen`` → ``¥128.00``),
  where it links, and its topic (at most 6 characters: the SMS template's parameter);
* ``notify(tenant_id, kind, params, dedupe_key=…)`` — record one (once per ``dedupe_key``) and, after the
  commit, send it on the channels ``NOTIFY_CHANNELS`` names (``channels.py``: email, SMS);
* ``unread_count()``, ``recent()``, ``mark_read()`` — the bell and the list page of the current store.

Params are plain data (ids, numbers, short texts): they are stored as JSON and travel to a job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import tenant_context
from kaidian.platform.unit import unit

from .models import Notification

log = logging.getLogger(__name__)

RECENT = 50


@dataclass(frozen=True)
class Kind:
    title: object  # a lazy string with %(name)s placeholders filled from values(params)
    values: Callable[[dict], dict] = field(default=lambda params: dict(params))
    link: Callable[[dict], str | None] = field(default=lambda params: None)
    topic: object = ""  # a lazy string of at most 6 characters: what the SMS says it is about (empty: "new notice")


KINDS: dict[str, Kind] = {}


def register_kind(name: str, kind: Kind) -> None:
    KINDS.setdefault(name, kind)


def text(notification: Notification, locale: str | None = None) -> str:
    """The notification in the current locale (or ``locale``)."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    if locale:
        with force_locale(locale):
            return str(kind.title) % kind.values(notification.params)
    return str(kind.title) % kind.values(notification.params)


def topic(notification: Notification, locale: str) -> str:
    """The kind's short topic in ``locale`` ("" when it has none)."""
    kind = KINDS.get(notification.kind)
    with force_locale(locale):
        return str(kind.topic) if kind is not None and kind.topic else ""


def link(notification: Notification) -> str | None:
    kind = KINDS.get(notification.kind)
    return kind.link(notification.params) if kind else None


def notify(tenant_id: uuid.UUID, kind: str, params: dict, *, dedupe_key: str) -> uuid.UUID:
    """Record a ``kind`` notification for the store (the existing one when ``dedupe_key`` was seen) and
    send it on the configured channels after the commit; the notification's id. A unit of work."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r} (register_kind it first)")
    with tenant_context(tenant_id), unit():
        existing = _by_key(dedupe_key)
        if existing is not None:
            return existing.id
        try:
            with unit(savepoint=True):
                row = Notification(kind=kind, params=dict(params), dedupe_key=dedupe_key[:160], deliveries={})
                db.session.add(row)
                db.session.flush()
                from .tasks import deliver_notification

                jobs.enqueue(deliver_notification, tenant_id, row.id, queue="default",
                             job_id=f"notification-{row.id}")
        except IntegrityError:  # recorded meanwhile by another delivery of the same event
            return _by_key(dedupe_key).id
        return row.id


def _by_key(key: str) -> Notification | None:
    return db.session.execute(select(Notification).where(Notification.dedupe_key == key[:160])).scalar_one_or_none()


def unread_count() -> int:
    """Unread notifications of the current store."""
    query = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    return db.session.execute(query).scalar_one()


def recent(limit: int = RECENT) -> list[Notification]:
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id).limit(limit)
    return list(db.session.execute(query).scalars())


def mark_read(ids: list[uuid.UUID] | None = None) -> int:
    """Mark the current store's notifications ``ids`` (default: all) read; how many changed. A unit of work."""
    query = update(Notification).where(Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    with unit():
        changed = db.session.execute(query.values(read_at=utcnow()), execution_options={"synchronize_session": False})
    return changed.rowcount
