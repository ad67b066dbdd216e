"""Reads never write: a store's theme is set up when the store is created (``tenant.created``), so a
shopper's first page views of a brand-new store change no row and flush nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from kaidian.themes import page_kinds
from kaidian.themes.models import Page, ThemeSettings
from tests.themes.helpers import store_get

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.I)


def test_signing_up_sets_up_the_theme(app, make_store):
    store = make_store("fresh", categories=["food"])
    with app.app_context(), tenant_context(store.tenant_id):
        theme = db.session.execute(select(ThemeSettings)).scalar_one()
        pages = db.session.execute(select(func.count()).select_from(Page)).scalar()
        db.session.remove()
    assert theme.template == "food" and theme.published_version == 1 and pages == len(page_kinds.system_handles())


@pytest.mark.parametrize("path", ["/", "/categories", "/products", "/search?q=tea"])
def test_a_shoppers_first_get_on_a_brand_new_store_writes_nothing(app, client, make_store, path):
    make_store("fresh")
    writes, flushes = [], []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if WRITE.match(statement):
            writes.append(statement)

    def on_flush(session, flush_context):
        flushes.append(list(session.new) + list(session.dirty) + list(session.deleted))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(Session, "after_flush", on_flush)
    try:
        response = store_get(client, "fresh", path)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(Session, "after_flush", on_flush)
    assert response.status_code == 200
    assert writes == [] and flushes == []


def test_a_store_without_a_theme_is_not_set_up_by_a_page_view(app, client, make_store):
    store = make_store("legacy")
    with app.app_context(), tenant_context(store.tenant_id):
        db.session.execute(Page.__table__.delete())
        db.session.execute(ThemeSettings.__table__.delete())
        db.session.commit()
    assert store_get(client, "legacy").status_code == 404
    with app.app_context(), tenant_context(store.tenant_id):
        assert db.session.execute(select(func.count()).select_from(ThemeSettings)).scalar() == 0
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["kaidian", "setup-themes"])
    assert "set up 1 store themes" in result.output
    assert store_get(client, "legacy").status_code == 200
