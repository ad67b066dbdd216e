"""Ordinary bad input gets a 4xx naming the field, never a server error, and changes nothing:
NUL bytes (PostgreSQL stores them nowhere), integers beyond their column, host names IDNA refuses,
link settings that would collide with the preview's own arguments, and blank names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kaidian.catalog.models import Category, Product, Sku
from kaidian.platform.extensions import db
from kaidian.platform.fields import INT32_MAX
from kaidian.platform.money import MAX_FEN
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import api_token, login, post_form
from tests.themes.helpers import one_section, page_of, save_draft, store_get


@pytest.fixture
def owner(make_store):
    return make_store("alpha", plan="pro", categories=["apparel"])


@pytest.fixture
def headers(client, owner):
    return api_token(client, owner.login)


def _count(app, tenant_id, model) -> int:
    with app.app_context(), tenant_context(tenant_id):
        count = db.session.execute(select(func.count()).select_from(model)).scalar()
        db.session.remove()
    return count


def _refused(response, field: str, status: int = 422):
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert field in body["error"]["fields"], body


def _product(price=1200, title="Linen shirt", **extra) -> dict:
    return {"title": title, "skus": [{"price": price, "stock": 3}], **extra}


# --- NUL bytes -------------------------------------------------------------------------------------------


def test_a_nul_byte_in_the_api_login_is_refused_without_logging_in(client, owner):
    _refused(client.post("/api/v1/login", json={"login": owner.login + "\x00", "password": owner.password}), "login")
    _refused(client.post("/api/v1/login", json={"login": owner.login, "password": "a\x00b"}), "password")


def test_a_nul_byte_in_an_html_form_is_refused(client, owner):
    response = post_form(client, "/login", {"login": "x\x00y@example.com", "password": owner.password})
    assert response.status_code == 422
    assert client.get("/admin/", follow_redirects=False).status_code != 200  # not logged in


@pytest.mark.parametrize("body", [
    _product(title="Shirt\x00"),
    _product(subtitle="a\x00b"),
    {**_product(), "skus": [{"price": 100, "stock": 1, "code": "C\x00"}]},
], ids=["title", "subtitle", "sku-code"])
def test_a_nul_byte_in_any_api_text_field_is_refused_and_nothing_is_saved(app, client, owner, headers, body):
    response = client.post("/api/v1/products", headers=headers, json=body)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]
    assert _count(app, owner.tenant_id, Product) == 0


def test_a_nul_byte_in_a_page_document_or_a_query_is_refused(client, owner, headers):
    before = page_of(client, headers, "home")
    document = one_section("rich_text", {"heading": "Hi\x00"})
    response = save_draft(client, headers, "home", document, before["draft_revision"])
    assert response.status_code == 422 and response.get_json()["error"]["fields"]
    assert page_of(client, headers, "home") == before
    _refused(client.get("/api/v1/products?q=a%00b", headers=headers), "q")
    assert store_get(client, "alpha", "/search?q=a%00b").status_code == 422


@pytest.mark.parametrize("text", ["a\x01b", "a\x1bb", "a\x7fb"], ids=["soh", "escape", "delete"])
def test_other_control_characters_are_refused_in_text_fields(client, owner, headers, text):
    _refused(client.post("/api/v1/categories", headers=headers, json={"name": text}), "name")


# --- integers beyond their column -------------------------------------------------------------------------


def test_a_revision_beyond_32_bits_is_refused(client, owner, headers):
    before = page_of(client, headers, "home")
    for base in (3_000_000_000, -1):
        _refused(client.put("/api/v1/pages/home/draft", headers=headers,
                            json={"document": before["draft"], "base_revision": base}), "base_revision")
        _refused(client.post("/api/v1/pages/home/publish", headers=headers, json={"base_revision": base}),
                 "base_revision")
    assert page_of(client, headers, "home") == before


@pytest.mark.parametrize("path", ["/api/v1/pages/home/versions/99999999999",
                                  f"/api/v1/pages/home/versions/{INT32_MAX + 1}"])
def test_a_url_integer_beyond_32_bits_is_not_found(client, owner, headers, path):
    response = client.get(path, headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    restore = client.post(path + "/restore", headers=headers, json={"base_revision": 1})
    assert restore.status_code == 404


def test_a_price_up_to_max_fen_is_stored_and_more_is_refused(app, client, owner, headers):
    created = client.post("/api/v1/products", headers=headers, json=_product(price=3_000_000_000,
                                                                             title="Gold bar"))
    assert created.status_code == 201, created.get_json()
    sku = created.get_json()["skus"][0]
    assert sku["price"] == 3_000_000_000
    top = client.patch(f"/api/v1/products/{created.get_json()['id']}/skus/{sku['id']}", headers=headers,
                       json={"price": MAX_FEN, "original_price": MAX_FEN})
    assert top.status_code == 200 and top.get_json()["price"] == MAX_FEN
    _refused(client.post("/api/v1/products", headers=headers, json=_product(price=MAX_FEN + 1)), "skus")
    with app.app_context(), tenant_context(owner.tenant_id):
        prices = db.session.execute(select(Sku.price, Sku.original_price)).all()
        db.session.remove()
    assert prices == [(MAX_FEN, MAX_FEN)]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Tea", "position": INT32_MAX + 1}, "position"),
    ({"name": "Tea", "position": 1.5}, "position"),
])
def test_out_of_range_or_fractional_integers_are_refused(app, client, owner, headers, body, field):
    _refused(client.post("/api/v1/categories", headers=headers, json=body), field)
    assert _count(app, owner.tenant_id, Category) == 0


# --- hosts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["a" * 64 + ".localhost", "a" * 64 + ".example.com", "shop..example.com",
                                  "localhost:99x", "[::1"])
def test_a_host_name_idna_refuses_is_a_bad_request(client, host):
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_63_character_label_is_still_a_host(client):
    assert client.get("/", headers={"Host": "a" * 63 + ".localhost"}).status_code == 404  # no such store


# --- link settings and the owner's preview ---------------------------------------------------------------


@pytest.mark.parametrize("link", ["/?version=x", "/?handle=x", "/categories?_external=1&_anchor=x",
                                  "/products/abc?version=published&subject=x"])
def test_a_link_with_the_previews_own_arguments_does_not_break_the_preview(client, owner, headers, link):
    page = page_of(client, headers, "home")
    document = one_section("announcement_bar", {"text": "Sale", "link": link})
    assert save_draft(client, headers, "home", document, page["draft_revision"]).status_code == 200
    login(client, owner.login)
    preview = client.get("/admin/theme/preview/home")
    assert preview.status_code == 200
    assert "/admin/theme/preview/" in preview.get_data(as_text=True)


# --- blank names (#10) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/categories", {"name": "   "}, "name"),
    ("/api/v1/groups", {"name": "\u3000 \t"}, "name"),
    ("/api/v1/products", _product(title="   ", status="on_sale"), "title"),
    ("/api/v1/pages", {"handle": "   "}, "handle"),
    ("/api/v1/tokens", {"name": "  "}, "name"),
])
def test_a_whitespace_only_name_is_refused(app, client, owner, headers, path, body, field):
    _refused(client.post(path, headers=headers, json=body), field)
    assert _count(app, owner.tenant_id, Category) == 0 and _count(app, owner.tenant_id, Product) == 0


def test_names_are_trimmed_in_the_api_and_in_html_forms(app, client, owner, headers):
    created = client.post("/api/v1/categories", headers=headers, json={"name": "  Tea \t"})
    assert created.status_code == 201 and created.get_json()["name"] == "Tea"
    product = client.post("/api/v1/products", headers=headers, json=_product(title="  Green tea  "))
    assert product.get_json()["title"] == "Green tea"
    login(client, owner.login)
    post_form(client, "/admin/catalog/categories", {"name": "   "}, follow_redirects=True)
    post_form(client, "/admin/catalog/categories", {"name": "  Coffee  "}, follow_redirects=True)
    with app.app_context(), tenant_context(owner.tenant_id):
        names = sorted(db.session.execute(select(Category.name)).scalars())
        db.session.remove()
    assert names == ["Coffee", "Tea"]


def test_nothing_was_written_for_another_store(app, owner):
    with app.app_context(), all_tenants():
        assert db.session.execute(select(func.count()).select_from(Category)).scalar() == 0
        db.session.remove()


# --- the API keeps its promises (the cases schemathesis found) ------------------------------------------


def test_wrong_credentials_are_a_401_in_the_one_error_shape(client, owner):
    response = client.post("/api/v1/login", json={"login": owner.login, "password": "wrongpass1"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/categories", {"name": "Tea"}),
    ("/api/v1/groups", {"name": "New"}),
    ("/api/v1/pages", {"handle": "about"}),
    ("/api/v1/pages", {"handle": "home"}),
], ids=["category", "group", "page", "reserved-page"])
def test_a_name_already_taken_is_a_conflict(client, owner, headers, path, body):
    if body.get("handle") != "home":
        assert client.post(path, headers=headers, json=body).status_code == 201
    _refused(client.post(path, headers=headers, json=body), next(iter(body)), status=409)


def test_a_taken_slug_at_signup_is_a_conflict(client, owner):
    body = {"login": "new@example.com", "password": "goodpass123", "store_name": "New", "slug": "alpha",
            "plan": "basic"}
    _refused(client.post("/api/v1/signup", json=body), "slug", status=409)


def test_a_missing_required_body_is_refused_and_an_optional_one_is_not(app, client, owner, headers):
    group = client.post("/api/v1/groups", headers=headers, json={"name": "New"}).get_json()
    _refused(client.patch(f"/api/v1/groups/{group['id']}", headers=headers), "body")
    _refused(client.post("/api/v1/categories", headers=headers), "body")
    assert client.post("/api/v1/pages/home/publish", headers=headers).status_code == 200


@pytest.mark.parametrize(("path", "field"), [("/api/v1/store/logo", "file"), ("/api/v1/theme/images", "file")])
def test_an_upload_without_its_file_names_the_field(client, owner, headers, path, field):
    _refused(client.post(path, headers=headers, data={}), field)


def test_the_openapi_document_keeps_the_promises_the_fuzzer_checks(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["Error"]["properties"]) == {"error"}
    assert set(schemas["ErrorDetail"]["properties"]) == {"code", "message", "fields"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, path
    assert schemas["User"]["properties"]["mobile"]["nullable"]
    assert schemas["PageSummary"]["properties"]["published_at"]["nullable"]
    assert schemas["PageSummary"]["properties"]["published_by"]["nullable"]
    assert schemas["PageVersion"]["properties"]["created_by"]["nullable"]
    assert schemas["Bulk"]["properties"]["percent"]["maximum"] == 1000
    assert schemas["DocumentDraft"]["properties"]["base_revision"]["maximum"] == INT32_MAX
    assert schemas["SkuIn"]["properties"]["price"]["maximum"] == MAX_FEN
    version = doc["paths"]["/api/v1/pages/{handle}/versions/{version}"]["parameters"]
    assert [p["schema"]["maximum"] for p in version if p["name"] == "version"] == [INT32_MAX]


def test_a_page_number_beyond_any_offset_is_clamped_in_html_lists(client, owner, make_admin):
    admin_login, _ = make_admin()
    login(client, admin_login)
    assert client.get("/platform/tenants?page=100000000000000000000").status_code == 200
