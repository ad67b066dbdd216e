"""Stores set up before selling get its pages and links automatically (``themes/new_pages.py``): the
cart, checkout, pay, orders, order and after-sales pages from their template, the cart tab before
"Me" and the member page's "My orders" / "Cart" links — once, idempotently, keeping the merchant's
edits (published and draft), never re-adding a link the merchant removed later, never touching
another store; the Alembic data migration does it on upgrade."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from kaidian.themes import new_pages
from kaidian.themes.models import Page, PageVersion, ThemeSettings
from tests import factories
from tests.conftest import Backend, make_app

SELLING = ("cart", "checkout", "pay", "orders", "order", "after_sale")
NEW_LINKS = ("/cart", "/orders")
# The revision the data migration follows (it stays the last one: see its docstring).
BEFORE_NEW_PAGES = re.search(r'^down_revision = "(\w+)"', next(
    (Path(__file__).parents[2] / "migrations" / "versions").glob("a7c3newpages_*.py")).read_text(), re.M)[1]


def _without_links(document: dict, section_types: tuple[str, ...] | None = None) -> dict:
    """``document`` with its blocks linking to the selling pages removed (the theme, or its sections)."""
    document = copy.deepcopy(document)
    holders = [document] if section_types is None else [
        s for s in document["sections"].values() if s["type"] in section_types]
    for holder in holders:
        gone = [i for i, b in holder["blocks"].items() if b["settings"].get("link") in NEW_LINKS]
        holder["block_order"] = [i for i in holder["block_order"] if i not in gone]
        for block_id in gone:
            del holder["blocks"][block_id]
    return document


def make_old(app, tenant_id) -> None:
    """Turn a fresh store into one set up before selling, with some merchant edits of its own."""
    with app.app_context(), tenant_context(tenant_id):
        pages = db.session.execute(select(Page).where(Page.handle.in_(SELLING))).scalars().all()
        db.session.execute(delete(PageVersion).where(PageVersion.page_id.in_([p.id for p in pages])))
        for page in pages:
            db.session.delete(page)
        theme = db.session.execute(select(ThemeSettings)).scalar_one()
        published = _without_links(theme.published)
        published["blocks"][published["block_order"][0]]["settings"]["label"] = "逛逛"  # the merchant's word
        draft = copy.deepcopy(published)
        draft["settings"]["primary_color"] = "#123456"  # an unpublished edit
        theme.published, theme.draft = published, draft
        member = db.session.execute(select(Page).where(Page.handle == "member")).scalar_one()
        edited = _without_links(member.published, ("member_links",))
        links = next(s for s in edited["sections"].values() if s["type"] == "member_links")
        links["blocks"][links["block_order"][0]]["settings"]["label"] = "回到首页"
        member.published = member.draft = edited
        db.session.commit()
        db.session.remove()


def state(app, tenant_id) -> dict:
    with app.app_context(), tenant_context(tenant_id):
        theme = db.session.execute(select(ThemeSettings)).scalar_one()
        member = db.session.execute(select(Page).where(Page.handle == "member")).scalar_one()
        handles = set(db.session.execute(select(Page.handle)).scalars())
        history = db.session.execute(select(PageVersion.note).where(PageVersion.page_id == member.id)
                                     .order_by(PageVersion.version)).scalars().all()
        result = {"handles": handles, "theme": copy.deepcopy(theme.published), "draft": copy.deepcopy(theme.draft),
                  "member": copy.deepcopy(member.published), "member_draft": copy.deepcopy(member.draft),
                  "member_version": member.published_version, "history": list(history)}
        db.session.remove()
    return result


def tab_links(theme: dict) -> list[str]:
    return [theme["blocks"][i]["settings"]["link"] for i in theme["block_order"]]


def member_links(page: dict) -> list[tuple[str, str]]:
    section = next(s for s in page["sections"].values() if s["type"] == "member_links")
    return [(section["blocks"][i]["settings"]["link"], section["blocks"][i]["settings"]["label"])
            for i in section["block_order"]]


def run(app) -> dict:
    with app.app_context():
        result = new_pages.add_to_all_stores()
        db.session.remove()
    return result


@pytest.fixture
def old_store(app, make_store):
    store = make_store("oldshop", categories=["apparel"])
    make_old(app, store.tenant_id)
    return store


def test_an_old_store_gets_the_pages_the_cart_tab_and_the_member_links_keeping_its_edits(app, client, old_store):
    before = state(app, old_store.tenant_id)
    assert not before["handles"] & set(SELLING) and "/cart" not in tab_links(before["theme"])
    assert run(app)["upgraded"] == 1
    after = state(app, old_store.tenant_id)
    assert set(SELLING) <= after["handles"]
    # the cart tab where the template has it (before "Me"), in the published theme and in the draft
    assert tab_links(after["theme"]) == ["/", "/categories", "/cart", "/member"]
    assert tab_links(after["draft"]) == ["/", "/categories", "/cart", "/member"]
    first = after["theme"]["block_order"][0]
    assert after["theme"]["blocks"][first]["settings"]["label"] == "逛逛"  # the merchant's label stays
    assert after["draft"]["settings"]["primary_color"] == "#123456"  # so does the unpublished edit
    assert after["theme"]["settings"] == before["theme"]["settings"]
    # the member page: "My orders" and "Cart" first, the merchant's own links after, as they were
    links = member_links(after["member"])
    assert [link for link, _ in links[:2]] == ["/orders", "/cart"]
    assert links[2:] == member_links(before["member"]) and ("/", "回到首页") in links
    assert member_links(after["member_draft"]) == links
    assert after["member_version"] == before["member_version"] + 1 and after["history"][-1].startswith("new pages")
    # the shopper sees them: the home page's tab bar links the cart, the cart page is there
    home = client.get("/", base_url="http://oldshop.localhost").get_data(as_text=True)
    assert 'href="/cart"' in home
    assert client.get("/cart", base_url="http://oldshop.localhost").status_code in (200, 302)


def test_it_runs_once_and_never_re_adds_what_the_merchant_removed(app, old_store):
    run(app)
    done = state(app, old_store.tenant_id)
    assert run(app)["upgraded"] == 0 and state(app, old_store.tenant_id) == done  # idempotent
    with app.app_context(), tenant_context(old_store.tenant_id):  # the merchant removes the cart tab later
        theme = db.session.execute(select(ThemeSettings)).scalar_one()
        theme.published = theme.draft = _without_links(theme.published)
        db.session.commit()
        db.session.remove()
    run(app)
    assert "/cart" not in tab_links(state(app, old_store.tenant_id)["theme"])


def test_a_full_tab_bar_is_left_as_the_merchant_made_it(app, old_store):
    with app.app_context(), tenant_context(old_store.tenant_id):
        theme = db.session.execute(select(ThemeSettings)).scalar_one()
        full = copy.deepcopy(theme.published)
        for n in range(5 - len(full["block_order"])):
            full["blocks"][f"mine-{n}"] = {"type": "tab", "settings": {"icon": "star", "label": "活动",
                                                                       "link": "/search"}, "disabled": False}
            full["block_order"].append(f"mine-{n}")
        theme.published = theme.draft = full
        db.session.commit()
        db.session.remove()
    run(app)
    after = state(app, old_store.tenant_id)
    assert set(SELLING) <= after["handles"] and "/cart" not in tab_links(after["theme"])
    assert len(after["theme"]["block_order"]) == 5


def test_other_stores_are_untouched(app, make_store, old_store):
    current = make_store("newshop")
    before = state(app, current.tenant_id)
    assert run(app) == {"stores": 2, "upgraded": 1}
    assert state(app, current.tenant_id) == before


def test_the_migration_does_it_on_upgrade(tmp_path):
    """The embedded default (SQLite): a database at the revision before, with an old store; ``flask db
    upgrade`` gives it its pages."""
    app = make_app(Backend("sqlite", f"sqlite:///{tmp_path / 'kaidian.db'}"), tmp_path / "media")
    try:
        with app.app_context():
            upgrade(revision=BEFORE_NEW_PAGES)
            db.session.remove()
        store = factories.store(app, "legacy", categories=["food"])
        make_old(app, store.tenant_id)
        assert not state(app, store.tenant_id)["handles"] & set(SELLING)
        with app.app_context():
            upgrade()
            db.session.remove()
        after = state(app, store.tenant_id)
        assert set(SELLING) <= after["handles"] and "/cart" in tab_links(after["theme"])
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_migration_does_it_on_postgresql(app, backend, old_store):
    """The same on PostgreSQL: the migration (run as the owner) hands the work to the application's
    session (the application role, row-level security per store) after committing what came before."""
    if backend.kind != "postgresql":
        pytest.skip("PostgreSQL only")
    from flask_migrate import downgrade

    with app.app_context():
        downgrade(revision=BEFORE_NEW_PAGES)  # the data migration's downgrade changes nothing but the version
        db.session.remove()
    try:
        assert not state(app, old_store.tenant_id)["handles"] & set(SELLING)
    finally:
        with app.app_context():
            upgrade()
            db.session.remove()
    after = state(app, old_store.tenant_id)
    assert set(SELLING) <= after["handles"] and tab_links(after["theme"]) == ["/", "/categories", "/cart", "/member"]
