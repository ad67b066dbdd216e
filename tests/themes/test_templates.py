"""Industry templates: a store gets one on first access, can switch later and keeps its content;
the admin shows the store's link and QR code."""

from __future__ import annotations

import pytest

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import tenant_context
from kaidian.themes import page_kinds, services
from kaidian.themes.models import Page, ThemeSettings
from tests.conftest import csrf_token, login
from tests.themes.helpers import page_of, publish, save_draft, store_get


@pytest.mark.parametrize("categories, template, colour", [
    (["beauty"], "beauty", "#e8508a"), (["food"], "food", "#e4572e"), (["digital"], "digital", "#2563eb"),
    (["apparel"], "clothing", "#1f1f1f"), ([], "clothing", "#1f1f1f"),
])
def test_a_store_gets_its_industrys_template_on_first_visit(app, client, make_store, categories, template, colour):
    store = make_store("myshop", categories=categories)
    page = store_get(client, "myshop").get_data(as_text=True)
    assert f"--kd-primary:{colour}" in page
    with app.app_context(), tenant_context(store.tenant_id):
        assert db.session.query(ThemeSettings).one().template == template
        assert db.session.query(Page).count() == len(page_kinds.system_handles())


def test_setting_up_twice_keeps_one_theme(app, alpha):
    with app.app_context(), tenant_context(alpha.tenant_id):
        tenant = db.session.get(Tenant, alpha.tenant_id)
        first = services.get_theme(tenant)
        again = services.setup(tenant, "food")
        assert again.id == first.id and again.template == "clothing"
        assert db.session.query(ThemeSettings).count() == 1


def _switch(client, headers, template):
    response = client.post("/api/v1/theme/template", headers=headers, json={"template": template})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_switching_template_keeps_the_merchants_content(client, alpha, alpha_api):
    home = page_of(client, alpha_api, "home")
    document = home["draft"]
    document["sections"]["new"]["settings"]["heading"] = "My own picks"
    document["sections"]["story"]["settings"]["heading"] = "Since 1999"
    document["sections"]["mine"] = {"type": "rich_text", "settings": {"heading": "Shipping info"}}
    document["order"].insert(2, "mine")
    publish(client, alpha_api, "home", document)

    theme = _switch(client, alpha_api, "food")
    assert theme["template"] == "food" and theme["published"]["settings"]["primary_color"] == "#e4572e"
    switched = page_of(client, alpha_api, "home")["published"]
    types = [switched["sections"][sid]["type"] for sid in switched["order"]]
    grids = [switched["sections"][sid] for sid in switched["order"] if switched["sections"][sid]["type"] ==
             "product_grid"]
    assert grids[0]["settings"]["heading"] == "My own picks"  # content follows the merchant
    assert grids[0]["settings"]["columns"] == 1  # style follows the template
    assert grids[1]["settings"]["heading"] != "My own picks"
    headings = [s["settings"].get("heading") for s in switched["sections"].values()]
    assert "Shipping info" in headings and "Since 1999" in headings  # kept, though food has no such sections
    assert types[-1] == "footer" and "icon_nav" in types and "video" in types
    announcement = next(s for s in switched["sections"].values() if s["type"] == "announcement_bar")
    assert announcement["settings"]["text"] != home["draft"]["sections"]["announcement"]["settings"]["text"]
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "--kd-primary:#e4572e" in page and "Shipping info" in page


def test_switching_back_and_restoring_from_history(client, alpha, alpha_api):
    before = page_of(client, alpha_api, "home")["published"]
    _switch(client, alpha_api, "digital")
    versions = client.get("/api/v1/pages/home/versions", headers=alpha_api).get_json()
    assert versions[0]["note"] == "template:digital" and versions[0]["version"] == 2
    page = page_of(client, alpha_api, "home")
    restored = client.post("/api/v1/pages/home/versions/1/restore", headers=alpha_api,
                           json={"base_revision": page["draft_revision"]}).get_json()
    assert restored["draft"] == before


def test_an_unpublished_draft_is_switched_as_a_draft(client, alpha, alpha_api):
    document = page_of(client, alpha_api, "home")["draft"]
    document["sections"]["new"]["settings"]["heading"] = "Draft heading"
    assert save_draft(client, alpha_api, "home", document).status_code == 200
    _switch(client, alpha_api, "beauty")
    page = page_of(client, alpha_api, "home")
    draft_grids = [s for s in page["draft"]["sections"].values() if s["type"] == "product_grid"]
    live_grids = [s for s in page["published"]["sections"].values() if s["type"] == "product_grid"]
    assert draft_grids[0]["settings"]["heading"] == "Draft heading"
    assert live_grids[0]["settings"]["heading"] != "Draft heading"


def test_an_unknown_template_is_refused(client, alpha, alpha_api):
    response = client.post("/api/v1/theme/template", headers=alpha_api, json={"template": "furniture"})
    assert response.status_code == 422
    assert client.get("/api/v1/theme", headers=alpha_api).get_json()["template"] == "clothing"


def test_the_admin_shows_the_store_link_and_its_qr_code(client, alpha):
    login(client, alpha.login)
    page = client.get("/admin/theme").get_data(as_text=True)
    assert "http://alpha.localhost/" in page and '<svg' in page and 'class="segno"' in page
    for name in ("clothing", "beauty", "food", "digital"):
        assert f'value="{name}"' in page or "badge active" in page
    assert 'href="/admin/theme"' in client.get("/admin/").get_data(as_text=True)
    png = client.get("/admin/theme/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get("/admin/theme/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data


def test_the_admin_switches_template_with_a_form(client, alpha):
    login(client, alpha.login)
    response = client.post("/admin/theme/template",
                           data={"template": "food", "csrf_token": csrf_token(client, "/admin/theme")})
    assert response.status_code == 302
    assert "--kd-primary:#e4572e" in store_get(client, "alpha").get_data(as_text=True)
