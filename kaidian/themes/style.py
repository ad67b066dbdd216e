"""Theme settings → CSS custom properties, with the derived colours computed here (contrast text on
the primary colour, soft tints, muted text) so the stylesheet works in older WeChat web views
that lack ``color-mix``. Every value comes from a validated setting (``#rrggbb``, integers, a
font key), so nothing a merchant types reaches the CSS unchecked."""

from __future__ import annotations

from markupsafe import Markup

from .theme_schema import font_stack


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    if len(value) != 6:
        return (0, 0, 0)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, weight: float) -> str:
    """``weight`` of ``a`` and the rest of ``b``."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x * weight + y * (1 - weight) for x, y in zip(ra, rb, strict=True)))


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_text(background: str) -> str:
    return "#ffffff" if luminance(background) < 0.45 else "#1a1a1a"


def theme_variables(settings: dict) -> dict[str, str]:
    primary, accent = settings["primary_color"], settings["accent_color"]
    background, text = settings["background_color"], settings["text_color"]
    radius = int(settings["corner_radius"])
    surface = "#ffffff" if luminance(background) > 0.5 else mix(background, "#ffffff", 0.9)
    return {
        "--kd-primary": primary,
        "--kd-on-primary": contrast_text(primary),
        "--kd-primary-soft": mix(primary, "#ffffff", 0.12),
        "--kd-accent": accent,
        "--kd-on-accent": contrast_text(accent),
        "--kd-bg": background,
        "--kd-surface": surface,
        "--kd-text": text,
        "--kd-muted": mix(text, surface, 0.58),
        "--kd-line": mix(text, surface, 0.1),
        "--kd-radius": f"{radius}px",
        "--kd-radius-sm": f"{min(radius, max(2, radius // 2)) if radius else 0}px",
        "--kd-font": font_stack(settings["font"]),
    }


def css_block(variables: dict[str, str]) -> Markup:
    body = "".join(f"{name}:{value};" for name, value in variables.items())
    return Markup(":root{") + Markup(body.replace("<", "")) + Markup("}")


def section_style(settings: dict) -> str:
    """Inline custom properties for a section's own colours (validated hex values only)."""
    parts = []
    if settings.get("background"):
        parts.append(f"--kd-section-bg:{settings['background']}")
        parts.append(f"--kd-section-on-bg:{contrast_text(settings['background'])}")
    if settings.get("text_color"):
        parts.append(f"--kd-section-text:{settings['text_color']}")
    return ";".join(parts)
