"""The page-kind registry: a kind declared in one place (path, routes, provider, sections, defaults,
private or cacheable) is served by the store, set up for new stores, listed by the builder — and
the closed-store check covers every kind's route."""

from __future__ import annotations

import pytest
from flask import abort

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.tenancy import tenant_context
from kaidian.themes import page_kinds, public, registry
from kaidian.themes.page_kinds import PageKind, SectionType, Subject
from tests.conftest import login, make_app, post_form
from tests.themes.helpers import store_get

LOADS = []


def _toy_subject(number: int) -> Subject:
    """A toy provider: the number in the path is the subject; 13 does not exist."""

    def load():
        LOADS.append(number)
        if number == 13:
            abort(404)
        return {"number": number}

    return Subject(str(number), load)


def _toy_cart_subject() -> Subject:
    return Subject(customer={"nickname": "Shopper"}, load=lambda: {"number": 99})


TOY_BOX = SectionType(type="toy_box", name="Toy box", category="page", settings=[], pages=(), limit=1,
                      loader=lambda view, ctx: {"number": (ctx.subject or {}).get("number")})
TOY = PageKind("toy", "Toy page", path="/toy", routes=("/toy/<int:number>",), subject=_toy_subject,
               preview=lambda args, industry: {"number": 1}, meta=lambda s: (f"Toy {s.get('number')}", "", ""),
               sections=("toy_box",), defaults={"*": [("box", "toy_box", {}, [])]}, position=50)
TOY_CART = PageKind("toy-cart", "Toy cart", path="/toy-cart", routes=("/toy-cart",), subject=_toy_cart_subject,
                    sections=("toy_box",), defaults={"*": [("box", "toy_box", {}, [])]}, private=True, position=51)


@pytest.fixture
def toy_app(backend, tmp_path):
    """A fresh app with two toy page kinds registered as a domain's ``init_app`` would (and a section
    type of their own, its template in the domain's folder), forgotten afterwards."""
    folder = tmp_path / "templates"
    (folder / "themes" / "sections").mkdir(parents=True)
    (folder / "themes" / "sections" / "toy_box.html").write_text(
        '<p class="toy-box">Number {{ data.number }}</p>', encoding="utf-8")
    page_kinds.register_section(TOY_BOX, str(folder))
    app = make_app(backend, tmp_path / "media")
    page_kinds.register(app, TOY)
    page_kinds.register(app, TOY_CART)
    LOADS.clear()
    try:
        yield app
    finally:
        page_kinds.unregister(TOY.handle)
        page_kinds.unregister(TOY_CART.handle)
        registry.SECTIONS.pop(TOY_BOX.type, None)
        registry.TEMPLATE_FOLDERS.remove(str(folder))


def test_a_registered_page_kind_is_served_from_its_provider_and_cached(toy_app, make_store):
    make_store("toyshop")  # set up after the kind exists: the store gets the kind's default page
    client = toy_app.test_client()
    first = store_get(client, "toyshop", "/toy/7")
    html = first.get_data(as_text=True)
    assert first.status_code == 200, html[:300]
    assert '<p class="toy-box">Number 7</p>' in html and "<title>Toy 7 - " in html
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = store_get(client, "toyshop", "/toy/7")
    assert again.headers["ETag"] == first.headers["ETag"] and LOADS == [7]  # a cache hit loads nothing
    assert "Number 8" in store_get(client, "toyshop", "/toy/8").get_data(as_text=True)
    assert store_get(client, "toyshop", "/toy/13").status_code == 404  # the provider's 404


def test_a_private_page_kind_is_never_shared_cached(toy_app, make_store):
    make_store("toyshop")
    client = toy_app.test_client()
    response = store_get(client, "toyshop", "/toy-cart")
    assert response.status_code == 200 and "Number 99" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert page_kinds.is_private("toy-cart") and not page_kinds.is_private("toy")


def test_the_builder_lists_and_previews_a_registered_kind(toy_app, make_store):
    store = make_store("toyshop")
    client = toy_app.test_client()
    login(client, store.login)
    with toy_app.test_request_context("/admin/builder/toy"), tenant_context(store.tenant_id):
        tenant = db.session.get(Tenant, store.tenant_id)
        rows = {row["handle"]: row for row in public.page_rows(tenant)}
        html = public.preview_page(tenant, "toy", "draft", {})
        from kaidian.themes.links import Links

        links = Links(tenant, preview="draft")  # a link to the kind's address stays inside the preview
        assert links.href("/toy/5") == "/admin/theme/preview/toy?version=draft&subject=5"
        assert links.href("/toy") == "/admin/theme/preview/toy?version=draft"
    assert rows["toy"]["label"] == "Toy page" and rows["toy"]["path"] == "/toy" and rows["toy"]["kind"] == "system"
    assert public.page_kind("toy") == "toy" and public.store_path("toy") == "/toy"
    assert "Number 1" in html  # the kind's preview provider
    library = client.get("/api/v1/theme/sections").get_json()
    assert {"kind": "toy", "label": "Toy page", "path": "/toy", "private": False} in library["pages"]
    assert "/toy" in client.get("/admin/builder/toy").get_data(as_text=True)
    # the kind's handle is taken: no custom page may use it, and nothing changed
    refused = post_form(client, "/admin/builder/new", {"handle": "toy-cart", "title": "Mine"})
    assert refused.status_code == 409
    with toy_app.app_context(), tenant_context(store.tenant_id):
        assert public.custom_page_count(db.session.get(Tenant, store.tenant_id)) == 0


def test_a_section_made_for_a_kind_is_refused_on_other_pages(toy_app, make_store):
    from kaidian.platform.errors import ValidationFailed
    from kaidian.themes import documents

    with toy_app.app_context():
        document = {"sections": {"box": {"type": "toy_box"}}, "order": ["box"]}
        assert documents.validate_document(document, "toy")["order"] == ["box"]
        with pytest.raises(ValidationFailed):
            documents.validate_document(document, "home")


CLOSED_PATHS = ["/", "/categories", "/categories/00000000-0000-4000-8000-000000000001", "/products",
                "/products/00000000-0000-4000-8000-000000000002", "/search?q=x", "/member", "/pages/anything",
                "/api/store/stock?products=x", "/wechat/login", "/no-such-page"]


@pytest.mark.parametrize("path", CLOSED_PATHS)
def test_a_closed_store_answers_every_store_page_with_its_closed_page(app, client, make_store, path):
    store = make_store("shut")
    with app.app_context():
        db.session.get(Tenant, store.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    response = store_get(client, "shut", path)
    assert response.status_code == 403, path
    assert "/static/themes/storefront.css" in response.get_data(as_text=True)  # the closed page, in its theme
    assert store_get(client, "shut", "/static/themes/storefront.css").status_code == 200


def test_stores_set_up_before_a_kind_existed_get_its_page_from_setup_themes(toy_app, make_store):
    from sqlalchemy import select

    from kaidian.themes.models import Page

    store = make_store("toyshop")
    with toy_app.app_context(), tenant_context(store.tenant_id):  # as if set up before the kind was registered
        db.session.execute(Page.__table__.delete().where(Page.handle == "toy"))
        db.session.commit()
    client = toy_app.test_client()
    assert store_get(client, "toyshop", "/toy/1").status_code == 404  # reads never write
    result = toy_app.test_cli_runner().invoke(args=["kaidian", "setup-themes"])
    assert "added new pages to 1 stores" in result.output, result.output
    assert "Number 1" in store_get(client, "toyshop", "/toy/1").get_data(as_text=True)
    with toy_app.app_context(), tenant_context(store.tenant_id):
        handles = list(db.session.execute(select(Page.handle).order_by(Page.handle)).scalars())
    assert handles.count("toy") == 1 and "home" in handles
    again = toy_app.test_cli_runner().invoke(args=["kaidian", "setup-themes"])
    assert "added new pages to 0 stores" in again.output


@pytest.mark.parametrize("path", ["/categories", "/search?q=x", "/products", "/member"])
def test_page_kind_routes_serve_only_store_sites(client, path):
    assert client.get(path, headers={"Host": "localhost"}).status_code == 404  # the platform host
