"""Photos a shopper attaches to an after-sales request: uploaded one at a time before the request is
sent (a phone's connection uploads each while the shopper types the reason), then named in the
request by the signed tokens the uploads returned.

An upload is checked by content through the platform's storage helpers, like the catalog's images:
at most ``MAX_BYTES`` (5 MB, and never above ``MAX_UPLOAD_BYTES``), a real JPEG/PNG/WebP/GIF of at
most ``storage.MAX_PIXELS`` (decompression bombs refused, decoded by reduction) and at least
``MIN_SIDE`` px on its short side; it is re-encoded as a JPEG of at most ``MAX_SIDE`` px (upright,
metadata such as GPS dropped).

**Private.** A photo of a shopper's parcel is personal data: it is stored under the private prefix
(``p/<tenant>/aftersales/``, never served by ``/media/``) and read only through views that check who
asks — the shopper who uploaded it (the preview, ``/api/store/after-sales/photos/<upload_id>``) or
whose request holds it (``/api/store/after-sales/<id>/photos/<n>``), and the store's staff holding
``orders.manage`` (``/admin/orders/after-sales/<id>/photos/<n>``, ``/api/v1/after-sales/<id>/photos/<n>``),
answered ``Cache-Control: private, no-store`` like order exports and 发票 PDFs. Anyone else gets a 404
(another store's or customer's request, a guest: 401) and no byte of the file. Requests made before
this keep their ``t/<tenant>/aftersales/`` keys: served by the same checked views, refused by
``/media/`` (``storage.FORMERLY_PUBLIC_PRIVATE_FOLDERS``) until ``flask kaidian move-private-files``
(``platform.private_move``) moves them to ``p/`` — on a public S3 bucket they are readable by URL till then.

The token is signed with the app's key for this store **and** this customer and lives a day
(``TOKEN_MAX_AGE``), so a request can only carry photos its own shopper uploaded in this store: a
token from another store, another customer, forged or expired is refused with 422 and no request is
made. A request holds at most ``MAX_PHOTOS``; the request row keeps the storage keys.

**Unsent uploads** are recorded (``AfterSalePhotoUpload``, claimed when a request names them) and
deleted with their file by the hourly ``tasks.sweep_unsent_photos`` once older than the token's life
plus ``SWEEP_GRACE`` (so a request validating a token at the last second has long committed). The
sweep locks each upload row (``SKIP LOCKED``) and a request's claim updates the same row, so a photo
is either claimed or deleted, never both; running it again finds nothing more to do.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from flask import Response, current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image
from sqlalchemy import Text, cast, select, update

from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.storage import get_storage, new_private_key, open_image, read_upload
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import atomic

from .models import AfterSale, AfterSalePhotoUpload

MAX_PHOTOS = 6
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 1600
TOKEN_MAX_AGE = 24 * 3600
SWEEP_GRACE = timedelta(hours=1)
FOLDER = "aftersales"
PRIVATE = "private, no-store"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian.orders.after-sale-photo")


def _limit() -> int:
    return min(MAX_BYTES, current_app.config["MAX_UPLOAD_BYTES"])


def _jpeg(data: bytes) -> bytes:
    """The upload checked and re-encoded (upright, no metadata, at most ``MAX_SIDE`` px)."""
    image = open_image(data, reduce_to=MAX_SIDE)
    if min(image.size) < MIN_SIDE:
        raise ValidationFailed(
            fields={"file": [_l("The photo is too small: at least %(n)s pixels on each side.", n=MIN_SIDE)]}
        )
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


@atomic
def upload(customer_id: uuid.UUID, file_storage) -> dict:
    """Check and store one photo of ``customer_id``: ``{"token", "url"}`` (the token goes in the request;
    the URL is the shopper's own preview)."""
    data = _jpeg(read_upload(file_storage, _limit()))
    tenant_id = current_tenant_id()
    row = AfterSalePhotoUpload(customer_id=customer_id, key=new_private_key(tenant_id, FOLDER, "jpg"))
    db.session.add(row)
    db.session.flush()
    get_storage().save(row.key, data, "image/jpeg")
    token = _signer().dumps({"t": str(tenant_id), "c": str(customer_id), "k": row.key})
    return {"token": token, "url": url_for("orders_store.after_sale_upload", upload_id=row.id)}


def claim(customer_id: uuid.UUID, tokens: list[str]) -> list[str]:
    """The storage keys of the photos ``tokens`` name, in order and once each, their uploads marked
    claimed (inside the request's transaction); 422 for any token that is not this customer's upload
    in this store (forged, another store's or customer's, expired, its file gone) or when there are
    more than ``MAX_PHOTOS``."""
    if len(tokens) > MAX_PHOTOS:
        raise ValidationFailed(fields={"photos": [_l("At most %(n)s photos.", n=MAX_PHOTOS)]})
    tenant_id, keys = str(current_tenant_id()), []
    for token in tokens:
        key = _key_of(token, tenant_id, str(customer_id))
        if key is None:
            raise _gone()
        if key not in keys:
            keys.append(key)
    recorded = [key for key in keys if key.startswith("p/")]  # t/ keys: tokens issued before uploads were recorded
    if recorded:
        claimed = (
            db.session.execute(
                update(AfterSalePhotoUpload)
                .where(AfterSalePhotoUpload.key.in_(recorded))
                .values(claimed_at=utcnow())
                .returning(AfterSalePhotoUpload.key)
            )
            .scalars()
            .all()
        )
        if set(claimed) != set(recorded):  # swept meanwhile
            raise _gone()
    return keys


def _gone() -> ValidationFailed:
    return ValidationFailed(fields={"photos": [_l("A photo was not uploaded here, or too long ago: upload it again.")]})


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
    if not is_photo_key(key, tenant_id) or not get_storage().exists(key):
        return None
    return key


def is_photo_key(key: object, tenant_id: object) -> bool:
    """Whether ``key`` is an after-sales photo of the store ``tenant_id`` (private, or from before)."""
    return (
        isinstance(key, str)
        and ".." not in key
        and any(key.startswith(f"{prefix}/{tenant_id}/{FOLDER}/") for prefix in ("p", "t"))
    )


# --- reading them: only through the checked views ---------------------------------------------------


def urls(row: AfterSale, endpoint: str) -> list[str]:
    """The checked addresses of ``row``'s photos at ``endpoint`` (a view taking ``after_sale_id`` and
    ``index``); only this package's own keys are ever linked."""
    return [
        url_for(endpoint, after_sale_id=row.id, index=index)
        for index, key in enumerate(row.photos or [])
        if is_photo_key(key, row.tenant_id)
    ]


def photo_of(row: AfterSale, index: int) -> Response:
    """Photo ``index`` of ``row`` — the caller has checked who asks."""
    keys = row.photos or []
    if not 0 <= index < len(keys) or not is_photo_key(keys[index], row.tenant_id):
        raise NotFound()
    return _send(keys[index])


def upload_of(customer_id: uuid.UUID, upload_id: uuid.UUID) -> Response:
    """An upload's preview, for the shopper who uploaded it only (anyone else: 404)."""
    row = db.session.execute(
        select(AfterSalePhotoUpload).where(AfterSalePhotoUpload.id == upload_id)
    ).scalar_one_or_none()
    if row is None or row.customer_id != customer_id:
        raise NotFound()
    return _send(row.key)


def _send(key: str) -> Response:
    storage = get_storage()
    if not storage.exists(key):
        raise NotFound()
    return Response(
        storage.read(key),
        mimetype="image/jpeg",
        headers={
            "Cache-Control": PRIVATE,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


# --- unsent uploads ------------------------------------------------------------------------------------


def sweep_cutoff() -> datetime:
    return utcnow() - timedelta(seconds=TOKEN_MAX_AGE) - SWEEP_GRACE


def unsent_before(cutoff: datetime, limit: int = 1000) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """``(tenant_id, upload_id)`` of uploads no request claimed, made before ``cutoff`` (every store's:
    the caller sees all tenants)."""
    return [
        tuple(pair)
        for pair in db.session.execute(
            select(AfterSalePhotoUpload.tenant_id, AfterSalePhotoUpload.id)
            .where(AfterSalePhotoUpload.claimed_at.is_(None), AfterSalePhotoUpload.created_at < cutoff)
            .order_by(AfterSalePhotoUpload.created_at)
            .limit(limit)
        )
    ]


@atomic
def delete_unsent(upload_id: uuid.UUID, cutoff: datetime) -> bool:
    """Delete an unsent upload and its file, if it is still unclaimed and older than ``cutoff`` and no
    request names its key; False when there is nothing to do (already gone, claimed, or being claimed).

    The file goes first, then the row with the commit: nothing can claim it any more (its token has
    expired, and the row stays locked until the commit), so a failed commit only leaves the row for
    the next sweep, which deletes the missing file again harmlessly."""
    row = db.session.execute(
        select(AfterSalePhotoUpload)
        .where(
            AfterSalePhotoUpload.id == upload_id,
            AfterSalePhotoUpload.claimed_at.is_(None),
            AfterSalePhotoUpload.created_at < cutoff,
        )
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if row is None:
        return False
    named = db.session.execute(
        select(AfterSale.id).where(cast(AfterSale.photos, Text).contains(row.key, autoescape=True)).limit(1)
    ).first()
    if named is not None:  # a request holds it after all: keep it
        row.claimed_at = utcnow()
        return False
    get_storage().delete(row.key)
    db.session.delete(row)
    return True
