"""Sections any page may hold: layout, images and video, text and service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..icons import ICON_OPTIONS
from ..registry import BlockType, SectionType, register
from ..settings import (
    CheckboxSetting,
    ColorSetting,
    ImageSetting,
    LinkSetting,
    RangeSetting,
    RichTextSetting,
    SelectSetting,
    TextSetting,
    UrlSetting,
)

ALIGN = [("left", _l("Left")), ("center", _l("Centre"))]


def _background(default: str = "") -> ColorSetting:
    return ColorSetting("background", _l("Background colour"), default,
                        info=_l("Empty uses the theme's colours."))


def _text_color(default: str = "") -> ColorSetting:
    return ColorSetting("text_color", _l("Text colour"), default, info=_l("Empty uses the theme's colours."))


register(SectionType(
    type="announcement_bar", name=_l("Announcement bar"), category="layout", limit=1,
    description=_l("A thin line of news at the very top of the page."),
    settings=[
        TextSetting("text", _l("Text"), _l("Free shipping on orders over ¥99"), max_length=60),
        LinkSetting("link", _l("Link")),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Announcement bar"), "settings": {"text": _l("Free shipping on orders over ¥99")}}],
))

register(SectionType(
    type="header", name=_l("Header"), category="layout", limit=1,
    description=_l("The store's logo and name, with a search button."),
    settings=[
        SelectSetting("layout", _l("Layout"), "left", [("left", _l("Logo on the left")),
                                                       ("center", _l("Logo in the centre"))]),
        CheckboxSetting("show_logo", _l("Show the logo"), True),
        CheckboxSetting("show_search", _l("Show the search button"), True),
        TextSetting("tagline", _l("Tagline"), "", max_length=40),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Header"), "settings": {}}],
))

register(SectionType(
    type="banner", name=_l("Banner carousel"), category="media", max_blocks=8,
    description=_l("Large slides that turn by themselves; each can link anywhere."),
    settings=[
        RangeSetting("height", _l("Height"), 200, min=120, max=480, step=10, unit="px"),
        CheckboxSetting("autoplay", _l("Turn slides automatically"), True),
        RangeSetting("interval", _l("Seconds per slide"), 4, min=2, max=10, step=1, unit="s"),
        CheckboxSetting("rounded", _l("Rounded corners and side margins"), True),
    ],
    blocks=[BlockType("slide", _l("Slide"), [
        ImageSetting("image", _l("Image"), info=_l("750×400 pixels or larger.")),
        TextSetting("heading", _l("Heading"), "", max_length=30),
        TextSetting("text", _l("Text"), "", max_length=60),
        TextSetting("button_label", _l("Button label"), "", max_length=12),
        LinkSetting("link", _l("Link")),
        SelectSetting("align", _l("Text alignment"), "left", ALIGN),
        ColorSetting("background", _l("Background colour"), "", info=_l("Shown behind the text when there "
                                                                         "is no image.")),
        _text_color("#ffffff"),
    ])],
    presets=[{"name": _l("Banner carousel"), "settings": {},
              "blocks": [{"type": "slide", "settings": {"heading": _l("New arrivals"),
                                                        "text": _l("Fresh picks for the season"),
                                                        "button_label": _l("Shop now"), "link": "/categories"}}]}],
))

register(SectionType(
    type="search_bar", name=_l("Search bar"), category="layout", limit=1,
    description=_l("A search box that opens the search page."),
    settings=[
        TextSetting("placeholder", _l("Placeholder"), _l("Search products"), max_length=40),
        SelectSetting("shape", _l("Shape"), "round", [("round", _l("Round")), ("square", _l("Square"))]),
        _background(),
    ],
    presets=[{"name": _l("Search bar"), "settings": {}}],
))

register(SectionType(
    type="icon_nav", name=_l("Icon navigation"), category="layout", max_blocks=10,
    description=_l("A row of round icons, each linking to a category or page."),
    settings=[
        RangeSetting("columns", _l("Icons per row"), 5, min=3, max=5, step=1),
        SelectSetting("shape", _l("Icon shape"), "circle", [("circle", _l("Circle")), ("square", _l("Rounded "
                                                                                                     "square")),
                                                            ("plain", _l("No background"))]),
        _background(),
    ],
    blocks=[BlockType("item", _l("Icon"), [
        SelectSetting("icon", _l("Icon"), "star", ICON_OPTIONS),
        ImageSetting("image", _l("Image"), info=_l("Replaces the icon; square, 120×120 pixels or larger.")),
        TextSetting("label", _l("Label"), _l("New"), max_length=10),
        LinkSetting("link", _l("Link")),
        ColorSetting("color", _l("Icon colour"), "", info=_l("Empty uses the theme's primary colour.")),
    ])],
    presets=[{"name": _l("Icon navigation"), "settings": {},
              "blocks": [{"type": "item", "settings": {"icon": "sparkle", "label": _l("New"), "link": "/search"}},
                         {"type": "item", "settings": {"icon": "fire", "label": _l("Hot"), "link": "/search"}},
                         {"type": "item", "settings": {"icon": "grid", "label": _l("Categories"),
                                                       "link": "/categories"}},
                         {"type": "item", "settings": {"icon": "user", "label": _l("Me"), "link": "/member"}}]}],
))

register(SectionType(
    type="image_with_text", name=_l("Image with text"), category="media",
    description=_l("An image beside a heading, a few lines and a button."),
    settings=[
        ImageSetting("image", _l("Image")),
        TextSetting("heading", _l("Heading"), _l("Our story"), max_length=40),
        TextSetting("text", _l("Text"), "", max_length=300, multiline=True),
        TextSetting("button_label", _l("Button label"), "", max_length=12),
        LinkSetting("link", _l("Link")),
        SelectSetting("layout", _l("Layout"), "image_top", [("image_top", _l("Image above")),
                                                            ("image_left", _l("Image on the left")),
                                                            ("image_right", _l("Image on the right"))]),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Image with text"), "settings": {"heading": _l("Our story")}}],
))

register(SectionType(
    type="rich_text", name=_l("Rich text"), category="text",
    description=_l("A heading and formatted text."),
    settings=[
        TextSetting("heading", _l("Heading"), "", max_length=40),
        RichTextSetting("content", _l("Text"), _l("<p>Tell shoppers what makes your store special.</p>")),
        SelectSetting("align", _l("Alignment"), "left", ALIGN),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Rich text"), "settings": {}}],
))

register(SectionType(
    type="video", name=_l("Video"), category="media",
    description=_l("A video that plays inside the page (an MP4 address)."),
    settings=[
        TextSetting("heading", _l("Heading"), "", max_length=40),
        UrlSetting("video_url", _l("Video address"), info=_l("An https address of an MP4 file.")),
        ImageSetting("poster", _l("Cover image")),
        CheckboxSetting("autoplay", _l("Play muted automatically"), False),
        CheckboxSetting("loop", _l("Loop"), False),
    ],
    presets=[{"name": _l("Video"), "settings": {}}],
))

register(SectionType(
    type="notice", name=_l("Notice"), category="text",
    description=_l("A scrolling line with a speaker icon, for store news."),
    settings=[
        TextSetting("text", _l("Text"), _l("Welcome! New arrivals every week."), max_length=120),
        LinkSetting("link", _l("Link")),
        CheckboxSetting("scroll", _l("Scroll the text"), True),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Notice"), "settings": {}}],
))

register(SectionType(
    type="brand_story", name=_l("Brand story"), category="text",
    description=_l("A picture over a short story of the brand, signed."),
    settings=[
        ImageSetting("image", _l("Image")),
        TextSetting("eyebrow", _l("Small heading"), _l("Brand story"), max_length=20),
        TextSetting("heading", _l("Heading"), _l("Made with care"), max_length=40),
        RichTextSetting("content", _l("Story"),
                        _l("<p>We started this shop to bring you things we love, chosen one by one.</p>"),
                        max_length=3000),
        TextSetting("signature", _l("Signature"), "", max_length=30),
        _background(), _text_color(),
    ],
    presets=[{"name": _l("Brand story"), "settings": {}}],
))

register(SectionType(
    type="customer_service", name=_l("Customer service"), category="service",
    description=_l("How to reach the store: phone, WeChat ID and opening hours."),
    settings=[
        TextSetting("heading", _l("Heading"), _l("Customer service"), max_length=20),
        TextSetting("text", _l("Text"), _l("Questions about an item? We are happy to help."), max_length=80),
        TextSetting("phone", _l("Phone"), "", max_length=20, info=_l("Empty uses the phone in the store profile.")),
        TextSetting("wechat_id", _l("WeChat ID"), "", max_length=40,
                    info=_l("Empty uses the customer service WeChat in the store profile.")),
        TextSetting("hours", _l("Opening hours"), _l("Daily 9:00–21:00"), max_length=40),
        _background(),
    ],
    presets=[{"name": _l("Customer service"), "settings": {}}],
))

register(SectionType(
    type="spacer", name=_l("Spacer"), category="layout",
    description=_l("Empty space, or a thin line, between sections."),
    settings=[
        RangeSetting("height", _l("Height"), 16, min=4, max=80, step=2, unit="px"),
        CheckboxSetting("divider", _l("Draw a line"), False),
        _background(),
    ],
    presets=[{"name": _l("Spacer"), "settings": {}}],
))

register(SectionType(
    type="footer", name=_l("Footer"), category="layout", limit=1, max_blocks=8,
    description=_l("Links, contact details and the small print at the bottom of the page."),
    settings=[
        TextSetting("text", _l("Small print"), "", max_length=120,
                    info=_l("For example a copyright line or a licence number.")),
        CheckboxSetting("show_contact", _l("Show the store's contact details"), True),
        _background(), _text_color(),
    ],
    blocks=[BlockType("link", _l("Link"), [
        TextSetting("label", _l("Label"), _l("About us"), max_length=20),
        LinkSetting("link", _l("Link")),
    ])],
    presets=[{"name": _l("Footer"), "settings": {}}],
))
