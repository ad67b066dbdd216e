"""The store's QR code, drawn on the server (segno, pure Python): inline SVG for the admin page,
SVG and PNG files to download and print."""

from __future__ import annotations

import io

from markupsafe import Markup

try:
    import segno
except ImportError:  # pragma: no cover - segno is in requirements.txt
    segno = None

MISSING = "The QR code needs the 'segno' package (pip install segno==1.6.6, listed in requirements.txt)."


def _code(url: str):
    if segno is None:
        raise RuntimeError(MISSING)
    return segno.make(url, error="m")


def svg_inline(url: str, scale: int = 4) -> Markup:
    return Markup(_code(url).svg_inline(scale=scale, border=2, title=url))


def svg_bytes(url: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=3, xmldecl=True)
    return out.getvalue()


def png_bytes(url: str, scale: int = 12) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=3)
    return out.getvalue()
