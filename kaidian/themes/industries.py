"""Industry templates: clothing, beauty, food and digital.

Each is a preset of global theme settings (colours, font, corner radius, tab bar) and a document
for each system page (home, category, product, search, member), distinct in look and section
arrangement, plus the demo products and categories the merchant's preview shows while the store
has none of its own. Texts are English message ids, resolved in the store's language when the
template is applied (``build_theme``/``build_page``), so they land in the document as the
merchant's own, editable words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from . import documents, page_kinds
from .theme_schema import DEFAULT_TABS, THEME


@dataclass(frozen=True)
class Industry:
    key: str
    name: object
    description: object
    theme: dict
    pages: dict[str, list[tuple]]  # handle -> [(section id, type, settings, [(block type, settings)])]
    demo_products: list[tuple] = field(default_factory=list)  # (title, price fen, original fen, icon)
    demo_categories: list[tuple] = field(default_factory=list)  # (name, icon, [child names])


def _slides(*slides) -> list[tuple]:
    return [("slide", s) for s in slides]


def _links(*links) -> list[tuple]:
    return [("link", {"icon": icon, "label": label, "link": link}) for icon, label, link in links]


def _icons(*items) -> list[tuple]:
    return [("item", {"icon": icon, "label": label, "link": link}) for icon, label, link in items]


def _keywords(*words) -> list[tuple]:
    return [("keyword", {"text": w}) for w in words]


def _product_page(extra: list[tuple]) -> list[tuple]:
    return [
        ("gallery", "product_gallery", {}, []),
        ("info", "product_info", {}, []),
        ("specs", "product_specs", {}, []),
        ("description", "product_description", {}, []),
        *extra,
    ]


def _member_page(card_colour: str = "") -> list[tuple]:
    return [
        ("profile", "member_profile", {"background": card_colour}, []),
        ("links", "member_links", {}, _links(("list", _l("My orders"), "/orders"),
                                             ("bag", _l("Cart"), "/cart"),
                                             ("home", _l("Store home"), "/"),
                                             ("grid", _l("All categories"), "/categories"),
                                             ("search", _l("Search products"), "/search"))),
        ("service", "customer_service", {}, []),
    ]


CLOTHING = Industry(
    key="clothing",
    name=_l("Clothing"),
    description=_l("Quiet black and white with a serif face and square corners; large lookbook images."),
    theme={"primary_color": "#1f1f1f", "accent_color": "#b08d57", "background_color": "#ffffff",
           "text_color": "#1f1f1f", "corner_radius": 0, "font": "serif", "button_style": "outline"},
    pages={
        "home": [
            ("announcement", "announcement_bar", {"text": _l("New season: free returns within 7 days"),
                                                  "background": "#1f1f1f", "text_color": "#ffffff"}, []),
            ("header", "header", {"layout": "center"}, []),
            ("banner", "banner", {"height": 420, "rounded": False, "interval": 5}, _slides(
                {"heading": _l("Spring / Summer collection"), "text": _l("Light fabrics, easy silhouettes"),
                 "button_label": _l("Discover"), "link": "/categories", "background": "#b9a58f"},
                {"heading": _l("The linen edit"), "text": _l("Breathable pieces for warm days"),
                 "button_label": _l("Shop now"), "link": "/search", "background": "#7d8b7f"})),
            ("categories", "category_grid", {"heading": _l("Shop by category"), "style": "chip"}, []),
            ("new", "product_grid", {"heading": _l("New arrivals"), "subheading": _l("Just landed this week"),
                                     "card_style": "plain", "count": 6}, []),
            ("edit", "image_with_text", {"heading": _l("Dressed for the weekend"),
                                         "text": _l("Relaxed tailoring and soft knits, made to mix and match."),
                                         "button_label": _l("See the edit"), "link": "/categories",
                                         "layout": "image_left", "background": "#f4efe9"}, []),
            ("best", "product_carousel", {"heading": _l("Best sellers"), "size": "large"}, []),
            ("story", "brand_story", {"eyebrow": _l("Our atelier"), "heading": _l("Made to be worn for years"),
                                      "content": _l("<p>Every piece is cut from fabrics we choose by hand and "
                                                    "sewn in small batches.</p>"),
                                      "signature": _l("— The studio")}, []),
            ("footer", "footer", {}, [("link", {"label": _l("All categories"), "link": "/categories"})]),
        ],
        "category": [
            ("search", "search_bar", {"shape": "square"}, []),
            ("browser", "category_browser", {"columns": 2}, []),
        ],
        "product": _product_page([
            ("more", "product_carousel", {"heading": _l("You may also like"), "size": "medium"}, []),
            ("service", "customer_service", {}, []),
        ]),
        "search": [("results", "search_results", {}, _keywords(_l("Dress"), _l("Linen"), _l("Shirt"),
                                                               _l("Knitwear")))],
        "member": _member_page("#1f1f1f"),
    },
    demo_products=[
        (_l("Linen wrap dress"), 39900, 49900, "dress"), (_l("Relaxed cotton shirt"), 25900, None, "shirt"),
        (_l("Wide-leg trousers"), 29900, 35900, "shirt"), (_l("Merino cardigan"), 45900, None, "shirt"),
        (_l("Canvas tote bag"), 12900, None, "bag"), (_l("Leather loafers"), 59900, 69900, "shoe"),
        (_l("Silk scarf"), 19900, None, "sparkle"), (_l("Pleated midi skirt"), 32900, None, "dress"),
    ],
    demo_categories=[
        (_l("Dresses"), "dress", [_l("Midi"), _l("Maxi")]), (_l("Tops"), "shirt", [_l("Shirts"), _l("Knitwear")]),
        (_l("Shoes"), "shoe", [_l("Loafers"), _l("Sneakers")]), (_l("Bags"), "bag", [_l("Totes")]),
    ],
)

BEAUTY = Industry(
    key="beauty",
    name=_l("Beauty"),
    description=_l("Soft rose tones, rounded type and generous corners; icons for each care routine."),
    theme={"primary_color": "#e8508a", "accent_color": "#ffb3c7", "background_color": "#fff5f8",
           "text_color": "#3b2530", "corner_radius": 16, "font": "rounded", "button_style": "filled"},
    pages={
        "home": [
            ("header", "header", {"tagline": _l("Clean beauty, gentle care")}, []),
            ("search", "search_bar", {"placeholder": _l("Search serums, masks, lipsticks")}, []),
            ("banner", "banner", {"height": 180}, _slides(
                {"heading": _l("Glow starts here"), "text": _l("Hydrating serums for every skin type"),
                 "button_label": _l("Shop now"), "link": "/categories", "background": "#f28fb3"},
                {"heading": _l("Gift sets"), "text": _l("Beautifully boxed, ready to give"),
                 "button_label": _l("See sets"), "link": "/search", "background": "#c98bd9"})),
            ("nav", "icon_nav", {"columns": 5, "shape": "circle"}, _icons(
                ("drop", _l("Skincare"), "/categories"), ("lipstick", _l("Makeup"), "/categories"),
                ("sparkle", _l("Fragrance"), "/categories"), ("leaf", _l("Body"), "/categories"),
                ("gift", _l("Sets"), "/search"))),
            ("notice", "notice", {"text": _l("A free sample with every order — while stocks last.")}, []),
            ("best", "product_carousel", {"heading": _l("Bestsellers"), "size": "medium"}, []),
            ("foryou", "product_grid", {"heading": _l("Picked for you"), "columns": 2, "count": 6,
                                        "show_subtitle": True}, []),
            ("story", "brand_story", {"eyebrow": _l("Our promise"), "heading": _l("Kind to skin"),
                                      "content": _l("<p>Dermatologist-tested formulas, no harsh fragrance, "
                                                    "never tested on animals.</p>")}, []),
            ("service", "customer_service", {"heading": _l("Skin advice"),
                                             "text": _l("Not sure what suits your skin? Ask our advisers.")}, []),
            ("footer", "footer", {}, []),
        ],
        "category": [
            ("search", "search_bar", {}, []),
            ("browser", "category_browser", {"columns": 2}, []),
        ],
        "product": _product_page([
            ("notice", "notice", {"text": _l("Patch test new products before full use."), "scroll": False}, []),
            ("more", "product_carousel", {"heading": _l("Complete your routine"), "size": "small"}, []),
        ]),
        "search": [("results", "search_results", {}, _keywords(_l("Serum"), _l("Sunscreen"), _l("Lipstick"),
                                                               _l("Mask")))],
        "member": _member_page(),
    },
    demo_products=[
        (_l("Hydrating serum 30 ml"), 19800, 25800, "drop"), (_l("Velvet matte lipstick"), 12900, None, "lipstick"),
        (_l("Soothing sheet masks ×5"), 8900, 9900, "leaf"), (_l("Daily sunscreen SPF50"), 13900, None, "drop"),
        (_l("Rose eau de parfum"), 36900, None, "sparkle"), (_l("Gentle foam cleanser"), 7900, None, "drop"),
        (_l("Glow gift set"), 49900, 59900, "gift"), (_l("Silk hair oil"), 11900, None, "leaf"),
    ],
    demo_categories=[
        (_l("Skincare"), "drop", [_l("Serums"), _l("Masks")]), (_l("Makeup"), "lipstick", [_l("Lips"), _l("Eyes")]),
        (_l("Fragrance"), "sparkle", []), (_l("Body"), "leaf", [_l("Hair")]),
    ],
)

FOOD = Industry(
    key="food",
    name=_l("Food"),
    description=_l("Warm orange and sunshine yellow, friendly icons and a big list of today's picks."),
    theme={"primary_color": "#e4572e", "accent_color": "#ffb627", "background_color": "#fff8ef",
           "text_color": "#2d2219", "corner_radius": 12, "font": "system", "button_style": "filled"},
    pages={
        "home": [
            ("announcement", "announcement_bar", {"text": _l("Order by 16:00, shipped the same day")}, []),
            ("header", "header", {}, []),
            ("search", "search_bar", {"placeholder": _l("Search snacks, fruit, tea")}, []),
            ("banner", "banner", {"height": 200}, _slides(
                {"heading": _l("Fresh from the farm"), "text": _l("Picked at dawn, at your door tomorrow"),
                 "button_label": _l("Order now"), "link": "/categories", "background": "#f08a4b"},
                {"heading": _l("Snack box"), "text": _l("Twelve treats in one box"),
                 "button_label": _l("Take a look"), "link": "/search", "background": "#7fb069"})),
            ("nav", "icon_nav", {"columns": 5, "shape": "square"}, _icons(
                ("apple", _l("Fruit"), "/categories"), ("cake", _l("Snacks"), "/categories"),
                ("coffee", _l("Drinks"), "/categories"), ("leaf", _l("Fresh"), "/categories"),
                ("gift", _l("Gifts"), "/search"))),
            ("notice", "notice", {"text": _l("Cold-chain delivery keeps fresh food fresh.")}, []),
            ("today", "product_grid", {"heading": _l("Today's picks"), "columns": 1, "count": 3,
                                       "show_subtitle": True, "more_label": ""}, []),
            ("categories", "category_grid", {"heading": _l("Shop by aisle"), "columns": 4}, []),
            ("fresh", "product_grid", {"heading": _l("Fresh arrivals"), "columns": 2, "count": 6}, []),
            ("video", "video", {"heading": _l("From our farm")}, []),
            ("service", "customer_service", {}, []),
            ("footer", "footer", {}, []),
        ],
        "category": [
            ("search", "search_bar", {}, []),
            ("browser", "category_browser", {"columns": 1}, []),
        ],
        "product": _product_page([
            ("notice", "notice", {"text": _l("Keep refrigerated after opening."), "scroll": False}, []),
            ("more", "product_grid", {"heading": _l("Goes well with"), "columns": 2, "count": 4,
                                      "more_label": ""}, []),
        ]),
        "search": [("results", "search_results", {"columns": 1}, _keywords(_l("Mango"), _l("Tea"), _l("Nuts"),
                                                                             _l("Cookies")))],
        "member": _member_page(),
    },
    demo_products=[
        (_l("Sun-ripened mangoes 2.5 kg"), 5990, 6990, "apple"), (_l("Mixed nuts gift tin"), 8800, None, "gift"),
        (_l("Butter cookies"), 3900, None, "cake"), (_l("Spring green tea 100 g"), 6800, 7800, "coffee"),
        (_l("Free-range eggs ×30"), 4590, None, "leaf"), (_l("Honey 500 g"), 5600, None, "cup"),
    ],
    demo_categories=[
        (_l("Fruit"), "apple", [_l("Citrus"), _l("Tropical")]), (_l("Snacks"), "cake", [_l("Nuts"), _l("Cookies")]),
        (_l("Drinks"), "coffee", [_l("Tea")]), (_l("Fresh"), "leaf", [_l("Eggs")]),
    ],
)

DIGITAL = Industry(
    key="digital",
    name=_l("Digital"),
    description=_l("Cool blue on light grey, a modern sans and crisp corners; three-column product grids."),
    theme={"primary_color": "#2563eb", "accent_color": "#06b6d4", "background_color": "#f1f4f9",
           "text_color": "#0f172a", "corner_radius": 6, "font": "modern", "button_style": "filled"},
    pages={
        "home": [
            ("header", "header", {"tagline": _l("Official store")}, []),
            ("search", "search_bar", {"shape": "square", "placeholder": _l("Search phones, earbuds, chargers")},
             []),
            ("banner", "banner", {"height": 220}, _slides(
                {"heading": _l("Sound, uninterrupted"), "text": _l("Noise-cancelling earbuds, 30-hour battery"),
                 "button_label": _l("Learn more"), "link": "/categories", "background": "#0f172a"},
                {"heading": _l("Charge faster"), "text": _l("65 W chargers and cables"),
                 "button_label": _l("Shop now"), "link": "/search", "background": "#1e3a8a"})),
            ("categories", "category_grid", {"heading": _l("Categories"), "columns": 4}, []),
            ("featured", "featured_product", {"eyebrow": _l("Just launched"), "layout": "side"}, []),
            ("hot", "product_grid", {"heading": _l("Hot right now"), "columns": 3, "count": 6}, []),
            ("accessories", "product_carousel", {"heading": _l("Accessories"), "size": "small"}, []),
            ("warranty", "image_with_text", {"heading": _l("Official warranty"),
                                             "text": _l("Every device comes with a one-year warranty and "
                                                        "seven-day no-reason returns."),
                                             "layout": "image_right"}, []),
            ("service", "customer_service", {"heading": _l("Tech support")}, []),
            ("footer", "footer", {}, []),
        ],
        "category": [
            ("search", "search_bar", {"shape": "square"}, []),
            ("browser", "category_browser", {"columns": 2}, []),
        ],
        "product": _product_page([
            ("promise", "rich_text", {"heading": _l("Our promise"),
                                      "content": _l("<ul><li>Genuine products</li><li>One-year warranty</li>"
                                                    "<li>Seven-day returns</li></ul>")}, []),
            ("more", "product_carousel", {"heading": _l("Accessories"), "size": "small"}, []),
        ]),
        "search": [("results", "search_results", {"columns": 2}, _keywords(_l("Earbuds"), _l("Charger"),
                                                                             _l("Phone case"), _l("Watch")))],
        "member": _member_page("#0f172a"),
    },
    demo_products=[
        (_l("Noise-cancelling earbuds"), 69900, 89900, "headphones"), (_l("65 W fast charger"), 12900, None, "box"),
        (_l("Smart watch S2"), 99900, None, "watch"), (_l("Phone 12 Pro 256 GB"), 499900, 529900, "phone"),
        (_l("Ultrabook 14"), 599900, None, "laptop"), (_l("Action camera"), 159900, 179900, "camera"),
    ],
    demo_categories=[
        (_l("Phones"), "phone", [_l("Cases")]), (_l("Audio"), "headphones", [_l("Earbuds"), _l("Speakers")]),
        (_l("Wearables"), "watch", []), (_l("Computers"), "laptop", [_l("Accessories")]),
    ],
)

INDUSTRIES: dict[str, Industry] = {i.key: i for i in (CLOTHING, BEAUTY, FOOD, DIGITAL)}
DEFAULT_INDUSTRY = "clothing"
BUSINESS_TO_INDUSTRY = {"apparel": "clothing", "beauty": "beauty", "food": "food", "digital": "digital",
                        "drug": "beauty", "medical_device": "digital"}


def industry_for(categories: list[str]) -> str:
    """The template a store starts with, from its business categories."""
    for category in categories:
        if category in BUSINESS_TO_INDUSTRY:
            return BUSINESS_TO_INDUSTRY[category]
    return DEFAULT_INDUSTRY


def _resolve(value):
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def build_theme(key: str) -> dict:
    """The template's global settings as a theme document (call inside the store's locale)."""
    industry = INDUSTRIES[key]
    tabs = {f"tab-{i + 1}": _resolve(tab) for i, tab in enumerate(DEFAULT_TABS)}
    document = {"settings": _resolve(industry.theme), "blocks": tabs, "block_order": list(tabs)}
    return documents.validate_theme(document)


def build_page(key: str, handle: str) -> dict:
    """The template's document for a system page (call inside the store's locale): the industry's own
    arrangement, else the page kind's default for the industry (``PageKind.defaults``)."""
    sections, order = {}, []
    preset = INDUSTRIES[key].pages.get(handle)
    for section_id, section_type, settings, blocks in (preset if preset is not None
                                                       else page_kinds.default_sections(handle, key)):
        block_map = {f"{block_type}-{i + 1}": {"type": block_type, "settings": _resolve(values)}
                     for i, (block_type, values) in enumerate(blocks)}
        sections[section_id] = {"type": section_type, "settings": _resolve(settings), "blocks": block_map,
                                "block_order": list(block_map)}
        order.append(section_id)
    return documents.validate_document({"sections": sections, "order": order}, handle)


def describe(key: str) -> dict:
    industry = INDUSTRIES[key]
    theme = {s.id: industry.theme.get(s.id, s.default) for s in THEME.settings if s.type in ("color", "range",
                                                                                            "select")}
    return {"key": key, "name": str(industry.name), "description": str(industry.description), "theme": theme}
