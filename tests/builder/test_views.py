"""The builder's pages in the merchant admin: the page list (create, rename, delete landing pages,
within the plan's limit), the editor and its preview frame."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.themes.models import Page
from tests.conftest import login, post_form

from .helpers import add_member


def _custom_pages(app) -> int:
    with app.app_context(), all_tenants():
        count = db.session.execute(select(func.count()).select_from(Page).where(Page.kind == "custom")).scalar()
        db.session.remove()
    return count


def _boot(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="bd-boot">(.*?)</script>', html, re.S)
    assert match, "no boot data"
    return json.loads(match.group(1))


def test_the_page_list_shows_system_and_custom_pages(client, store):
    login(client, store.login)
    html = client.get("/admin/builder/").get_data(as_text=True)
    for handle in ("home", "category", "product", "search", "member"):
        assert f'data-page="{handle}"' in html
    assert "/admin/builder/home" in html
    assert 'data-usage="0/5"' in html


def test_creating_a_landing_page_opens_it_in_the_editor(app, client, store):
    login(client, store.login)
    response = post_form(client, "/admin/builder/new", {"handle": "summer-sale", "title": "Summer sale"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/builder/summer-sale")
    editor = client.get("/admin/builder/summer-sale")
    assert editor.status_code == 200
    boot = _boot(editor.get_data(as_text=True))
    assert boot["handle"] == "summer-sale"
    assert boot["page_kind"] == "custom"
    assert boot["page"]["is_published"] is False
    assert _custom_pages(app) == 1


def test_a_bad_address_is_refused_with_the_reason(app, client, store):
    login(client, store.login)
    response = post_form(client, "/admin/builder/new", {"handle": "Home Page!", "title": "x"})
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert _custom_pages(app) == 0


def test_a_reserved_address_is_called_reserved_in_chinese(app, client, store):
    login(client, store.login)  # the default locale: Simplified Chinese
    response = post_form(client, "/admin/builder/new", {"handle": "home", "title": "首页二"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "“home”是店铺自带页面的保留地址，请换一个地址。" in html
    assert "请使用 1 至 40 位小写字母" not in html  # not the "wrong characters" message
    assert "页面标题" in html and "商品名称" not in html  # the page's title is not a product's name
    assert _custom_pages(app) == 0


def test_the_plan_limit_on_pages_is_enforced_with_an_upgrade_link(app, client, store):
    login(client, store.login)
    for i in range(5):
        assert post_form(client, "/admin/builder/new", {"handle": f"page-{i}", "title": f"P{i}"}).status_code == 302
    listing = client.get("/admin/builder/").get_data(as_text=True)
    assert 'data-usage="5/5"' in listing
    assert "/admin/plan" in listing  # the form is replaced by the upgrade message

    response = post_form(client, "/admin/builder/new", {"handle": "page-6", "title": "One too many"})

    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html and "/admin/plan" in html
    assert _custom_pages(app) == 5


def test_rename_changes_the_title_in_the_draft(app, client, store):
    login(client, store.login)
    post_form(client, "/admin/builder/new", {"handle": "story", "title": "Our story"})
    response = post_form(client, "/admin/builder/story/rename", {"title": "The brand story"})
    assert response.status_code == 302
    assert client.get("/api/v1/pages/story").get_json()["draft"]["settings"]["title"] == "The brand story"


def test_owner_deletes_a_landing_page_and_staff_cannot(app, client, store):
    login(client, store.login)
    post_form(client, "/admin/builder/new", {"handle": "gone", "title": "Gone"})
    add_member(app, store, "helper@example.com")
    staff = app.test_client()
    login(staff, "helper@example.com")

    refused = post_form(staff, "/admin/builder/gone/delete")
    assert refused.status_code == 403
    assert _custom_pages(app) == 1

    assert post_form(client, "/admin/builder/gone/delete").status_code == 302
    assert _custom_pages(app) == 0


def test_system_pages_cannot_be_deleted(app, client, store):
    login(client, store.login)
    response = post_form(client, "/admin/builder/home/delete", follow_redirects=True)
    assert 'class="flash error"' in response.get_data(as_text=True)
    assert client.get("/api/v1/pages/home").status_code == 200


def test_the_editor_carries_what_it_needs_and_the_permissions(app, client, store):
    login(client, store.login)
    boot = _boot(client.get("/admin/builder/home").get_data(as_text=True))
    assert boot["can_publish"] is True
    assert boot["page"]["draft"]["order"]
    assert {s["type"] for s in boot["library"]["sections"]} >= {"banner", "rich_text", "product_grid"}
    assert boot["api"]["pageDraft"] == "/api/v1/pages/home/draft"
    assert boot["api"]["restore"] == "/api/v1/pages/home/versions/%(version)s/restore"
    assert boot["csrf"]
    assert boot["t"]["saved"]

    add_member(app, store, "editor@example.com")
    staff = app.test_client()
    login(staff, "editor@example.com")
    staff_html = staff.get("/admin/builder/home").get_data(as_text=True)
    assert _boot(staff_html)["can_publish"] is False
    assert 'data-action="publish"' not in staff_html


def test_the_preview_frame_is_the_storefront_renderer_with_the_helper_script(client, store):
    login(client, store.login)
    response = client.get("/admin/builder/home/preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="kd-section' in html and "data-section-id" in html
    assert "/static/themes/storefront.css" in html
    assert "/static/builder/preview.bundle.js" in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_unknown_pages_are_not_found(client, store):
    login(client, store.login)
    assert client.get("/admin/builder/no-such-page").status_code == 404
    assert client.get("/admin/builder/no-such-page/preview").status_code == 404


def test_the_builder_needs_a_login(client, store):
    response = client.get("/admin/builder/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
