"""Images a merchant uploads for sections (banners, tiles, stories) and how pages size them.

An upload is checked by content and re-encoded (``platform.storage``): at most 1500 px on its long
side, plus a 750 px wide copy when it is wider, so phones download what fits their screen
(``srcset``). The key carries the pixel size (``…/theme/<hex>_<w>x<h>.jpg``) so pages can set
``width``/``height`` (no layout shift) without a lookup.

Uploads since WebP copies are made carry ``-w`` before the extension (``…_<w>x<h>-w.jpg``): a WebP of
each size sits beside them (``…-w.webp``, ``…-w_s.webp``), offered first through ``<picture>``; older
keys have no marker and are offered as they are.
"""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image

from kaidian.platform.storage import get_storage, media_url, open_image

MAX_SIDE = 1500
SMALL_WIDTH = 750
DIMS_RE = re.compile(r"_(\d{1,5})x(\d{1,5})(-w)?\.(jpg|png)$")
WEBP_MARK = "-w"


def theme_image(key: str) -> dict | None:
    """``{"url", "width", "height", "srcset", "sources"}`` for a media key (sizes unknown for other keys;
    ``sources``: the WebP ``<source>`` of keys that have one)."""
    if not key:
        return None
    url = media_url(key)
    match = DIMS_RE.search(key)
    if not match:
        return {"url": url, "width": None, "height": None, "srcset": "", "sources": []}
    width, height = int(match[1]), int(match[2])
    srcset = _srcset(key, width)
    sources = [{"type": "image/webp", "srcset": _srcset(webp_key(key), width)}] if match[3] else []
    return {"url": url, "width": width, "height": height, "srcset": srcset, "sources": sources}


def _srcset(key: str, width: int) -> str:
    if width <= SMALL_WIDTH:
        return f"{media_url(key)} {width}w"
    return f"{media_url(small_key(key))} {SMALL_WIDTH}w, {media_url(key)} {width}w"


def webp_key(key: str) -> str:
    return f"{key.rsplit('.', 1)[0]}.webp"


def small_key(key: str) -> str:
    stem, ext = key.rsplit(".", 1)
    return f"{stem}_s.{ext}"


def save_upload(tenant_id: uuid.UUID, data: bytes) -> dict:
    """Re-encode an uploaded image for the theme; returns ``{"key", "url", "width", "height"}``."""
    image = open_image(data, reduce_to=MAX_SIDE)
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    extension = "png" if has_alpha else "jpg"
    key = f"t/{tenant_id}/theme/{uuid.uuid4().hex}_{image.width}x{image.height}{WEBP_MARK}.{extension}"
    sizes = [(key, image)]
    if image.width > SMALL_WIDTH:
        small_height = max(1, round(image.height * SMALL_WIDTH / image.width))
        sizes.append((small_key(key), image.resize((SMALL_WIDTH, small_height), Image.Resampling.LANCZOS)))
    storage = get_storage()
    for size_key, picture in sizes:
        storage.save(size_key, _encode(picture, extension), f"image/{'png' if has_alpha else 'jpeg'}")
        storage.save(webp_key(size_key), _encode(picture, "webp"), "image/webp")
    return {"key": key, "url": media_url(key), "width": image.width, "height": image.height}


def _encode(image: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    if extension == "webp":
        image.save(out, "WEBP", quality=80, method=4)
    elif extension == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()
