"""The main sections of the product, category, search and member pages.

They read the page's *subject* (the product shown, the category chosen, the search words, the
logged-in shopper) from the render context; each belongs to its own page kind only.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..icons import ICON_OPTIONS
from ..registry import BlockType, SectionType, register
from ..settings import CheckboxSetting, ColorSetting, LinkSetting, RangeSetting, SelectSetting, TextSetting


def load_subject_product(section, ctx) -> dict:
    return {"product": ctx.subject.get("product") if ctx.subject else None}


register(SectionType(
    type="product_gallery", name=_l("Product images"), category="page", pages=("product",), limit=1,
    description=_l("The product's images, swiped one by one."),
    settings=[
        SelectSetting("fit", _l("Image fit"), "cover", [("cover", _l("Fill the square")),
                                                        ("contain", _l("Show the whole image"))]),
        CheckboxSetting("show_counter", _l("Show the image counter"), True),
    ],
    loader=load_subject_product,
    presets=[{"name": _l("Product images"), "settings": {}}],
))

register(SectionType(
    type="product_info", name=_l("Product title and price"), category="page", pages=("product",), limit=1,
    description=_l("The product's price, title and subtitle."),
    settings=[
        CheckboxSetting("show_subtitle", _l("Show the subtitle"), True),
        CheckboxSetting("show_original_price", _l("Show the original price"), True),
        CheckboxSetting("show_share_hint", _l("Show a share hint"), True),
        ColorSetting("price_color", _l("Price colour"), "", info=_l("Empty uses the theme's primary colour.")),
    ],
    loader=load_subject_product,
    presets=[{"name": _l("Product title and price"), "settings": {}}],
))

register(SectionType(
    type="product_specs", name=_l("Spec selector"), category="page", pages=("product",), limit=1,
    description=_l("Buttons for each spec (size, colour …) showing the price and stock of the chosen SKU, the "
                    "quantity and the add to cart and buy now buttons."),
    settings=[
        TextSetting("heading", _l("Heading"), _l("Choose"), max_length=12),
        CheckboxSetting("show_stock", _l("Show the stock"), True),
        CheckboxSetting("show_buy_buttons", _l("Show the quantity, add to cart and buy now"), True),
    ],
    loader=load_subject_product,
    presets=[{"name": _l("Spec selector"), "settings": {}}],
))

register(SectionType(
    type="product_description", name=_l("Product description"), category="page", pages=("product",), limit=1,
    description=_l("The description written in the product editor."),
    settings=[TextSetting("heading", _l("Heading"), _l("Details"), max_length=20)],
    loader=load_subject_product,
    presets=[{"name": _l("Product description"), "settings": {}}],
))


def _page_number(ctx) -> int:
    return max(1, int((ctx.subject or {}).get("page", 1) or 1))


def _paged(fetch, count: int, page: int) -> dict:
    """One page of results (``count`` a page), and whether another follows."""
    rows = fetch(limit=count + 1, offset=(page - 1) * count)
    return {"products": rows[:count], "page": page, "has_next": len(rows) > count}


def load_category_browser(section, ctx) -> dict:
    count = section.settings["count"]
    if ctx.demo:
        tree = ctx.demo_categories(tree=True)
        current = tree[0] if tree else None
        return {"tree": tree, "current": current, "products": ctx.demo_products(count), "demo": True, "page": 1,
                "has_next": False}
    tree = ctx.data.categories()
    wanted = (ctx.subject or {}).get("category_id", "")
    current = ctx.data.category(wanted) if wanted else (tree[0] if tree else None)
    source = {"source": "category", "category_id": current["id"]} if current else {"source": "latest"}
    paged = _paged(lambda **page: ctx.data.products(**source, **page), count, _page_number(ctx))
    base = current["url"] if wanted and current else "/categories"
    return {"tree": tree, "current": current, "top": _top_of(tree, current), "demo": False, "base": base, **paged}


def _top_of(tree: list[dict], current: dict | None) -> dict | None:
    if current is None:
        return None
    for node in tree:
        if node["id"] == current["id"] or any(child["id"] == current["id"] for child in node["children"]):
            return node
    return None


register(SectionType(
    type="category_browser", name=_l("Category browser"), category="page", pages=("category",), limit=1,
    description=_l("Top-level categories down the side; sub-categories and products beside them."),
    settings=[
        RangeSetting("columns", _l("Product columns"), 2, min=1, max=3, step=1),
        RangeSetting("count", _l("Products per category"), 24, min=4, max=48, step=4),
        CheckboxSetting("show_original_price", _l("Show the original price"), False),
    ],
    loader=load_category_browser,
    presets=[{"name": _l("Category browser"), "settings": {}}],
))


def load_search(section, ctx) -> dict:
    """Products matching the search words; or every product, newest first (``/products``)."""
    query = (ctx.subject or {}).get("q", "")
    hot = [b.settings["text"] for b in section.blocks if b.settings["text"]]
    count = section.settings["count"]
    if (ctx.subject or {}).get("all"):
        if ctx.demo:
            return {"query": "", "all": True, "products": ctx.demo_products(count), "hot": hot, "demo": True,
                    "page": 1, "has_next": False}
        paged = _paged(lambda **page: ctx.data.products("latest", **page), count, _page_number(ctx))
        return {"query": "", "all": True, "hot": hot, "demo": False, **paged}
    if not query:
        return {"query": "", "products": [], "hot": hot, "demo": False, "page": 1, "has_next": False}
    if ctx.demo:
        return {"query": query, "products": ctx.demo_products(count), "hot": hot, "demo": True, "page": 1,
                "has_next": False}
    paged = _paged(lambda **page: ctx.data.search(query, **page), count, _page_number(ctx))
    return {"query": query, "hot": hot, "demo": False, **paged}


register(SectionType(
    type="search_results", name=_l("Search and results"), category="page", pages=("search",), limit=1,
    max_blocks=10,
    description=_l("The search box, popular searches and the products found."),
    settings=[
        TextSetting("placeholder", _l("Placeholder"), _l("Search products"), max_length=30),
        TextSetting("hot_heading", _l("Popular searches heading"), _l("Popular searches"), max_length=20),
        RangeSetting("columns", _l("Columns"), 2, min=1, max=3, step=1),
        RangeSetting("count", _l("Most results"), 24, min=4, max=48, step=4),
    ],
    blocks=[BlockType("keyword", _l("Popular search"), [
        TextSetting("text", _l("Words"), _l("New"), max_length=12),
    ])],
    loader=load_search,
    presets=[{"name": _l("Search and results"), "settings": {}}],
))


def load_member(section, ctx) -> dict:
    return {"customer": ctx.customer, "login_url": ctx.links.login("/member"),
            "profile_url": ctx.links.login("/member", scope="userinfo")}


register(SectionType(
    type="member_profile", name=_l("Member card"), category="page", pages=("member",), limit=1,
    shopper_specific=True,
    description=_l("The shopper's WeChat avatar and nickname, or a button to log in with WeChat."),
    settings=[
        TextSetting("greeting", _l("Greeting"), _l("Welcome back"), max_length=20),
        TextSetting("login_text", _l("Text for shoppers not logged in"),
                    _l("Log in with WeChat to see your details."), max_length=40),
        ColorSetting("background", _l("Card colour"), "", info=_l("Empty uses the theme's primary colour.")),
    ],
    loader=load_member,
    presets=[{"name": _l("Member card"), "settings": {}}],
))

register(SectionType(
    type="member_links", name=_l("Member links"), category="page", pages=("member",), max_blocks=10,
    description=_l("A list of links under the member card: contact, about the store …"),
    settings=[TextSetting("heading", _l("Heading"), "", max_length=20)],
    blocks=[BlockType("link", _l("Link"), [
        SelectSetting("icon", _l("Icon"), "info", ICON_OPTIONS),
        TextSetting("label", _l("Label"), _l("About the store"), max_length=16),
        LinkSetting("link", _l("Link"), "/"),
    ])],
    presets=[{"name": _l("Member links"), "settings": {},
              "blocks": [{"type": "link", "settings": {"icon": "home", "label": _l("Store home"), "link": "/"}},
                         {"type": "link", "settings": {"icon": "grid", "label": _l("All categories"),
                                                       "link": "/categories"}}]}],
))
