"""Images a merchant uploads for sections (banners, tiles, stories) and how pages size them.

An upload is checked by content and re-encoded (``platform.storage``): at most 1500 px on its long
side, plus a 750 px wide copy when it is wider, so phones download what fits their screen
(``srcset``). The key carries the pixel size (``…/theme/<hex>_<w>x<h>.jpg``) so pages can set
``width``/``height`` (no layout shift) without a lookup.
"""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image

from kaidian.platform.storage import get_storage, media_url, open_image

MAX_SIDE = 1500
SMALL_WIDTH = 750
DIMS_RE = re.compile(r"_(\d{1,5})x(\d{1,5})\.(jpg|png)$")


def theme_image(key: str) -> dict | None:
    """``{"url", "width", "height", "srcset"}`` for a media key (sizes unknown for other keys)."""
    if not key:
        return None
    url = media_url(key)
    match = DIMS_RE.search(key)
    if not match:
        return {"url": url, "width": None, "height": None, "srcset": ""}
    width, height = int(match[1]), int(match[2])
    srcset = ""
    if width > SMALL_WIDTH:
        srcset = f"{media_url(small_key(key))} {SMALL_WIDTH}w, {url} {width}w"
    return {"url": url, "width": width, "height": height, "srcset": srcset}


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
    key = f"t/{tenant_id}/theme/{uuid.uuid4().hex}_{image.width}x{image.height}.{extension}"
    storage = get_storage()
    storage.save(key, _encode(image, extension), f"image/{'png' if has_alpha else 'jpeg'}")
    if image.width > SMALL_WIDTH:
        small = image.resize((SMALL_WIDTH, max(1, round(image.height * SMALL_WIDTH / image.width))),
                             Image.Resampling.LANCZOS)
        storage.save(small_key(key), _encode(small, extension), f"image/{'png' if has_alpha else 'jpeg'}")
    return {"key": key, "url": media_url(key), "width": image.width, "height": image.height}


def _encode(image: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    if extension == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()
