"""Global theme settings: colours, corner radius, font, logo and the bottom tab bar.

The theme has the same shape as a section (``settings`` plus ``blocks``/``block_order``, the tab
bar items being the blocks), so the builder edits it with the same generic forms and the same
validator checks it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .icons import ICON_OPTIONS
from .registry import BlockType, SectionType
from .settings import CheckboxSetting, ColorSetting, ImageSetting, LinkSetting, RangeSetting, SelectSetting, TextSetting

# A small fixed list of system font stacks: no web fonts, nothing fetched from a CDN.
FONTS = {
    "system": (_l("System (PingFang / YaHei)"),
               '-apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
               '"Helvetica Neue", Arial, sans-serif'),
    "rounded": (_l("Rounded"),
                '"PingFang SC", "Yuanti SC", "HarmonyOS Sans SC", "Arial Rounded MT Bold", "Microsoft YaHei", '
                'system-ui, sans-serif'),
    "serif": (_l("Serif (Song)"),
              '"Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", "STSong", SimSun, Georgia, '
              '"Times New Roman", serif'),
    "modern": (_l("Modern sans"),
               '"SF Pro Display", "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei", "Helvetica Neue", '
               'Arial, sans-serif'),
}

TAB_LABELS = {
    "/": _l("Home"),
    "/categories": _l("Categories"),
    "/search": _l("Search"),
    "/cart": _l("Cart"),
    "/orders": _l("Orders"),
    "/member": _l("Me"),
}

THEME = SectionType(
    type="theme",
    name=_l("Theme"),
    category="layout",
    settings=[
        ColorSetting("primary_color", _l("Primary colour"), "#ff5000", allow_empty=False),
        ColorSetting("accent_color", _l("Accent colour"), "#ffb400", allow_empty=False),
        ColorSetting("background_color", _l("Background colour"), "#f6f6f6", allow_empty=False),
        ColorSetting("text_color", _l("Text colour"), "#222222", allow_empty=False),
        RangeSetting("corner_radius", _l("Corner radius"), 8, min=0, max=24, step=1, unit="px"),
        SelectSetting("font", _l("Font"), "system", [(key, label) for key, (label, _) in FONTS.items()]),
        SelectSetting("button_style", _l("Buttons"), "filled",
                      [("filled", _l("Filled")), ("outline", _l("Outline"))]),
        ImageSetting("logo", _l("Logo"), info=_l("Empty uses the logo from the store profile.")),
        CheckboxSetting("show_tab_bar", _l("Show the bottom tab bar"), True),
    ],
    blocks=[
        BlockType("tab", _l("Tab"), [
            SelectSetting("icon", _l("Icon"), "home", ICON_OPTIONS),
            TextSetting("label", _l("Label"), "", max_length=6,
                        info=_l("Empty uses the page's usual name in the shopper's language.")),
            LinkSetting("link", _l("Link"), "/"),
        ]),
    ],
    max_blocks=5,
)

DEFAULT_TABS = [
    {"type": "tab", "settings": {"icon": "home", "label": "", "link": "/"}},
    {"type": "tab", "settings": {"icon": "grid", "label": "", "link": "/categories"}},
    {"type": "tab", "settings": {"icon": "bag", "label": "", "link": "/cart"}},
    {"type": "tab", "settings": {"icon": "user", "label": "", "link": "/member"}},
]


def font_stack(key: str) -> str:
    return FONTS.get(key, FONTS["system"])[1]


def tab_label(settings: dict) -> str:
    if settings.get("label"):
        return settings["label"]
    label = TAB_LABELS.get(settings.get("link", ""))
    return str(label) if label is not None else ""


def settings_of(theme_document: dict | None) -> dict:
    """A theme document's settings, each missing one at its default."""
    saved = (theme_document or {}).get("settings") or {}
    return {setting.id: saved.get(setting.id, setting.default) for setting in THEME.settings}
