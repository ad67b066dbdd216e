"""Photos a shopper attaches to an after-sales request: uploaded one at a time before the request is
sent (a phone's connection uploads each while the shopper types the reason), then named in the
request by the signed tokens the uploads returned.

An upload is checked by content through the platform's storage helpers, like the catalog's images:
at most ``MAX_BYTES`` (5 MB, and never above ``MAX_UPLOAD_BYTES``), a real JPEG/PNG/WebP/GIF of at
most ``storage.MAX_PIXELS`` (decompression bombs refused, decoded by reduction) and at least
``MIN_SIDE`` px on its short side; it is re-encoded as a JPEG of at most ``MAX_SIDE`` px (upright,
metadata such as GPS dropped) and stored under ``t/<tenant>/aftersales/``.

The token is signed with the app's key for this store **and** this customer and lives a day
(``TOKEN_MAX_AGE``), so a request can only carry photos its own shopper uploaded in this store: a
token from another store, another customer, forged or expired is refused with 422 and no request is
made. A request holds at most ``MAX_PHOTOS``; the request row keeps the storage keys.

Why signed tokens rather than rows: an upload that is never sent leaves only a file (no row to clean
up), and the request needs no second round trip to look uploads up. Unsent uploads stay in storage
(a bucket lifecycle rule on ``t/*/aftersales/`` can expire them); their keys are random.
"""

from __future__ import annotations

import io
import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image

from kaidian.platform.errors import ValidationFailed
from kaidian.platform.storage import get_storage, media_url, open_image, read_upload
from kaidian.platform.tenancy import current_tenant_id

MAX_PHOTOS = 6
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 1600
TOKEN_MAX_AGE = 24 * 3600
FOLDER = "aftersales"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian.orders.after-sale-photo")


def _limit() -> int:
    return min(MAX_BYTES, current_app.config["MAX_UPLOAD_BYTES"])


def _jpeg(data: bytes) -> bytes:
    """The upload checked and re-encoded (upright, no metadata, at most ``MAX_SIDE`` px)."""
    image = open_image(data, reduce_to=MAX_SIDE)
    if min(image.size) < MIN_SIDE:
        raise ValidationFailed(fields={"file": [_l("The photo is too small: at least %(n)s pixels on each side.",
                                                   n=MIN_SIDE)]})
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def upload(customer_id: uuid.UUID, file_storage) -> dict:
    """Check and store one photo of ``customer_id``: ``{"token", "url"}`` (the token goes in the request)."""
    data = _jpeg(read_upload(file_storage, _limit()))
    tenant_id = current_tenant_id()
    key = get_storage().save(f"t/{tenant_id}/{FOLDER}/{uuid.uuid4().hex}.jpg", data, "image/jpeg")
    token = _signer().dumps({"t": str(tenant_id), "c": str(customer_id), "k": key})
    return {"token": token, "url": media_url(key)}


def claim(customer_id: uuid.UUID, tokens: list[str]) -> list[str]:
    """The storage keys of the photos ``tokens`` name, in order and once each; 422 for any token that
    is not this customer's upload in this store (forged, another store's or customer's, expired, its
    file gone) or when there are more than ``MAX_PHOTOS``."""
    if len(tokens) > MAX_PHOTOS:
        raise ValidationFailed(fields={"photos": [_l("At most %(n)s photos.", n=MAX_PHOTOS)]})
    tenant_id, keys = str(current_tenant_id()), []
    for token in tokens:
        key = _key_of(token, tenant_id, str(customer_id))
        if key is None:
            raise ValidationFailed(fields={"photos": [_l("A photo was not uploaded here, or too long ago: "
                                                         "upload it again.")]})
        if key not in keys:
            keys.append(key)
    return keys


def _key_of(token: str, tenant_id: str, customer_id: str) -> str | None:
    try:
        value = _signer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadData:
        return None
    if not isinstance(value, dict):
        return None
    key = value.get("k")
    if value.get("t") != tenant_id or value.get("c") != customer_id or not isinstance(key, str):
        return None
    if not key.startswith(f"t/{tenant_id}/{FOLDER}/") or not get_storage().exists(key):
        return None
    return key


def urls(keys: list) -> list[str]:
    """Where the stored photos are shown (only this package's own keys: nothing else is ever linked)."""
    return [media_url(key) for key in keys or [] if isinstance(key, str) and f"/{FOLDER}/" in key
            and key.startswith("t/")]
