"""Sections that show the store's products and categories (demo content only in the merchant's
preview while the store has no products; shoppers then see nothing, never fake products)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..icons import ICON_OPTIONS
from ..registry import BlockType, SectionType, register
from ..settings import (
    CategorySetting,
    CheckboxSetting,
    GroupSetting,
    ImageSetting,
    LinkSetting,
    ProductListSetting,
    ProductSetting,
    RangeSetting,
    SelectSetting,
    TextSetting,
)

SOURCES = [("latest", _l("Newest products")), ("category", _l("A category")), ("group", _l("A product group")),
           ("manual", _l("Products I choose"))]


def _source_settings(count_default: int, count_max: int) -> list:
    return [
        SelectSetting("source", _l("Products to show"), "latest", SOURCES),
        CategorySetting("category", _l("Category"), info=_l("Used when showing a category.")),
        GroupSetting("group", _l("Product group"), info=_l("Used when showing a product group.")),
        ProductListSetting("products", _l("Products"), max_items=24, info=_l("Used when you choose products.")),
        RangeSetting("count", _l("How many"), count_default, min=1, max=count_max, step=1),
    ]


def load_products(section, ctx) -> dict:
    """The section's products; on a product page, never the product the page is about."""
    settings = section.settings
    if ctx.demo:
        return {"products": ctx.demo_products(settings["count"]), "demo": True}
    shown = ((ctx.subject or {}).get("product") or {}).get("id")
    products = ctx.data.products(settings["source"], category_id=settings["category"], group_id=settings["group"],
                                 ids=settings["products"], limit=settings["count"] + (1 if shown else 0))
    products = [p for p in products if p["id"] != shown][: settings["count"]]
    return {"products": products, "demo": False}


register(SectionType(
    type="product_grid", name=_l("Product grid"), category="products",
    description=_l("Products in a list or a grid of two or three columns, from a category, a group or your own "
                   "choice."),
    settings=[
        TextSetting("heading", _l("Heading"), _l("Featured products"), max_length=30),
        TextSetting("subheading", _l("Subheading"), "", max_length=60),
        *_source_settings(6, 24),
        RangeSetting("columns", _l("Columns"), 2, min=1, max=3, step=1),
        SelectSetting("card_style", _l("Card style"), "card", [("card", _l("Card")), ("plain", _l("Plain"))]),
        CheckboxSetting("show_subtitle", _l("Show the subtitle"), False),
        CheckboxSetting("show_original_price", _l("Show the original price"), True),
        TextSetting("more_label", _l("Link label"), _l("View all"), max_length=12),
        LinkSetting("more_link", _l("Link"), "/categories"),
    ],
    loader=load_products,
    presets=[{"name": _l("Product grid"), "settings": {}},
             {"name": _l("Product list (one column)"), "settings": {"columns": 1, "count": 4}}],
))

register(SectionType(
    type="product_carousel", name=_l("Product carousel"), category="products",
    description=_l("A row of products that scrolls sideways."),
    settings=[
        TextSetting("heading", _l("Heading"), _l("Best sellers"), max_length=30),
        *_source_settings(8, 12),
        SelectSetting("size", _l("Card size"), "medium", [("small", _l("Small")), ("medium", _l("Medium")),
                                                          ("large", _l("Large"))]),
        CheckboxSetting("show_original_price", _l("Show the original price"), True),
        TextSetting("more_label", _l("Link label"), _l("More"), max_length=12),
        LinkSetting("more_link", _l("Link"), "/categories"),
    ],
    loader=load_products,
    presets=[{"name": _l("Product carousel"), "settings": {}}],
))


def load_featured(section, ctx) -> dict:
    if ctx.demo:
        return {"product": ctx.demo_products(1)[0], "demo": True}
    product_id = section.settings["product"]
    product = ctx.data.product(product_id) if product_id else None
    if product is None and not product_id:
        latest = ctx.data.products("latest", limit=1)
        product = latest[0] if latest else None
    return {"product": product, "demo": False}


register(SectionType(
    type="featured_product", name=_l("Featured product"), category="products",
    description=_l("One product, large, with its price and a button."),
    settings=[
        ProductSetting("product", _l("Product"), info=_l("Empty shows your newest product.")),
        TextSetting("eyebrow", _l("Small heading"), _l("Editor's pick"), max_length=20),
        TextSetting("button_label", _l("Button label"), _l("View details"), max_length=12),
        SelectSetting("layout", _l("Layout"), "stacked", [("stacked", _l("Image above")),
                                                          ("side", _l("Image on the left"))]),
    ],
    loader=load_featured,
    presets=[{"name": _l("Featured product"), "settings": {}}],
))


def load_category_grid(section, ctx) -> dict:
    settings = section.settings
    if settings["source"] == "manual":
        items = []
        for block in section.blocks:
            node = ctx.data.category(block.settings["category"]) if block.settings["category"] else None
            label = block.settings["label"] or (node["name"] if node else "")
            if node is None and not block.settings["link"] and not ctx.merchant:
                continue  # its category was deleted: shoppers see no dead tile
            link = block.settings["link"] or (node["url"] if node else "/categories")
            items.append({"label": label, "url": link, "image": block.settings["image"],
                          "icon": block.settings["icon"], "id": block.id})
        return {"items": items[: settings["count"]], "demo": False}
    tree = ctx.data.categories()
    if not tree and ctx.merchant:
        return {"items": ctx.demo_categories()[: settings["count"]], "demo": True}
    items = [{"label": node["name"], "url": node["url"], "image": "", "icon": "", "id": node["id"]}
             for node in tree[: settings["count"]]]
    return {"items": items, "demo": False}


register(SectionType(
    type="category_grid", name=_l("Category grid"), category="products", max_blocks=12,
    description=_l("Tiles that open categories: your top-level categories, or tiles you arrange."),
    settings=[
        TextSetting("heading", _l("Heading"), _l("Shop by category"), max_length=30),
        SelectSetting("source", _l("Tiles"), "auto", [("auto", _l("My top-level categories")),
                                                      ("manual", _l("Tiles I arrange (blocks)"))]),
        RangeSetting("columns", _l("Columns"), 4, min=2, max=5, step=1),
        RangeSetting("count", _l("How many"), 8, min=2, max=12, step=1),
        SelectSetting("style", _l("Style"), "tile", [("tile", _l("Tiles")), ("chip", _l("Chips"))]),
    ],
    blocks=[BlockType("category", _l("Category tile"), [
        CategorySetting("category", _l("Category")),
        TextSetting("label", _l("Label"), "", max_length=10, info=_l("Empty uses the category's name.")),
        ImageSetting("image", _l("Image")),
        SelectSetting("icon", _l("Icon"), "tag", ICON_OPTIONS),
        LinkSetting("link", _l("Link"), info=_l("Empty opens the category.")),
    ])],
    loader=load_category_grid,
    presets=[{"name": _l("Category grid"), "settings": {}}],
))
