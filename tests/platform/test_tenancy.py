"""Tenancy's two walls: ORM scoping and PostgreSQL row-level security."""

import pytest
from sqlalchemy import func, select, text, update

from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent, Membership
from kaidian.platform.tenancy import CrossTenantWrite, all_tenants, tenant_context


def _events_seen(tenant_id):
    with tenant_context(tenant_id):
        return {e.tenant_id for e in db.session.execute(select(AuditEvent)).scalars()}


def test_orm_queries_see_only_the_current_tenant(app, ctx, make_store):
    a, b = make_store("alpha"), make_store("bravo")
    assert _events_seen(a.tenant_id) == {a.tenant_id}
    assert _events_seen(b.tenant_id) == {b.tenant_id}


def test_without_a_tenant_nothing_is_visible(ctx, make_store):
    make_store("alpha")
    assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 0
    assert db.session.execute(select(Membership)).all() == []


def test_all_tenants_is_explicit(ctx, make_store):
    make_store("alpha"), make_store("bravo")
    with all_tenants():
        assert len(db.session.execute(select(Membership)).all()) == 2


def test_new_rows_take_the_current_tenant(ctx, make_store):
    a = make_store("alpha")
    with tenant_context(a.tenant_id):
        event = AuditEvent(action="x")
        db.session.add(event)
        db.session.commit()
        assert event.tenant_id == a.tenant_id


def test_writing_another_tenants_row_is_refused(ctx, make_store):
    a, b = make_store("alpha"), make_store("bravo")
    with tenant_context(a.tenant_id):
        db.session.add(AuditEvent(tenant_id=b.tenant_id, action="sneaky"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with all_tenants():
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "sneaky")).first() is None


def test_bulk_update_is_scoped(ctx, make_store):
    a, _ = make_store("alpha"), make_store("bravo")
    with tenant_context(a.tenant_id):
        db.session.execute(update(AuditEvent).values(detail="changed"))
        db.session.commit()
    with all_tenants():
        rows = db.session.execute(select(AuditEvent.tenant_id, AuditEvent.detail)).all()
    assert {t for t, d in rows if d == "changed"} == {a.tenant_id}


@pytest.fixture
def postgres_only(backend):
    if backend.kind != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")


def test_rls_hides_other_tenants_when_the_orm_scoping_is_bypassed(postgres_only, ctx, make_store):
    a, _ = make_store("alpha"), make_store("bravo")
    with tenant_context(a.tenant_id):
        raw = db.session.execute(text("SELECT DISTINCT tenant_id FROM memberships")).scalars().all()
        unscoped = db.session.execute(select(Membership), execution_options={"skip_tenant_scope": True}).scalars()
        assert {str(t) for t in raw} == {str(a.tenant_id)}
        assert {m.tenant_id for m in unscoped} == {a.tenant_id}


def test_rls_refuses_inserting_into_another_tenant_with_raw_sql(postgres_only, ctx, make_store):
    a, b = make_store("alpha"), make_store("bravo")
    with tenant_context(a.tenant_id):
        with pytest.raises(Exception, match="row-level security"):
            db.session.execute(text(
                "INSERT INTO audit_events (tenant_id, id, action, detail, created_at) "
                "VALUES (:t, gen_random_uuid(), 'raw', '', now())"), {"t": b.tenant_id})
        db.session.rollback()
    with all_tenants():
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "raw")).first() is None


def test_rls_shows_nothing_without_a_tenant(postgres_only, ctx, make_store):
    make_store("alpha")
    assert db.session.execute(text("SELECT count(*) FROM memberships")).scalar() == 0


def test_the_app_connects_as_a_role_rls_applies_to(postgres_only, ctx):
    row = db.session.execute(text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert row == (False, False)
