"""The schema comes from the migrations, and they agree with the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import TenantScoped


def _owner_engine(backend):
    return create_engine(backend.owner_url.replace("postgresql://", "postgresql+psycopg://")) \
        if backend.kind == "postgresql" else db.engine


def test_models_and_migrations_agree(backend, ctx):
    engine = _owner_engine(backend)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _tenant_tables():
    return sorted(m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped))


def test_every_tenant_table_starts_its_primary_key_with_tenant_id(ctx):
    for mapper in db.Model.registry.mappers:
        if issubclass(mapper.class_, TenantScoped):
            assert [c.name for c in mapper.local_table.primary_key.columns][0] == "tenant_id", mapper.class_


def test_every_tenant_table_is_behind_row_level_security(backend, ctx):
    if backend.kind != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")
    with _owner_engine(backend).connect() as connection:
        rows = connection.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_policies p ON p.tablename = c.relname WHERE p.policyname = 'tenant_isolation'")).all()
    protected = {name for name, enabled, forced in rows if enabled and forced}
    assert set(_tenant_tables()) <= protected
