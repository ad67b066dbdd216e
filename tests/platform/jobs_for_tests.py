"""Job functions for the job tests: importable by a real RQ worker, taking ids, as real jobs do."""

from __future__ import annotations

from flask import g

from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import tenant_context

CALLS: list[dict] = []  # what inline jobs saw (same process only)


def record_event(tenant_id, marker: str) -> None:
    """Add an AuditEvent ``test.job`` with ``detail=marker`` to the tenant and commit."""
    with tenant_context(tenant_id):
        db.session.add(AuditEvent(action="test.job", detail=marker))
        db.session.commit()


def record_then_fail(tenant_id, marker: str) -> None:
    """Leave a trace of the attempt (committed), then fail."""
    record_event(tenant_id, marker)
    raise RuntimeError(f"job {marker} fails on purpose")


def remember_call(marker: str) -> None:
    """Note the session and app-context globals the job ran with."""
    CALLS.append({"marker": marker, "session": db.session(), "g_marker": g.get("marker")})


def tick() -> None:
    """A periodic job registered only for the duration of a test."""
