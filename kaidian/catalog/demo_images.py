"""Product pictures for the demo stores, drawn at seed time with Pillow: a flat-colour illustration of the
product (one shape per kind: dress, shirt, bag, mango, tea tin…) on a soft background, with its name.

Nothing is downloaded and nothing is licence-unclear: every pixel comes from the code below and Pillow's
bundled font. The result goes through the normal media pipeline (``catalog.media.add_image``).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
CX, CY = SIZE // 2, 360  # the illustration's centre; the name sits below it


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Lighter (factor > 1) or darker (< 1) version of ``rgb``."""
    if factor >= 1:
        return tuple(int(c + (255 - c) * (factor - 1)) for c in rgb)
    return tuple(int(c * factor) for c in rgb)


def _hex(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


# --- shapes: each draws around (CX, CY) in ``ink`` with ``detail`` for the accents ---------------------


def _dress(d, ink, detail):
    d.polygon([(CX - 70, 200), (CX + 70, 200), (CX + 90, 330), (CX + 190, 540), (CX - 190, 540),
               (CX - 90, 330)], fill=ink)
    d.rectangle([CX - 90, 315, CX + 90, 340], fill=detail)
    d.line([(CX - 60, 200), (CX - 40, 150)], fill=ink, width=14)
    d.line([(CX + 60, 200), (CX + 40, 150)], fill=ink, width=14)


def _shirt(d, ink, detail):
    d.polygon([(CX - 110, 190), (CX - 40, 170), (CX, 205), (CX + 40, 170), (CX + 110, 190), (CX + 210, 280),
               (CX + 160, 340), (CX + 120, 310), (CX + 120, 540), (CX - 120, 540), (CX - 120, 310),
               (CX - 160, 340), (CX - 210, 280)], fill=ink)
    d.polygon([(CX - 40, 170), (CX, 230), (CX + 40, 170), (CX, 205)], fill=detail)
    for y in range(260, 520, 60):
        d.ellipse([CX - 8, y - 8, CX + 8, y + 8], fill=detail)


def _trousers(d, ink, detail):
    d.polygon([(CX - 120, 180), (CX + 120, 180), (CX + 150, 560), (CX + 30, 560), (CX, 300), (CX - 30, 560),
               (CX - 150, 560)], fill=ink)
    d.rectangle([CX - 120, 180, CX + 120, 215], fill=detail)


def _coat(d, ink, detail):
    _shirt(d, ink, detail)
    d.rectangle([CX - 120, 520, CX + 120, 580], fill=ink)
    d.line([(CX, 230), (CX, 580)], fill=detail, width=6)


def _skirt(d, ink, detail):
    d.polygon([(CX - 110, 220), (CX + 110, 220), (CX + 200, 540), (CX - 200, 540)], fill=ink)
    d.rectangle([CX - 110, 200, CX + 110, 235], fill=detail)
    for x in range(-150, 160, 50):
        d.line([(CX + x * 0.55, 240), (CX + x, 535)], fill=_shade(ink, 0.85), width=4)


def _bag(d, ink, detail):
    d.arc([CX - 100, 150, CX + 100, 350], 180, 360, fill=detail, width=22)
    d.rounded_rectangle([CX - 170, 250, CX + 170, 540], radius=28, fill=ink)
    d.rectangle([CX - 170, 300, CX + 170, 316], fill=detail)


def _shoe(d, ink, detail):
    d.polygon([(CX - 220, 470), (CX - 200, 330), (CX - 90, 330), (CX - 40, 400), (CX + 140, 420),
               (CX + 220, 470), (CX + 220, 510), (CX - 220, 510)], fill=ink)
    d.rectangle([CX - 220, 500, CX + 220, 530], fill=detail)
    for x in (-70, -30, 10):
        d.line([(CX + x, 380), (CX + x + 30, 405)], fill=detail, width=6)


def _scarf(d, ink, detail):
    for i in range(5):
        y = 220 + i * 60
        d.rounded_rectangle([CX - 200 + i * 6, y, CX + 200 - i * 6, y + 44], radius=22,
                            fill=ink if i % 2 == 0 else detail)
    for x in range(-170, 190, 40):
        d.line([(CX + x, 520), (CX + x, 560)], fill=ink, width=8)


def _knit(d, ink, detail):
    _shirt(d, ink, detail)
    for y in range(250, 530, 36):
        d.line([(CX - 110, y), (CX + 110, y)], fill=_shade(ink, 0.85), width=5)


def _fruit(d, ink, detail):
    d.ellipse([CX - 170, 200, CX + 150, 540], fill=ink)
    d.ellipse([CX - 120, 250, CX - 40, 330], fill=_shade(ink, 1.35))
    d.line([(CX, 210), (CX + 20, 150)], fill=(110, 80, 50), width=14)
    d.ellipse([CX + 20, 140, CX + 130, 200], fill=detail)


def _citrus(d, ink, detail):
    d.ellipse([CX - 180, 190, CX + 180, 550], fill=ink)
    d.ellipse([CX - 140, 230, CX + 140, 510], fill=_shade(ink, 1.3))
    for angle in range(0, 360, 45):
        d.pieslice([CX - 130, 240, CX + 130, 500], angle + 4, angle + 41, fill=_shade(ink, 1.1))
    d.ellipse([CX - 14, 356, CX + 14, 384], fill=detail)


def _jar(d, ink, detail):
    d.rounded_rectangle([CX - 150, 230, CX + 150, 560], radius=40, fill=ink)
    d.rounded_rectangle([CX - 120, 180, CX + 120, 240], radius=12, fill=detail)
    d.rounded_rectangle([CX - 110, 330, CX + 110, 460], radius=14, fill=_shade(ink, 1.45))


def _tin(d, ink, detail):
    d.rectangle([CX - 170, 260, CX + 170, 520], fill=ink)
    d.ellipse([CX - 170, 480, CX + 170, 560], fill=ink)
    d.ellipse([CX - 170, 220, CX + 170, 300], fill=detail)
    d.rectangle([CX - 170, 360, CX + 170, 420], fill=_shade(ink, 1.4))


def _cup(d, ink, detail):
    d.polygon([(CX - 160, 280), (CX + 160, 280), (CX + 120, 540), (CX - 120, 540)], fill=ink)
    d.arc([CX + 100, 320, CX + 220, 440], 270, 90, fill=ink, width=24)
    d.rectangle([CX - 150, 280, CX + 150, 300], fill=detail)
    for x in (-60, 0, 60):
        d.arc([CX + x - 20, 170, CX + x + 20, 260], 100, 260, fill=_shade(detail, 0.9), width=8)


def _cookie(d, ink, detail):
    for dx, dy, r in ((-90, 40, 150), (110, -30, 120)):
        d.ellipse([CX + dx - r, CY + dy - r, CX + dx + r, CY + dy + r], fill=ink)
        for ox, oy in ((-50, -40), (30, -60), (40, 30), (-30, 50), (0, 0)):
            s = r / 150
            d.ellipse([CX + dx + ox * s - 12, CY + dy + oy * s - 12, CX + dx + ox * s + 12, CY + dy + oy * s + 12],
                      fill=detail)


def _eggs(d, ink, detail):
    d.rounded_rectangle([CX - 230, 420, CX + 230, 540], radius=20, fill=detail)
    for i, x in enumerate((-150, -50, 50, 150)):
        top = 250 if i % 2 else 280
        d.ellipse([CX + x - 55, top, CX + x + 55, 460], fill=ink)


def _nuts(d, ink, detail):
    for x, y in ((-120, 360), (-40, 320), (50, 340), (130, 370), (0, 390), (-80, 400), (90, 410)):
        d.ellipse([CX + x - 42, y - 30, CX + x + 42, y + 30], fill=ink)
    d.chord([CX - 220, 200, CX + 220, 560], 0, 180, fill=detail)
    d.rectangle([CX - 220, 372, CX + 220, 392], fill=_shade(detail, 0.8))


def _bottle(d, ink, detail):
    d.rectangle([CX - 40, 150, CX + 40, 230], fill=detail)
    d.polygon([(CX - 40, 230), (CX + 40, 230), (CX + 110, 300), (CX - 110, 300)], fill=ink)
    d.rounded_rectangle([CX - 110, 290, CX + 110, 560], radius=24, fill=ink)
    d.rectangle([CX - 110, 360, CX + 110, 460], fill=_shade(ink, 1.45))


def _gift(d, ink, detail):
    d.rectangle([CX - 180, 280, CX + 180, 550], fill=ink)
    d.rectangle([CX - 200, 240, CX + 200, 300], fill=_shade(ink, 0.9))
    d.rectangle([CX - 22, 240, CX + 22, 550], fill=detail)
    d.ellipse([CX - 110, 170, CX - 10, 250], outline=detail, width=18)
    d.ellipse([CX + 10, 170, CX + 110, 250], outline=detail, width=18)


SHAPES = {
    "dress": _dress, "shirt": _shirt, "trousers": _trousers, "coat": _coat, "skirt": _skirt, "bag": _bag,
    "shoe": _shoe, "scarf": _scarf, "knit": _knit, "fruit": _fruit, "citrus": _citrus, "jar": _jar,
    "tin": _tin, "cup": _cup, "cookie": _cookie, "eggs": _eggs, "nuts": _nuts, "bottle": _bottle,
    "gift": _gift,
}


def _font(size: int):
    return ImageFont.load_default(size)  # Pillow's bundled font: no system font needed


def _centered(d, y: int, text: str, size: int, fill) -> None:
    font = _font(size)
    while d.textlength(text, font=font) > SIZE - 120 and size > 18:
        size -= 2
        font = _font(size)
    d.text((CX, y), text, font=font, fill=fill, anchor="mm")


def illustration(shape: str, name: str, ink: str, background: str, label: str = "") -> bytes:
    """A JPEG of ``shape`` in ``ink`` on ``background`` with ``name`` (Latin) and a small ``label`` on top."""
    bg = _hex(background)
    image = Image.new("RGB", (SIZE, SIZE), bg)
    d = ImageDraw.Draw(image)
    d.ellipse([CX - 290, CY - 270, CX + 290, CY + 270], fill=_shade(bg, 1.35))
    ink_rgb = _hex(ink)
    SHAPES[shape](d, ink_rgb, _shade(ink_rgb, 1.55) if sum(ink_rgb) < 300 else _shade(ink_rgb, 0.6))
    text = _shade(bg, 0.35)
    if label:
        _centered(d, 70, label.upper(), 26, _shade(bg, 0.55))
    _centered(d, 690, name, 48, text)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)  # flat colours, no alpha: a JPEG encodes far faster than a PNG
    return out.getvalue()
