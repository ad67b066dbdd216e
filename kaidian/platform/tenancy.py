"""Tenancy: the current tenant, automatic ORM scoping, and PostgreSQL row-level security.

Two walls keep tenants apart:

1. Every ORM ``select``/``update``/``delete`` touching a ``TenantScoped`` model gets
   ``tenant_id = <current tenant>`` added (``with_loader_criteria``). With no current tenant the
   criterion is ``tenant_id = NULL``, true for no row: nothing is visible (fail closed). New rows get the current
   tenant's id; writing a row of another tenant raises ``CrossTenantWrite``.
2. On PostgreSQL every transaction carries ``app.tenant_id`` (``set_config(..., true)``) and the
   policies created by ``enable_tenant_rls`` show only that tenant's rows, even to raw SQL.

Code that must see every tenant (the platform console, periodic jobs) says so explicitly with
``all_tenants()``, which sets ``app.all_tenants = on`` for the transaction.
"""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager

from flask import g, has_request_context
from sqlalchemy import ForeignKey, Uuid, bindparam, event, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from werkzeug.local import LocalProxy

_tenant_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar("tenant_id", default=None)
_all_tenants: contextvars.ContextVar[bool] = contextvars.ContextVar("all_tenants", default=False)


class CrossTenantWrite(RuntimeError):
    """A row of one tenant was about to be written while another tenant is current."""


class TenantScoped:
    """Mixin for tenant-owned rows: primary key ``(tenant_id, id)``, scoped automatically."""

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(
            Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-20
        )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4, sort_order=-10)


def current_tenant_id() -> uuid.UUID | None:
    return _tenant_id.get()


def _load_current_tenant():
    return g.get("tenant") if has_request_context() else None


current_tenant = LocalProxy(_load_current_tenant)


@contextmanager
def tenant_context(tenant_id: uuid.UUID | None):
    """Make ``tenant_id`` current for the block (requests, jobs, CLI, tests)."""
    token = _tenant_id.set(tenant_id)
    _sync_rls_setting()
    try:
        yield
    finally:
        _tenant_id.reset(token)
        _sync_rls_setting()


def activate(tenant_id: uuid.UUID | None) -> None:
    """Make ``tenant_id`` current until the end of the request (reset by ``deactivate``)."""
    _tenant_id.set(tenant_id)
    _sync_rls_setting()


def deactivate() -> None:
    _tenant_id.set(None)
    _all_tenants.set(False)


@contextmanager
def only_tenant(tenant_id: uuid.UUID):
    """Act for ``tenant_id`` alone, even inside ``all_tenants()`` (new rows take this store): for work
    a platform view or an inline job started for one store."""
    token = _all_tenants.set(False)
    try:
        with tenant_context(tenant_id):
            yield
    finally:
        _all_tenants.reset(token)
        _sync_rls_setting()


@contextmanager
def all_tenants():
    """Explicitly see every tenant's rows (platform console, periodic jobs)."""
    token = _all_tenants.set(True)
    _sync_rls_setting()
    try:
        yield
    finally:
        _all_tenants.reset(token)
        _sync_rls_setting()


def seeing_all_tenants() -> bool:
    return _all_tenants.get()


# --- wall 1: the ORM -------------------------------------------------------------------------


# One criterion for every statement: the tenant comes in as the bound parameter ``_kd_tenant``, set on
# each execution below. (A lambda closing over the tenant id, built per statement, cost ~0.2 ms of
# CPU per ORM statement to build, analyse and bind — more than the database spent on most of them.)
_TENANT_PARAM = "_kd_tenant"
_TENANT = bindparam(_TENANT_PARAM, type_=Uuid())
_TENANT_CRITERION = with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == _TENANT, include_aliases=True)


def _scope_statement(orm_execute_state) -> None:
    state = orm_execute_state
    if not (state.is_select or state.is_update or state.is_delete) or _all_tenants.get():
        return
    if state.execution_options.get("skip_tenant_scope"):
        return
    tenant_id = _tenant_id.get()  # None: no current tenant, and ``tenant_id = NULL`` matches no row
    state.statement = state.statement.options(_TENANT_CRITERION)
    params = state.parameters
    if isinstance(params, list | tuple):  # executemany (a bulk update by primary key)
        state.parameters = [{**row, _TENANT_PARAM: tenant_id} for row in params]
    else:
        state.parameters = {**(params or {}), _TENANT_PARAM: tenant_id}


def _stamp_new_rows(session, flush_context, instances) -> None:
    if _all_tenants.get():
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, TenantScoped):
            _stamp(obj, new=obj in session.new)
    tenant_id = _tenant_id.get()
    for obj in session.deleted:
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")


def stamp_new_row(obj) -> None:
    """Wall 1 for a new row written without a flush (``rows.values_of``): as ``_stamp_new_rows`` does."""
    if isinstance(obj, TenantScoped) and not _all_tenants.get():
        _stamp(obj, new=True)


def _stamp(obj, new: bool) -> None:
    tenant_id = _tenant_id.get()
    if obj.tenant_id is None and new:
        obj.tenant_id = tenant_id
    if obj.tenant_id != tenant_id:
        raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")


# --- wall 2: PostgreSQL row-level security ----------------------------------------------------

_RLS_SQL = text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.all_tenants', :all, true)")


def _rls_params() -> dict[str, str]:
    tenant_id = _tenant_id.get()
    return {"tenant": str(tenant_id) if tenant_id else "", "all": "on" if _all_tenants.get() else "off"}


def _set_rls_on_begin(session, transaction, connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_RLS_SQL, _rls_params())


def _sync_rls_setting() -> None:
    """Carry a change of tenant into a transaction that is already open."""
    from .extensions import db

    try:
        session = db.session()
    except RuntimeError:  # no app context: the next transaction will carry it
        return
    if session.in_transaction() and db.engine.dialect.name == "postgresql":
        session.connection().execute(_RLS_SQL, _rls_params())


def install_session_hooks() -> None:
    """Attach both walls to every SQLAlchemy session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_statement):
        event.listen(Session, "do_orm_execute", _scope_statement)
        event.listen(Session, "before_flush", _stamp_new_rows)
        event.listen(Session, "after_begin", _set_rls_on_begin)


def rls_policy_sql(table: str) -> list[str]:
    """The statements a migration runs to put ``table`` behind row-level security."""
    condition = (
        "(current_setting('app.all_tenants', true) = 'on' "
        "OR tenant_id::text = current_setting('app.tenant_id', true))"
    )
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING {condition} WITH CHECK {condition}",
    ]


def enable_tenant_rls(op, table: str) -> None:
    """Used by migrations: row-level security on PostgreSQL, nothing on SQLite."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls_policy_sql(table):
        op.execute(statement)
