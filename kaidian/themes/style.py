"""Theme settings → CSS custom properties, with the derived colours computed here (contrast text on
the primary colour, soft tints, muted text) so the stylesheet works in older WeChat web views
that lack ``color-mix``. Every value comes from a validated setting (``#rrggbb``, integers, a
font key), so nothing a merchant types reaches the CSS unchecked."""

from __future__ import annotations

from markupsafe import Markup

from . import contrast
from .contrast import mix, readable
from .theme_schema import font_stack

MUTED_WEIGHT = 0.58  # how much of the text colour the muted text keeps, before it is made readable


def theme_variables(settings: dict) -> dict[str, str]:
    """Every colour the stylesheet draws text in is readable (WCAG AA, 4.5:1) on what it sits on:
    ``--kd-text`` on the page and the cards, ``--kd-muted`` (secondary text), ``--kd-primary-text``
    (prices, links, the current tab) and ``--kd-accent-text`` (eyebrows) in the nearest readable shade
    of their colour; ``--kd-on-primary``/``--kd-on-accent`` on those colours as fills."""
    primary, accent = settings["primary_color"], settings["accent_color"]
    background = settings["background_color"]
    radius = int(settings["corner_radius"])
    surface = contrast.surface_of(background)
    soft = mix(primary, "#ffffff", 0.12)
    text = readable(settings["text_color"], [background, surface])
    return {
        "--kd-primary": primary,
        "--kd-on-primary": contrast.on_colour(primary),
        "--kd-primary-text": readable(primary, [surface, background, soft]),
        "--kd-primary-soft": soft,
        "--kd-accent": accent,
        "--kd-on-accent": contrast.on_colour(accent),
        "--kd-accent-text": readable(accent, [surface, background]),
        "--kd-bg": background,
        "--kd-surface": surface,
        "--kd-text": text,
        "--kd-muted": readable(mix(text, surface, MUTED_WEIGHT), [surface, background]),
        "--kd-line": mix(text, surface, 0.1),
        "--kd-radius": f"{radius}px",
        "--kd-radius-sm": f"{min(radius, max(2, radius // 2)) if radius else 0}px",
        "--kd-font": font_stack(settings["font"]),
    }


def css_block(variables: dict[str, str]) -> Markup:
    body = "".join(f"{name}:{value};" for name, value in variables.items())
    return Markup(":root{") + Markup(body.replace("<", "")) + Markup("}")


def section_style(settings: dict, theme: dict) -> str:
    """Inline custom properties for a section's own colours (validated hex values only). On a section
    background of its own, the section's text (the merchant's, else the theme's) and the theme's muted,
    primary and accent text are redrawn in shades readable on it; a text colour alone is made readable
    on the page and the cards."""
    background, text = settings.get("background"), settings.get("text_color")
    if not background:
        if not text:
            return ""
        page = theme["background_color"]
        return f"--kd-section-text:{readable(text, [page, contrast.surface_of(page)])}"
    text = readable(text or theme["text_color"], background)
    return ";".join([
        f"--kd-section-bg:{background}",
        f"--kd-section-on-bg:{contrast.on_colour(background)}",
        f"--kd-section-text:{text}",
        f"--kd-muted:{readable(mix(text, background, MUTED_WEIGHT), background)}",
        f"--kd-primary-text:{readable(theme['primary_color'], background)}",
        f"--kd-accent-text:{readable(theme['accent_color'], background)}",
    ])


def on_page(colour: str, theme: dict) -> str:
    """A merchant's text colour for a section (a price colour…) as the store draws it: readable on the
    page background and the cards (templates: ``readable_on_page(settings.price_color, theme)``)."""
    background = theme["background_color"]
    return readable(colour, [background, contrast.surface_of(background)])


def on_fill(colour: str, fill: str) -> str:
    """A merchant's text colour on a colour they filled behind it (a banner slide…), made readable
    (templates: ``readable_on(s.text_color, s.background)``)."""
    return readable(colour, fill)
