"""Page documents are validated against the section schemas: templates' documents pass, anything
else is refused with errors keyed by field path, and what passes comes back normalized."""

import dataclasses
import json
import uuid

import pytest
from flask_babel import force_locale

from kaidian.themes import documents, industries, page_kinds, registry
from kaidian.themes.documents import DocumentInvalid, validate_document, validate_section, validate_theme


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def _doc(*sections, order=None):
    mapping = {f"s{i}": section for i, section in enumerate(sections)}
    return {"sections": mapping, "order": order if order is not None else list(mapping)}


def _refused(document, page="home", **kwargs) -> dict:
    with pytest.raises(DocumentInvalid) as caught:
        validate_document(document, page, **kwargs)
    assert caught.value.status == 422
    return caught.value.fields


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize("template", sorted(industries.INDUSTRIES))
def test_every_templates_documents_validate(request_ctx, template, locale):
    with force_locale(locale):
        theme = industries.build_theme(template)
        assert validate_theme(theme) == theme
        for handle in page_kinds.system_handles():
            document = industries.build_page(template, handle)
            assert validate_document(document, handle) == document, (template, handle)
            assert json.loads(json.dumps(document)) == document  # plain JSON, no lazy strings


def test_templates_differ_in_look_and_arrangement(request_ctx):
    looks = {key: json.dumps(industries.build_theme(key)["settings"], sort_keys=True) for key in industries.INDUSTRIES}
    homes = {key: [s["type"] for s in map(industries.build_page(key, "home")["sections"].get,
                                               industries.build_page(key, "home")["order"])]
             for key in industries.INDUSTRIES}
    assert len(set(looks.values())) == 4
    assert len({tuple(types) for types in homes.values()}) == 4
    assert len({json.loads(look)["font"] for look in looks.values()}) == 4


def test_missing_settings_get_their_defaults_and_values_are_normalized(request_ctx):
    out = validate_document(_doc({"type": "banner", "settings": {"height": 203},
                                  "blocks": {"a": {"type": "slide", "settings": {"background": "#ABC"}}}}), "home")
    section = out["sections"]["s0"]
    assert section["settings"]["height"] == 200  # snapped to the 10 px step
    assert section["settings"]["autoplay"] is True
    assert section["blocks"]["a"]["settings"]["background"] == "#aabbcc"
    assert section["block_order"] == ["a"] and section["disabled"] is False
    assert out["settings"] == {"title": "", "description": "", "share_image": ""}


@pytest.mark.parametrize("document, path", [
    (_doc({"type": "carousel_3d"}), "sections.s0.type"),
    (_doc({"type": "spacer", "settings": {"colour": "#fff"}}), "sections.s0.settings.colour"),
    (_doc({"type": "spacer", "settings": {"height": "tall"}}), "sections.s0.settings.height"),
    (_doc({"type": "spacer", "settings": {"height": 81}}), "sections.s0.settings.height"),
    (_doc({"type": "spacer", "settings": {"height": 2}}), "sections.s0.settings.height"),
    (_doc({"type": "spacer", "settings": {"divider": "yes"}}), "sections.s0.settings.divider"),
    (_doc({"type": "spacer", "settings": {"background": "red"}}), "sections.s0.settings.background"),
    (_doc({"type": "rich_text", "settings": {"heading": "x" * 41}}), "sections.s0.settings.heading"),
    (_doc({"type": "rich_text", "settings": {"content": 12}}), "sections.s0.settings.content"),
    (_doc({"type": "header", "settings": {"layout": "diagonal"}}), "sections.s0.settings.layout"),
    (_doc({"type": "notice", "settings": {"link": "javascript:alert(1)"}}), "sections.s0.settings.link"),
    (_doc({"type": "notice", "settings": {"link": "//evil.example/"}}), "sections.s0.settings.link"),
    (_doc({"type": "video", "settings": {"video_url": "ftp://x/v.mp4"}}), "sections.s0.settings.video_url"),
    (_doc({"type": "rich_text", "settings": {"heading": "a\x00b"}}), "sections.s0.settings.heading"),
    (_doc({"type": "product_grid", "settings": {"products": ["not-an-id"]}}), "sections.s0.settings.products"),
    (_doc({"type": "product_grid", "settings": {"products": [str(uuid.uuid4())] * 2}}),
     "sections.s0.settings.products"),
    (_doc({"type": "product_grid", "settings": {"products": [str(uuid.uuid4()) for _ in range(25)]}}),
     "sections.s0.settings.products"),
    (_doc({"type": "image_with_text", "settings": {"image": "t/../../etc/passwd.jpg"}}), "sections.s0.settings.image"),
    (_doc({"type": "banner", "blocks": {"a": {"type": "item"}}}), "sections.s0.blocks.a.type"),
    (_doc({"type": "banner", "blocks": {"a": {"type": "slide", "settings": {"size": 3}}}}),
     "sections.s0.blocks.a.settings.size"),
    (_doc({"type": "spacer", "blocks": {"a": {"type": "slide"}}}), "sections.s0.blocks"),
    (_doc({"type": "spacer", "colour": "red"}), "sections.s0.colour"),
    (_doc({"type": "spacer", "disabled": "no"}), "sections.s0.disabled"),
    (_doc({"type": "product_gallery"}), "sections.s0.type"),  # a product-page section on the home page
    (_doc({"type": "header"}, {"type": "header"}), "sections"),  # one header a page
    ({"sections": {"bad id!": {"type": "spacer"}}, "order": ["bad id!"]}, "sections.bad id!"),
    ({"sections": {}, "order": [], "layout": "x"}, "layout"),
    ({"sections": [], "order": []}, "sections"),
    ([], "document"),
    ({"sections": {}, "order": [], "settings": {"title": "x" * 61}}, "settings.title"),
])
def test_invalid_documents_are_refused_with_the_field_path(request_ctx, document, path):
    fields = _refused(document)
    assert path in fields, fields
    assert all(isinstance(m, str) and m for messages in fields.values() for m in messages)


@pytest.mark.parametrize("order, problem", [
    (["s0", "s0", "s1"], "more than once"),
    (["s0", "s1", "ghost"], "do not exist"),
    (["s0"], "Leaves out"),
    ("s0,s1", "list"),
])
def test_order_must_list_every_section_exactly_once(request_ctx, order, problem):
    with force_locale("en"):
        fields = _refused(_doc({"type": "spacer"}, {"type": "spacer"}, order=order))
    assert problem in " ".join(fields["order"])


def test_block_order_must_match_the_blocks(request_ctx):
    section = {"type": "banner", "blocks": {"a": {"type": "slide"}, "b": {"type": "slide"}}, "block_order": ["a"]}
    assert "sections.s0.block_order" in _refused(_doc(section))


def test_at_most_25_sections_a_page(request_ctx):
    assert validate_document(_doc(*[{"type": "spacer"}] * 25), "home")
    fields = _refused(_doc(*[{"type": "spacer"}] * 26))
    assert "sections" in fields


def test_at_most_50_blocks_a_section_whatever_the_schema_says(request_ctx, monkeypatch):
    footer = registry.get("footer")
    assert footer.max_blocks == 8
    blocks = {f"b{i}": {"type": "link"} for i in range(9)}
    assert "sections.s0.blocks" in _refused(_doc({"type": "footer", "blocks": blocks}))
    monkeypatch.setitem(registry.SECTIONS, "footer", dataclasses.replace(footer, max_blocks=500))
    blocks = {f"b{i}": {"type": "link"} for i in range(51)}
    fields = _refused(_doc({"type": "footer", "blocks": blocks}))
    assert "50" in " ".join(fields["sections.s0.blocks"])


def test_documents_over_256_kb_are_refused(request_ctx):
    section = {"type": "rich_text", "settings": {"content": "<p>" + "字" * 4990 + "</p>"}}  # 15 KB in UTF-8
    assert validate_document(_doc(*[section] * 17), "home")
    with force_locale("en"):
        fields = _refused(_doc(*[section] * 25))
    assert "256 KB" in " ".join(fields["document"])


def test_references_must_name_rows_of_the_store(request_ctx):
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    document = _doc({"type": "product_grid", "settings": {"source": "manual", "products": [mine, theirs]}},
                    {"type": "featured_product", "settings": {"product": theirs}})
    fields = _refused(document, check=lambda kind, ids: {mine} if kind == "product" else set())
    assert set(fields) == {"sections.s0.settings.products", "sections.s1.settings.product"}


def test_an_image_of_another_store_is_refused(request_ctx):
    tenant, other = uuid.uuid4(), uuid.uuid4()
    ok = validate_section({"type": "brand_story", "settings": {"image": f"t/{tenant}/theme/ab_10x10.jpg"}}, "home",
                          tenant)
    assert ok["settings"]["image"].startswith(f"t/{tenant}/")
    with pytest.raises(DocumentInvalid) as caught:
        validate_section({"type": "brand_story", "settings": {"image": f"t/{other}/theme/ab_10x10.jpg"}}, "home",
                         tenant)
    assert "section.settings.image" in caught.value.fields


def test_stored_sections_are_read_tolerantly(request_ctx):
    view = documents.section_view("x", {"type": "banner", "settings": {"height": 9999, "autoplay": "maybe"},
                                        "blocks": {"a": {"type": "ghost"}, "b": {"type": "slide"}},
                                        "block_order": ["a", "b"]})
    assert view.settings["height"] == 480 and view.settings["autoplay"] is True
    assert [b.id for b in view.blocks] == ["b"]
    assert documents.section_view("x", {"type": "retired_section"}) is None


def test_the_theme_is_validated_like_a_section(request_ctx):
    with pytest.raises(DocumentInvalid) as caught:
        validate_theme({"settings": {"font": "comic-sans", "primary_color": ""},
                        "blocks": {f"t{i}": {"type": "tab"} for i in range(6)}})
    assert {"theme.settings.font", "theme.settings.primary_color", "theme.blocks"} <= set(caught.value.fields)
