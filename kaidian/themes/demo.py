"""Demo products and categories for the merchant's preview while the store has none of its own.

Only ``RenderContext.demo`` (merchant audience, no products on sale) ever leads here; shoppers
never see these, and every card carries ``demo: True`` so templates label it.
"""

from __future__ import annotations

from itertools import cycle, islice

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .industries import INDUSTRIES

DEMO_SPECS = {
    "clothing": [(_l("Colour"), [_l("Black"), _l("Oat")]), (_l("Size"), ["S", "M", "L"])],
    "beauty": [(lazy_pgettext("volume", "Size"), ["30 ml", "50 ml"])],
    "food": [(_l("Weight"), ["500 g", "1 kg"])],
    "digital": [(_l("Colour"), [_l("Graphite"), _l("Silver")]), (_l("Storage"), ["128 GB", "256 GB"])],
}


def products(industry: str, count: int) -> list[dict]:
    rows = INDUSTRIES[industry].demo_products
    out = []
    for index, (title, price, original, icon_name) in enumerate(islice(cycle(rows), max(0, count))):
        product_id = f"demo-{index % len(rows) + 1}"
        out.append({"id": product_id, "title": str(title), "subtitle": "", "price": price, "price_max": price,
                    "original_price": original, "image": None, "icon": icon_name, "sold_out": False,
                    "url": f"/products/{product_id}", "demo": True})
    return out


def product_detail(industry: str, product_id: str) -> dict | None:
    rows = INDUSTRIES[industry].demo_products
    try:
        index = int(product_id.removeprefix("demo-")) - 1
    except ValueError:
        return None
    if not 0 <= index < len(rows):
        return None
    card = products(industry, index + 1)[index]
    specs = [{"name": str(name), "values": [str(v) for v in values]} for name, values in DEMO_SPECS[industry]]
    card.update({"images": [], "specs": specs, "skus": _skus(specs, card["price"]), "stock": 120,
                 "description": "<p>" + str(_l("This is demo content: your own products appear here once you "
                                                "add them.")) + "</p>",
                 "summary": "", "category_id": ""})
    return card


def _skus(specs: list[dict], price: int) -> list[dict]:
    combos: list[list[str]] = [[]]
    for spec in specs:
        combos = [combo + [value] for combo in combos for value in spec["values"]]
    return [{"id": f"demo-sku-{i}", "values": combo, "price": price + 1000 * (i % 2), "original_price": None,
             "stock": 0 if i == 1 else 20 + i} for i, combo in enumerate(combos)]


def categories(industry: str, tree: bool = False) -> list[dict]:
    rows = INDUSTRIES[industry].demo_categories
    out = []
    for index, (name, icon_name, children) in enumerate(rows):
        node = {"id": f"demo-cat-{index + 1}", "label": str(name), "name": str(name), "icon": icon_name,
                "image": "", "url": "/categories", "demo": True}
        if tree:
            node["children"] = [{"id": f"demo-cat-{index + 1}-{j + 1}", "name": str(child),
                                 "url": "/categories", "children": []} for j, child in enumerate(children)]
        out.append(node)
    return out


def seed_demo_store(tenant, store: dict, owner) -> str:
    """Give a demo store its industry template (``store["template"]``), published; keep an existing theme."""
    from . import services

    theme = services.find_theme()
    if theme is None:
        theme = services.setup(tenant, store.get("template"), owner)
    return f"theme: template {theme.template}, published version {theme.published_version}"
