"""Per-process memos of a store's settings that hot paths read on every request (the payment window
and the freight templates a checkout needs), like the store of a host name (``sites.py``).

A value is kept per (store, key) for ``HOST_CACHE_SECONDS`` (default 5; 0 reads it every time). A
change to a watched model made through this process's session — a flushed object, or a bulk
``update``/``delete`` statement — forgets that store's values at once, and again at the commit (so a
value read by another request between the flush and the commit does not outlive it); other
processes see a change within the memo's seconds. Memos are bounded (``MAX_ENTRIES`` each, emptied
when full). Nothing is memoised outside a store (no current tenant, or ``all_tenants()``).

Written here rather than taken from a library: the value is only useful together with the
invalidation by the ORM's own events, which is most of these lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .tenancy import current_tenant_id, seeing_all_tenants

_MEMOS: list[TenantMemo] = []
_CHANGED = "kaidian_memo_changed"  # on session.info: tenant ids whose watched rows changed


class TenantMemo:
    MAX_ENTRIES = 10_000

    def __init__(self, *watched: type):
        self.watched = watched
        self.entries: dict[tuple, tuple[float, object]] = {}
        self.lock = threading.Lock()
        _MEMOS.append(self)

    def get(self, key: Hashable, load: Callable[[], object]):
        """The current store's value for ``key``: memoised, else ``load()`` (and memoised)."""
        seconds = current_app.config.get("HOST_CACHE_SECONDS", 5)
        tenant_id = current_tenant_id()
        if not seconds or tenant_id is None or seeing_all_tenants():
            return load()
        hit = self.entries.get((tenant_id, key))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = load()
        with self.lock:
            if len(self.entries) >= self.MAX_ENTRIES:
                self.entries.clear()
            self.entries[(tenant_id, key)] = (time.monotonic() + seconds, value)
        return value

    def forget(self, tenant_ids) -> None:
        with self.lock:
            for entry in [entry for entry in self.entries if entry[0] in tenant_ids]:
                del self.entries[entry]


def _forget(session: Session, tenant_ids: set) -> None:
    if not tenant_ids:
        return
    session.info.setdefault(_CHANGED, set()).update(tenant_ids)
    for memo in _MEMOS:
        memo.forget(tenant_ids)


def _after_flush(session, flush_context) -> None:
    rows = (*session.new, *session.dirty, *session.deleted)
    for memo in _MEMOS:
        changed = {row.tenant_id for row in rows if isinstance(row, memo.watched)}
        if changed:
            _forget(session, changed)


def _on_execute(state) -> None:
    """A bulk update or delete of a watched model: forget the current store's values (all of them
    under ``all_tenants()``, which may have touched any store)."""
    if not (state.is_update or state.is_delete):
        return
    classes = {mapper.class_ for mapper in state.all_mappers}
    for memo in _MEMOS:
        if classes & set(memo.watched):
            if seeing_all_tenants() or current_tenant_id() is None:
                with memo.lock:
                    memo.entries.clear()
            else:
                _forget(state.session, {current_tenant_id()})


def _after_commit(session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        for memo in _MEMOS:
            memo.forget(changed)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _on_execute)
event.listen(Session, "after_commit", _after_commit)
