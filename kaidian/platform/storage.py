"""Media storage: local disk by default, any S3-compatible store through boto3 when configured.

Uploads are checked by content, not by name: images must open with Pillow within pixel limits
(decompression bombs refused) and are re-encoded; documents must be PDFs by their magic bytes.

Pixels cost memory, not bytes: a 5 KB PNG can declare 6300×6300 pixels (550 MB to decode and
convert). So an image is refused from its header when it has more than ``MAX_PIXELS`` (16.7 MP,
4096×4096): more than a 12 MP phone photo (4032×3024) needs, while the storefront shows at most
1500 px (theme images) and 800 px (product images) and keeps originals of at most 2048 px. And it
is decoded by reduction to the size the caller keeps (``reduce_to``): JPEGs through ``draft`` (the
decoder itself scales by 1/2, 1/4 or 1/8), other formats with ``reduce`` straight after decoding,
before any conversion copies the full-size pixels. ``bench/uploads.py`` measures the peak.
"""

from __future__ import annotations

import io
import os
import posixpath
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from .errors import ValidationFailed
from .uploads import mb

MAX_PIXELS = 4096 * 4096  # see the module docstring for why
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard (warns above, refuses above twice); ours refuses above
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


# Folders of public media whose files are written once under random names (``catalog.media``,
# ``themes.images``, the store logo): safe to cache for a year. Others (exports, invoices …) are not.
IMMUTABLE_FOLDERS = ("products", "theme", "logo")
IMMUTABLE = "public, max-age=31536000, immutable"
# Folders under ``t/`` that once held private files (order exports with shoppers' addresses, 发票 PDFs,
# shoppers' after-sales photos): they now live under ``p/``; files saved there before are never served by
# the public media route (the owning domain's checked views still read them), and ``private_move`` (``flask kaidian
# move-private-files``) moves them to ``p/``.
FORMERLY_PUBLIC_PRIVATE_FOLDERS = ("exports", "invoices", "aftersales")


def cache_control(key: str) -> str | None:
    """How long a browser or CDN may keep the file at ``key`` (None: the default)."""
    parts = key.split("/")
    if len(parts) >= 4 and parts[0] == "t" and parts[2] in IMMUTABLE_FOLDERS:
        return IMMUTABLE
    return None


class LocalStorage:
    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key escapes the media root")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def copy(self, source: str, target: str) -> None:
        """Copy the file at ``source`` to ``target``, whole or not at all (written aside, then renamed)."""
        path = self._path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        aside.write_bytes(self._path(source).read_bytes())
        os.replace(aside, path)

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """``(key, last modified)`` of every file under ``prefix`` (a folder, ending in ``/``)."""
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                key = str(path.relative_to(self.root.resolve()))
                yield key, datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def url(self, key: str) -> str:
        return url_for("platform.media", key=key)


class S3Storage:
    def __init__(self, bucket: str, endpoint_url: str | None, public_url: str | None):
        self.bucket, self.public_url = bucket, public_url
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None)

    def save(self, key: str, data: bytes, content_type: str) -> str:
        extra = {"CacheControl": cache_control(key)} if cache_control(key) else {}
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra)
        return key

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError:
            return False
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def copy(self, source: str, target: str) -> None:
        """Copy inside the bucket (S3 makes the target visible whole or not at all; the content type
        goes along, no public cache header: ``target`` is private)."""
        self.client.copy_object(Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source})

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """``(key, last modified)`` of every object under ``prefix``, a page of S3's listing at a time."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]

    def url(self, key: str) -> str:
        if self.public_url:
            return f"{self.public_url.rstrip('/')}/{key}"
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=3600
        )


def get_storage() -> LocalStorage | S3Storage:
    app = current_app._get_current_object()
    storage = app.extensions.get("kaidian_storage")
    if storage is None:
        if app.config.get("S3_BUCKET"):
            storage = S3Storage(app.config["S3_BUCKET"], app.config["S3_ENDPOINT_URL"], app.config["S3_PUBLIC_URL"])
        else:
            storage = LocalStorage(app.config["MEDIA_ROOT"])
        app.extensions["kaidian_storage"] = storage
    return storage


def media_url(key: str) -> str:
    return get_storage().url(key) if key else ""


# --- checking uploads by content ---------------------------------------------------------------


def read_upload(file_storage, max_bytes: int | None = None) -> bytes:
    """Read an uploaded file, refusing empty and oversized ones."""
    limit = max_bytes or current_app.config["MAX_UPLOAD_BYTES"]
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise ValidationFailed(fields={"file": [_l("Please choose a file.")]})
    data = file_storage.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(fields={"file": [_l("The file is larger than %(mb)s MB.", mb=mb(limit))]})
    if not data:
        raise ValidationFailed(fields={"file": [_l("The file is empty.")]})
    return data


def _too_many_pixels() -> ValidationFailed:
    message = _l("The image has more than %(mp)s megapixels (at most %(side)s×%(side)s); make it smaller and "
                 "upload it again.", mp=MAX_PIXELS // 1_000_000, side=4096)
    return ValidationFailed(fields={"file": [message]})


def open_image(data: bytes, reduce_to: int | None = None, cover: bool = False) -> Image.Image:
    """The upload as an upright Pillow image, refused unless it is a safe JPEG/PNG/WebP/GIF of at
    most ``MAX_PIXELS``. With ``reduce_to``, decoded only as large as needed to fit ``reduce_to``
    on its long side (``cover``: on its short side) — the caller scales the rest of the way."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise ValueError(image.format)
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        if reduce_to and image.format == "JPEG":
            image.draft(None, _draft_box(image.size, reduce_to, cover))
        image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:
        raise ValidationFailed(fields={"file": [_l("The file is not a JPEG, PNG, WebP or GIF image.")]}) from None
    if reduce_to:
        image = _reduce(image, reduce_to, cover)
    return ImageOps.exif_transpose(image)


def _draft_box(size: tuple[int, int], target: int, cover: bool) -> tuple[int, int]:
    """The size to ask the JPEG decoder for (it returns at least this, by 1/2, 1/4 or 1/8)."""
    width, height = size
    scale = target / (min(width, height) if cover else max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _reduce(image: Image.Image, target: int, cover: bool) -> Image.Image:
    """Shrink by a whole factor, keeping the side that matters at ``target`` pixels or more."""
    side = min(image.size) if cover else max(image.size)
    factor = side // target
    if factor < 2:
        return image
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        has_alpha = image.mode in ("PA", "La") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if has_alpha else "RGB")
    return image.reduce(factor)


def square_image(data: bytes, size: int) -> bytes:
    """Re-encode an uploaded image as a ``size``×``size`` PNG, cropped to the centre."""
    image = open_image(data, reduce_to=size, cover=True).convert("RGBA")
    fitted = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, "PNG", optimize=True)
    return out.getvalue()


def reencode_image(data: bytes, max_side: int = 2000) -> bytes:
    image = open_image(data, reduce_to=max_side).convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def document_kind(data: bytes) -> str:
    """'pdf' or 'image' by content; anything else is refused."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    open_image(data, reduce_to=2000)
    return "image"


def new_key(tenant_id: uuid.UUID, folder: str, extension: str) -> str:
    """A key for a file shoppers may see (served by ``/media/`` or a public bucket path)."""
    return f"t/{tenant_id}/{folder}/{uuid.uuid4().hex}.{extension}"


def new_private_key(tenant_id: uuid.UUID, folder: str, extension: str) -> str:
    """A key for a file only the store's staff may read, through a view that checks who asks."""
    return f"p/{tenant_id}/{folder}/{uuid.uuid4().hex}.{extension}"


def is_public_key(key: str) -> bool:
    """Whether ``key`` may be served to anyone who has it (the ``/media/`` route)."""
    parts = posixpath.normpath(key).split("/")
    return len(parts) >= 4 and parts[0] == "t" and parts[2] not in FORMERLY_PUBLIC_PRIVATE_FOLDERS
