"""Every section type renders: with its defaults, and at its limits (most blocks, longest texts,
both ends of every range, every option), for shoppers and for the merchant's preview."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import tenant_context
from kaidian.themes import documents, preview, registry, services
from kaidian.themes.links import Links
from kaidian.themes.registry import MAX_BLOCKS
from kaidian.themes.render import RenderContext, render_section
from tests import factories

NASTY = "<b>&\"'{{ 7*7 }}"


@pytest.fixture
def catalog(app, alpha):
    with factories.in_store(app, alpha.tenant_id), factories.one_transaction():
        tenant = db.session.get(Tenant, alpha.tenant_id)
        top = factories.create_category("Tops").id
        child = factories.create_category("Shirts", parent_id=top).id
        group = factories.create_group("New").id
        made = [factories.create_product(tenant, factories.product_body(
            f"Product {i}", 1000 + i, category_id=child if i % 2 else top, group_id=group if i < 5 else None))
            for i in range(23)]
        made.append(factories.create_product(tenant, factories.product_body(
            "Shirt", 5900, category_id=child, specs=[{"name": "Size", "values": ["S", "M"]}],
            skus=[(["S"], 5900, 3), (["M"], 6900, 0)], description="<p>Soft</p>"), image=True))
        products = [str(row.id) for row in made]  # before the commit expires them
    return {"products": products, "category": str(top), "group": str(group), "tenant_id": alpha.tenant_id}


def _value(setting, end: str, catalog: dict):
    kind = setting.type
    if kind == "text":
        return (NASTY * 20)[: setting.max_length] if end == "max" else ""
    if kind == "richtext":
        body = "<p><strong>Bold</strong> <a href='https://example.com'>link</a> <script>alert(1)</script></p>"
        return (body * 100)[: setting.max_length] if end == "max" else ""
    if kind in ("range", "number"):
        return setting.max if end == "max" else setting.min
    if kind == "select":
        return setting.options[-1][0] if end == "max" else setting.options[0][0]
    if kind == "checkbox":
        return end == "max"
    if kind == "color":
        return "#ffffff" if end == "max" else ("" if setting.allow_empty else "#000000")
    if kind == "product_list":
        return catalog["products"][: setting.max_items] if end == "max" else []
    if kind == "product":
        return catalog["products"][-1] if end == "max" else ""
    if kind == "category":
        return catalog["category"] if end == "max" else ""
    if kind == "group":
        return catalog["group"] if end == "max" else ""
    if kind == "link":
        return "/search?q=" + "x" * 280 if end == "max" else ""
    if kind == "url":
        return "https://video.example.com/" + "v" * 400 + ".mp4" if end == "max" else ""
    if kind == "image":
        return ""
    raise AssertionError(f"no extreme value for {kind}")


def _section(schema, end: str | None, catalog: dict) -> dict:
    if end is None:
        return {"type": schema.type}
    settings = {s.id: _value(s, end, catalog) for s in schema.settings}
    count = min(schema.max_blocks, MAX_BLOCKS) if end == "max" else (1 if schema.blocks else 0)
    blocks = {}
    for i in range(count):
        block_type = schema.blocks[i % len(schema.blocks)]
        blocks[f"b{i}"] = {"type": block_type.type, "settings": {s.id: _value(s, end, catalog)
                                                                  for s in block_type.settings}}
    return {"type": schema.type, "settings": settings, "blocks": blocks, "block_order": list(blocks)}


def _page_for(schema) -> str:
    return schema.pages[0] if schema.pages else "home"


def _render(app, catalog, section: dict, page: str, audience: str) -> str:
    with app.test_request_context(headers={"Host": "localhost"}), tenant_context(catalog["tenant_id"]):
        tenant = db.session.get(Tenant, catalog["tenant_id"])
        if audience == "merchant":
            out = preview.render_draft_section(tenant, page, "sec", section)["html"]
        else:
            theme = services.get_theme(tenant)
            cleaned = documents.validate_section(section, page, tenant.id)
            ctx = RenderContext(tenant, theme.published, page, subject=preview.subject_for(page, {}, theme.template),
                                links=Links(tenant), industry=theme.template,
                                customer={"nickname": NASTY, "avatar": "https://wx.example.com/a.png"})
            out = str(render_section(documents.section_view("sec", cleaned), ctx))
        db.session.remove()
        return out


SECTION_TYPES = sorted(s.type for s in registry.all_sections())


def test_the_library_has_every_section_the_storefront_needs():
    wanted = {"announcement_bar", "header", "banner", "search_bar", "icon_nav", "category_grid", "product_grid",
              "product_carousel", "image_with_text", "rich_text", "video", "notice", "brand_story",
              "customer_service", "spacer", "footer", "product_gallery", "product_info", "product_specs",
              "product_description", "category_browser", "search_results", "member_profile", "member_links"}
    assert wanted <= set(SECTION_TYPES)
    assert not {"cart", "coupon", "flash_sale", "group_buy", "reviews"} & set(SECTION_TYPES)


@pytest.mark.parametrize("section_type", SECTION_TYPES)
def test_each_section_renders_with_defaults_and_at_its_limits(app, catalog, section_type):
    schema = registry.get(section_type)
    page = _page_for(schema)
    for end in (None, "min", "max"):
        for audience in ("shopper", "merchant"):
            out = _render(app, catalog, _section(schema, end, catalog), page, audience)
            if audience == "merchant":
                assert 'data-section-id="sec"' in out and f'data-section-type="{section_type}"' in out
            assert "<script>alert" not in out
            assert "<b>&" not in out  # merchant text is escaped wherever it lands


@pytest.mark.parametrize("section_type", [s.type for s in registry.all_sections() if s.presets])
def test_presets_are_valid_sections(app, section_type):
    schema = registry.get(section_type)
    with app.test_request_context(), force_locale("en"):
        presets = schema.describe()["presets"]
        assert presets and all(preset["name"] for preset in presets)  # each is offered under a name
        for preset in presets:
            blocks = {f"b{i}": block for i, block in enumerate(preset["blocks"])}
            out = documents.validate_section({"type": section_type, "settings": preset["settings"],
                                              "blocks": blocks}, _page_for(schema))
            # then the preset is kept as given: its settings, its blocks in order, each block's settings
            assert out["type"] == section_type and not out["disabled"]
            assert {key: out["settings"][key] for key in preset["settings"]} == preset["settings"]
            assert out["block_order"] == list(blocks)
            for block_id, block in blocks.items():
                kept = out["blocks"][block_id]
                assert kept["type"] == block["type"]
                assert {key: kept["settings"][key] for key in block.get("settings", {})} == block.get("settings", {})


def test_the_library_describes_itself_as_json(app, client, alpha_api):
    body = client.get("/api/v1/theme/sections", headers=alpha_api).get_json()
    assert body["limits"] == {"max_sections": 25, "max_blocks": 50, "max_document_bytes": 262144}
    banner = next(s for s in body["sections"] if s["type"] == "banner")
    height = next(s for s in banner["settings"] if s["id"] == "height")
    assert height == {"id": "height", "type": "range", "label": height["label"], "default": 200, "min": 120,
                      "max": 480, "step": 10, "unit": "px"}
    assert banner["blocks"][0]["type"] == "slide" and banner["max_blocks"] == 8
    types = {s["type"] for section in body["sections"] for s in section["settings"]}
    assert {"text", "richtext", "image", "color", "range", "select", "checkbox", "product", "product_list",
            "category", "link"} <= types
    assert {s["id"] for s in body["theme"]["settings"]} >= {"primary_color", "accent_color", "background_color",
                                                            "text_color", "corner_radius", "font", "logo"}
    assert body["theme"]["blocks"][0]["type"] == "tab"
    assert {p["kind"] for p in body["pages"]} == {"home", "category", "product", "search", "member", "custom", "cart",
                                                  "checkout", "pay", "orders", "order", "after_sale"}
