"""Colour contrast, the one home of it: WCAG 2.x relative luminance and contrast ratio, the nearest
readable version of a colour, and the check of the colour pairs a merchant chooses for the theme.

Written by hand rather than taken from a library: the formulas are a dozen lines of the WCAG 2.2
text (§1.4.3, "relative luminance"), the packages that carry them (``wcag-contrast-ratio``,
``coloraide``) either stop at the ratio or bring a whole colour-science stack, and the part that
matters here — moving a colour to the nearest passing one while keeping its hue — is ours anyway.

How a failing colour is treated (what merchants would expect):

* **The store never shows a failing pair.** Every colour the stylesheet puts text in is computed from
  the theme here (``style.theme_variables``, ``style.section_style``): a merchant's text, price or
  link colour that is too pale (or too dark) on its background is drawn in the nearest colour of the
  same hue that reaches AA. This also covers documents published before this check and the API.
* **The builder says so before publishing.** The theme's state carries ``contrast`` (``theme_pairs``):
  each merchant-chosen pair with its ratio, the minimum and, when it fails, the suggested colour; the
  theme tab shows it live and offers the suggestion with one click.
* **Publishing adjusts rather than refuses** (``adjust_theme``): the merchant asked to publish, a shade
  of the same hue is what they would accept, and a refusal would hold back the page they are
  publishing with it. The published (and draft) theme then holds the adjusted colour, so the editor
  shows what shoppers see, and the answer names each colour changed, from what to what, and why.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

AA_NORMAL = 4.5  # body text
AA_LARGE = 3.0  # ≥ 24 px, or ≥ 18.66 px bold
WHITE, BLACK, INK = "#ffffff", "#000000", "#1a1a1a"


def rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6:
        return (0, 0, 0)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def to_hex(channels) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in channels)


def mix(a: str, b: str, weight: float) -> str:
    """``weight`` of ``a`` and the rest of ``b``."""
    return to_hex(x * weight + y * (1 - weight) for x, y in zip(rgb(a), rgb(b), strict=True))


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance (sRGB, 0 for black … 1 for white)."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(foreground: str, background: str) -> float:
    """The contrast ratio of two colours, 1 … 21 (order does not matter)."""
    a, b = luminance(foreground), luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def worst_ratio(colour: str, backgrounds) -> float:
    return min(ratio(colour, background) for background in backgrounds)


def on_colour(background: str, minimum: float = AA_NORMAL) -> str:
    """Text to put on a filled ``background`` (buttons, badges): white when it passes, else near-black,
    else black (one of the two always passes AA for normal text)."""
    for candidate in (WHITE, INK):
        if ratio(candidate, background) >= minimum:
            return candidate
    return BLACK


def _with_lightness(colour: str, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb(colour)))
    return to_hex(c * 255 for c in colorsys.hls_to_rgb(h, lightness, s))


def _search(colour: str, backgrounds, minimum: float, toward: float) -> str | None:
    """The colour of ``colour``'s hue and saturation nearest to it in lightness, on the way to
    ``toward`` (0: darker, 1: lighter), that reaches ``minimum`` on every background; None if none does."""
    end = _with_lightness(colour, toward)
    if worst_ratio(end, backgrounds) < minimum:
        return None
    start = colorsys.rgb_to_hls(*(c / 255 for c in rgb(colour)))[1]
    near, far = start, toward
    for _ in range(24):  # bisection: the ratio grows monotonically toward black or white
        middle = (near + far) / 2
        if worst_ratio(_with_lightness(colour, middle), backgrounds) >= minimum:
            far = middle
        else:
            near = middle
    return _with_lightness(colour, far)


def readable(colour: str, backgrounds, minimum: float = AA_NORMAL) -> str:
    """``colour`` itself when it reaches ``minimum`` on every one of ``backgrounds`` (one colour or a
    list), else the nearest colour of the same hue that does (darker or lighter, whichever changes it
    less); when no shade passes on all of them, the one of black and white that does best."""
    backgrounds = [backgrounds] if isinstance(backgrounds, str) else list(backgrounds)
    if worst_ratio(colour, backgrounds) >= minimum:
        return colour
    original = colorsys.rgb_to_hls(*(c / 255 for c in rgb(colour)))[1]
    found = [c for c in (_search(colour, backgrounds, minimum, 0.0), _search(colour, backgrounds, minimum, 1.0)) if c]
    if found:
        return min(found, key=lambda c: abs(colorsys.rgb_to_hls(*(x / 255 for x in rgb(c)))[1] - original))
    return max((INK, BLACK, WHITE), key=lambda c: worst_ratio(c, backgrounds))


# --- the theme's merchant-chosen pairs ------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One foreground the merchant chose, on one background, with where the foreground lives."""

    setting: str  # the theme setting whose colour is the foreground
    label: str
    foreground: str
    background: str
    minimum: float = AA_NORMAL

    @property
    def ratio(self) -> float:
        return ratio(self.foreground, self.background)

    @property
    def passes(self) -> bool:
        return self.ratio >= self.minimum

    def describe(self) -> dict:
        return {"setting": self.setting, "label": str(self.label), "foreground": self.foreground,
                "background": self.background, "ratio": round(self.ratio, 2), "minimum": self.minimum,
                "passes": self.passes,
                "suggestion": None if self.passes else readable(self.foreground, self.background, self.minimum)}


def surface_of(background: str) -> str:
    """The cards' colour: white on a light page, the page's colour lightened on a dark one."""
    return WHITE if luminance(background) > 0.5 else mix(background, WHITE, 0.9)


def theme_pairs(settings: dict) -> list[Pair]:
    """The text/background pairs the merchant picks in the theme tab: text on the page background and
    on the cards, and the primary colour as prices and links on the cards. The primary colour is kept
    as it is for fills (buttons, banners: their text is computed by ``on_colour``); where it is text,
    the store draws the suggested shade instead, which the builder shows."""
    background, text, primary = settings["background_color"], settings["text_color"], settings["primary_color"]
    surface = surface_of(background)
    on_page = _l("Text colour on the background colour")
    return [
        Pair("text_color", on_page, text, background),
        Pair("text_color", _l("Text colour on cards"), text, surface),
        Pair("primary_color", _l("Primary colour as prices and links on cards"), primary, surface),
    ]


def failing_pairs(settings: dict) -> list[dict]:
    return [pair.describe() for pair in theme_pairs(settings) if not pair.passes]


def adjust_theme(settings: dict) -> tuple[dict, list[str]]:
    """``settings`` with a failing text colour replaced by the nearest passing one of the same hue
    (readable on the page background and the cards at once), and a message for the change
    (person-facing, translated). The primary colour is left alone: it is the brand's fill, and where
    it would be text the renderer draws its readable shade."""
    adjusted, messages = dict(settings), []
    surface = surface_of(settings["background_color"])
    backgrounds = [settings["background_color"], surface]
    before = settings["text_color"]
    after = readable(before, backgrounds)
    if after != before:
        adjusted["text_color"] = after
        messages.append(str(_l(
            "The text colour %(before)s was too faint to read on the background (%(ratio)s:1; shoppers need "
            "%(minimum)s:1). It was published as %(after)s, the nearest shade of the same colour that is readable.",
            before=before, ratio=f"{worst_ratio(before, backgrounds):.2f}", minimum=f"{AA_NORMAL:.1f}", after=after)))
    return adjusted, messages
