"""The page-document API the builder uses: drafts with revisions, publishing, history, restore,
custom pages, theme settings, images and the live section preview."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role
from kaidian.platform.tenancy import tenant_context
from tests.conftest import api_token
from tests.themes.helpers import add_product, one_section, page_of, publish, save_draft, store_get

HEADING = one_section("rich_text", {"heading": "Hello"})


SYSTEM_PAGES = ["home", "category", "product", "search", "member",  # and selling's (orders/pages.py)
                "cart", "checkout", "pay", "orders", "order", "after_sale"]


def test_the_store_has_its_system_pages_from_its_template(client, alpha, alpha_api):
    pages = client.get("/api/v1/pages", headers=alpha_api).get_json()
    assert [p["handle"] for p in pages] == SYSTEM_PAGES
    assert all(p["is_published"] and p["published_version"] == 1 and not p["has_unpublished_changes"]
               for p in pages)
    theme = client.get("/api/v1/theme", headers=alpha_api).get_json()
    assert theme["template"] == "clothing"  # signed up as apparel


def test_save_publish_and_history(client, alpha, alpha_api):
    page = page_of(client, alpha_api, "home")
    saved = save_draft(client, alpha_api, "home", HEADING, page["draft_revision"])
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["draft_revision"] == page["draft_revision"] + 1 and body["has_unpublished_changes"]
    assert body["draft"]["sections"]["main"]["settings"]["content"]  # defaults filled in
    published = client.post("/api/v1/pages/home/publish", headers=alpha_api, json={"note": "hello"}).get_json()
    assert published["published_version"] == 2 and published["published"] == body["draft"]
    versions = client.get("/api/v1/pages/home/versions", headers=alpha_api).get_json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["note"] == "hello"
    assert versions[0]["created_by_name"]
    first = client.get("/api/v1/pages/home/versions/1", headers=alpha_api).get_json()
    assert "banner" in first["document"]["sections"]


def test_a_stale_draft_is_refused_and_nothing_changes(client, alpha, alpha_api):
    page = page_of(client, alpha_api, "home")
    assert save_draft(client, alpha_api, "home", HEADING, page["draft_revision"]).status_code == 200
    stale = save_draft(client, alpha_api, "home", one_section("spacer"), page["draft_revision"])
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "draft_conflict"
    assert "main" in page_of(client, alpha_api, "home")["draft"]["sections"]
    assert page_of(client, alpha_api, "home")["draft"]["sections"]["main"]["type"] == "rich_text"


def test_publishing_a_stale_revision_is_refused(client, alpha, alpha_api):
    page = page_of(client, alpha_api, "home")
    save_draft(client, alpha_api, "home", HEADING, page["draft_revision"])
    response = client.post("/api/v1/pages/home/publish", headers=alpha_api,
                           json={"base_revision": page["draft_revision"]})
    assert response.status_code == 409
    assert page_of(client, alpha_api, "home")["published_version"] == 1


def test_an_invalid_draft_is_refused_with_field_errors(client, alpha, alpha_api):
    before = page_of(client, alpha_api, "home")
    response = save_draft(client, alpha_api, "home", {"sections": {"x": {"type": "nope"}}, "order": ["x"]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_document" and "sections.x.type" in error["fields"]
    assert page_of(client, alpha_api, "home") == before


def test_restore_puts_a_version_back_into_the_draft(client, alpha, alpha_api):
    publish(client, alpha_api, "home", HEADING)
    page = page_of(client, alpha_api, "home")
    restored = client.post("/api/v1/pages/home/versions/1/restore", headers=alpha_api,
                           json={"base_revision": page["draft_revision"]}).get_json()
    assert "banner" in restored["draft"]["sections"] and restored["published_version"] == 2
    assert "main" in restored["published"]["sections"]
    missing = client.post("/api/v1/pages/home/versions/9/restore", headers=alpha_api,
                          json={"base_revision": restored["draft_revision"]})
    assert missing.status_code == 404


@pytest.mark.parametrize("handle", ["home", "product", "new"])
def test_a_reserved_page_address_is_called_reserved(client, alpha, alpha_api, handle):
    response = client.post("/api/v1/pages", headers={**alpha_api, "Accept-Language": "en"},
                           json={"handle": handle, "title": "Home"})
    assert response.status_code == 409  # taken by the store's own pages: a conflict, like any taken address
    assert response.get_json()["error"]["fields"]["handle"] == [
        f"“{handle}” is reserved for the store's own pages; choose another address."]
    assert [p["handle"] for p in client.get("/api/v1/pages", headers=alpha_api).get_json()] == SYSTEM_PAGES


def test_custom_pages(client, alpha, alpha_api):
    created = client.post("/api/v1/pages", headers=alpha_api, json={"handle": "about-us", "title": "About us"})
    assert created.status_code == 201
    assert created.get_json()["is_published"] is False
    assert store_get(client, "alpha", "/pages/about-us").status_code == 404  # a draft is not public
    publish(client, alpha_api, "about-us", one_section("rich_text", {"heading": "Our team"}))
    page = store_get(client, "alpha", "/pages/about-us")
    assert page.status_code == 200 and "Our team" in page.get_data(as_text=True)
    for handle in ("About", "a--", "x" * 41):
        assert client.post("/api/v1/pages", headers=alpha_api, json={"handle": handle}).status_code == 422, handle
    for handle in ("home", "about-us"):  # reserved or taken: a conflict
        assert client.post("/api/v1/pages", headers=alpha_api, json={"handle": handle}).status_code == 409, handle
    assert client.delete("/api/v1/pages/about-us", headers=alpha_api).status_code == 204
    assert store_get(client, "alpha", "/pages/about-us").status_code == 404
    assert client.delete("/api/v1/pages/home", headers=alpha_api).status_code == 422


def test_custom_pages_count_against_the_plan(app, client, make_store):
    store = make_store("basicshop", plan="basic")  # basic allows 5 pages
    headers = api_token(app.test_client(), store.login)
    for i in range(5):
        assert client.post("/api/v1/pages", headers=headers, json={"handle": f"p{i}"}).status_code == 201
    refused = client.post("/api/v1/pages", headers=headers, json={"handle": "p5"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "plan_limit_reached"
    assert len(client.get("/api/v1/pages", headers=headers).get_json()) == len(SYSTEM_PAGES) + 5


def test_staff_may_edit_but_not_publish(app, client, alpha):
    from kaidian.platform import accounts

    with app.app_context(), tenant_context(alpha.tenant_id):
        user = accounts.create_user("staff@example.com", "goodpass123")
        db.session.flush()
        db.session.add(Membership(tenant_id=alpha.tenant_id, user_id=user.id, role=Role.STAFF))
        db.session.commit()
    headers = api_token(app.test_client(), "staff@example.com")
    assert save_draft(client, headers, "home", HEADING).status_code == 200
    assert client.post("/api/v1/pages/home/publish", headers=headers, json={}).status_code == 403
    assert client.post("/api/v1/theme/template", headers=headers, json={"template": "food"}).status_code == 403
    assert page_of(client, headers, "home")["published_version"] == 1


def test_the_api_needs_a_member(client, alpha):
    assert client.get("/api/v1/pages").status_code == 401
    assert client.post("/api/v1/theme/render-section", json={}).status_code == 401


def test_theme_settings_draft_and_publish(client, alpha, alpha_api):
    theme = client.get("/api/v1/theme", headers=alpha_api).get_json()
    document = theme["draft"]
    document["settings"]["primary_color"] = "#FF0000"
    saved = client.put("/api/v1/theme/draft", headers=alpha_api,
                       json={"document": document, "base_revision": theme["draft_revision"]})
    assert saved.status_code == 200 and saved.get_json()["draft"]["settings"]["primary_color"] == "#ff0000"
    assert "--kd-primary:#ff0000" not in store_get(client, "alpha").get_data(as_text=True)
    assert client.post("/api/v1/theme/publish", headers=alpha_api, json={}).status_code == 200
    assert "--kd-primary:#ff0000" in store_get(client, "alpha").get_data(as_text=True)
    bad = client.put("/api/v1/theme/draft", headers=alpha_api,
                     json={"document": {"settings": {"font": "papyrus"}}, "base_revision": 99})
    assert bad.status_code == 422


def test_render_section_shows_a_draft_section(app, client, alpha, alpha_api):
    add_product(app, alpha.tenant_id, "Shirt", 12900)
    section = {"type": "product_grid", "settings": {"heading": "Draft picks {{ 1+1 }}", "columns": 3}}
    response = client.post("/api/v1/theme/render-section", headers=alpha_api,
                           json={"page": "home", "section_id": "picks", "section": section})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["section_id"] == "picks" and body["type"] == "product_grid"
    assert 'data-section-id="picks"' in body["html"] and "Draft picks {{ 1+1 }}" in body["html"]
    assert "Shirt" in body["html"] and "cols-3" in body["html"]
    document = {"sections": {"a": section}, "order": ["a"]}
    from_document = client.post("/api/v1/theme/render-section", headers=alpha_api,
                                json={"page": "home", "section_id": "a", "document": document}).get_json()
    assert 'data-section-id="a"' in from_document["html"]
    assert "Draft picks" not in store_get(client, "alpha").get_data(as_text=True)  # nothing was saved


@pytest.mark.parametrize("body, field", [
    ({"page": "home", "section_id": "a", "section": {"type": "nope"}}, "sections.a.type"),
    ({"page": "home", "section_id": "a", "section": {"type": "spacer", "settings": {"height": 999}}},
     "sections.a.settings.height"),
    ({"page": "home", "section_id": "a", "section": {"type": "product_info"}}, "sections.a.type"),
    ({"page": "home", "section_id": "a"}, "section"),
    ({"page": "home", "section_id": "missing", "document": {"sections": {}, "order": []}}, "section_id"),
])
def test_render_section_validates_the_section(client, alpha, alpha_api, body, field):
    response = client.post("/api/v1/theme/render-section", headers=alpha_api, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


def test_render_section_shows_demo_products_to_the_merchant_of_an_empty_store(client, alpha, alpha_api):
    body = client.post("/api/v1/theme/render-section", headers=alpha_api,
                       json={"page": "home", "section_id": "g", "section": {"type": "product_grid"}}).get_json()
    assert "kd-demo-badge" in body["html"]


def test_image_upload_gives_a_key_for_image_settings(client, alpha, alpha_api):
    data = io.BytesIO()
    Image.new("RGB", (1600, 900), (10, 120, 200)).save(data, "PNG")
    response = client.post("/api/v1/theme/images", headers=alpha_api,
                           data={"file": (io.BytesIO(data.getvalue()), "banner.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    image = response.get_json()
    assert image["width"] == 1500 and image["height"] == 844 and image["key"].startswith(f"t/{alpha.tenant_id}/")
    slides = {"s1": {"type": "slide", "settings": {"image": image["key"], "heading": "Sale"}}}
    publish(client, alpha_api, "home", one_section("banner", {}, slides))
    page = store_get(client, "alpha").get_data(as_text=True)
    assert 'width="1500" height="844"' in page and " 750w" in page and " 1500w" in page
    assert client.get(image["url"]).status_code == 200
    # a WebP of each size beside the JPEGs, offered first; the JPEG <img> stays for other browsers
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="[^"]+">\s*<img ', page).group(1)
    for url in re.findall(r"(\S+\.webp) (?:750|1500)w", webp):
        fetched = store_get(client, "alpha", url)
        assert fetched.status_code == 200 and fetched.data[8:12] == b"WEBP", url
    assert len(re.findall(r"\.webp (?:750|1500)w", webp)) == 2
    not_image = client.post("/api/v1/theme/images", headers=alpha_api,
                            data={"file": (io.BytesIO(b"%PDF-1.4"), "x.png")}, content_type="multipart/form-data")
    assert not_image.status_code == 422


def test_templates_are_listed(client, alpha, alpha_api):
    templates = client.get("/api/v1/theme/templates", headers=alpha_api).get_json()
    assert [t["key"] for t in templates] == ["clothing", "beauty", "food", "digital"]
    assert all(t["theme"]["primary_color"].startswith("#") for t in templates)


def test_an_image_uploaded_before_webp_copies_is_offered_as_it_is(app, alpha):
    from kaidian.themes.images import theme_image

    with app.test_request_context():
        old = theme_image(f"t/{alpha.tenant_id}/theme/{'a' * 32}_1500x844.jpg")
        new = theme_image(f"t/{alpha.tenant_id}/theme/{'a' * 32}_1500x844-w.jpg")
    assert old["sources"] == [] and old["srcset"].endswith(" 1500w") and (old["width"], old["height"]) == (1500, 844)
    assert new["sources"][0]["type"] == "image/webp" and new["sources"][0]["srcset"].endswith("-w.webp 1500w")
