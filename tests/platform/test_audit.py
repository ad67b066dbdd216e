"""Audit records: one function writes them (``platform.audit.record``), for the current store or a
named one, committed or rolled back with the change they describe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import tenant_context

PACKAGE = Path(__file__).resolve().parents[2] / "kaidian"


def actions(app, tenant_id) -> list[tuple[str, str]]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.detail)
                                  .where(AuditEvent.action.like("test.%"))).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_a_record_belongs_to_the_current_store_and_is_cut_to_fit(app, make_store):
    store = make_store("alpha")
    with app.app_context(), tenant_context(store.tenant_id):
        audit.record("test.one", "x" * 900, actor_id=store.owner_id)
        db.session.commit()
    assert actions(app, store.tenant_id) == [("test.one", "x" * 500)]


def test_a_record_goes_with_its_transaction(app, make_store):
    store = make_store("alpha")
    with app.app_context(), tenant_context(store.tenant_id):
        audit.record("test.rolled_back", tenant_id=store.tenant_id)
        db.session.rollback()
    assert actions(app, store.tenant_id) == []


def test_a_record_needs_a_store(app):
    with app.app_context(), pytest.raises(ValueError):
        audit.record("test.nowhere")


def test_audit_events_are_written_only_through_the_one_function():
    writers = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
               if re.search(r"(?<!class )\bAuditEvent\(", path.read_text())]
    assert writers == ["platform/audit.py"]
