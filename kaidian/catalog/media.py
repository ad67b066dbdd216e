"""Product images and video, through the storage service (local disk, or S3 when configured).

Images are checked by content (``storage.open_image``: a real JPEG/PNG/WebP/GIF, pixel limits so
decompression bombs are refused, EXIF orientation applied) and re-encoded with Pillow into three
files sharing one random stem:

* ``…-orig.jpg`` (or ``.png`` when it has transparency): the original, turned upright, stripped of
  its metadata (camera, GPS) and at most ``ORIGINAL_SIDE`` (2048) px on its long side — enough for
  zooming on a phone, and it lets the upload be decoded by reduction (``storage.open_image``);
* ``…-800.jpg``: the main image, **fitted within 800×800 and padded with white** to a square, so
  the whole product stays visible (nothing is cropped away);
* ``…-240.jpg``: the list thumbnail, fitted and padded the same way.

Beside those, a job (``tasks.make_renditions``, after the image is committed) adds what phones pick
from with ``srcset``: a 480 px JPEG, and WebP (and AVIF, where this Pillow can write it) at 240, 480 and
800 px — ``RENDITIONS``. ``ProductImage.renditions`` lists those stored, so a page offers only files
that exist: an image whose job has not run yet is served as the 240/800 JPEGs it always had. The job
is idempotent (it writes only what is missing), and ``flask kaidian image-renditions`` queues it for
older images (``missing_renditions``). File names are random and never rewritten, so media is cached
as immutable.

A product has at most 15 images; its first is the cover. The optional video must be an MP4 (an
ISO-BMFF ``ftyp`` box with an MP4 brand) within the upload size limit; it is stored as it is.
"""

from __future__ import annotations

import io
import struct
import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from PIL import Image, ImageOps, features
from sqlalchemy import select

from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.jobs import after_commit
from kaidian.platform.models import utcnow
from kaidian.platform.storage import get_storage, media_url, open_image
from kaidian.platform.tenancy import tenant_context
from kaidian.platform.unit import atomic, unit

from .models import Product, ProductImage

MAX_IMAGES = 15
IMAGE_SIZE = 800
ORIGINAL_SIDE = 2048
THUMB_SIZE = 240
BACKGROUND = (255, 255, 255)
MIDDLE_SIZE = 480
WIDTHS = (THUMB_SIZE, MIDDLE_SIZE, IMAGE_SIZE)
# format → (file extension, MIME type, Pillow's name, its options); newest first, as <source> lists them
MODERN_FORMATS = {"avif": ("avif", "image/avif", "AVIF", {"quality": 55, "speed": 7}),
                  "webp": ("webp", "image/webp", "WEBP", {"quality": 80, "method": 4})}
MIMES = {"jpg": "image/jpeg", **{ext: mime for ext, mime, _, _ in MODERN_FORMATS.values()}}


def modern_formats() -> list[str]:
    """The modern formats this Pillow can write (AVIF needs a Pillow built with libavif)."""
    return [name for name in MODERN_FORMATS if features.check(name)]


def renditions_wanted() -> list[str]:
    """The further renditions every product image should have, as file suffixes (``"480.jpg"``)."""
    extensions = [MODERN_FORMATS[name][0] for name in modern_formats()]
    return [f"{MIDDLE_SIZE}.jpg"] + [f"{width}.{ext}" for ext in extensions for width in WIDTHS]


MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"MSNV", b"dash",
              b"mmp4", b"f4v "}


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)


def _flatten(image: Image.Image) -> Image.Image:
    if not _has_alpha(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, BACKGROUND)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def process_image(data: bytes) -> dict:
    """The three renditions of an uploaded image (refuses anything that is not a safe image)."""
    image = open_image(data, reduce_to=ORIGINAL_SIDE)
    if max(image.size) > ORIGINAL_SIDE:
        image.thumbnail((ORIGINAL_SIDE, ORIGINAL_SIDE), Image.Resampling.LANCZOS)
    if _has_alpha(image):
        original, original_ext = _png(image.convert("RGBA")), "png"
    else:
        original, original_ext = _jpeg(image.convert("RGB"), quality=92), "jpg"
    flat = _flatten(image)
    main = ImageOps.pad(flat, (IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS, color=BACKGROUND)
    thumb = ImageOps.pad(flat, (THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS, color=BACKGROUND)
    return {"original": original, "original_ext": original_ext, "main": _jpeg(main), "thumb": _jpeg(thumb, 80),
            "width": image.width, "height": image.height}


def _stem(tenant_id: uuid.UUID) -> str:
    return f"t/{tenant_id}/products/{uuid.uuid4().hex}"


def add_image(product: Product, data: bytes) -> ProductImage:
    """Check, process and store an uploaded image, then add it after the product's others."""
    _check_room(product)
    return store_image(product, process_image(data))


def _check_room(product: Product, adding: int = 1) -> None:
    if len(product.images) + adding > MAX_IMAGES:
        raise ValidationFailed(fields={"file": [_l("A product has at most %(n)s images.", n=MAX_IMAGES)]})


def store_image(product: Product, rendition: dict) -> ProductImage:
    """Store an already processed image (``process_image``) and add it to the product."""
    storage, saved = get_storage(), []
    try:
        saved = _save_renditions(_stem(product.tenant_id), rendition)
        return _add_image(product, saved, rendition["width"], rendition["height"])
    except BaseException:
        for key in saved:
            storage.delete(key)
        raise


def _save_renditions(stem: str, rendition: dict) -> list[str]:
    storage, saved = get_storage(), []
    try:
        for suffix, content, mime in (
            (f"orig.{rendition['original_ext']}", rendition["original"],
             "image/png" if rendition["original_ext"] == "png" else "image/jpeg"),
            ("800.jpg", rendition["main"], "image/jpeg"),
            ("240.jpg", rendition["thumb"], "image/jpeg"),
        ):
            saved.append(storage.save(f"{stem}-{suffix}", content, mime))
    except BaseException:
        for key in saved:
            storage.delete(key)
        raise
    return saved


@atomic
def _add_image(product: Product, keys: list[str], width: int, height: int) -> ProductImage:
    db.session.execute(select(Product.id).where(Product.tenant_id == product.tenant_id, Product.id == product.id)
                       .with_for_update())  # two uploads at once cannot both take the 15th place
    db.session.refresh(product, attribute_names=["images"])
    _check_room(product)
    image = ProductImage(original_key=keys[0], image_key=keys[1], thumb_key=keys[2],
                         width=width, height=height, position=len(product.images), renditions=[])
    product.images.append(image)
    product.updated_at = utcnow()
    db.session.flush()
    _queue_renditions(product.tenant_id, image.id)
    return image


# --- further renditions (480 px, WebP, AVIF), added by a job -----------------------------------------


def _queue_renditions(tenant_id: uuid.UUID, image_id: uuid.UUID) -> None:
    from kaidian.platform.jobs import enqueue

    from . import tasks

    enqueue(tasks.make_renditions, str(tenant_id), str(image_id), queue="low", timeout=120,
            job_id=f"renditions-{image_id}")


def rendition_key(image: ProductImage, suffix: str) -> str:
    """``…/products/<stem>-480.webp`` beside the image's ``…-800.jpg``."""
    return f"{image.image_key.rsplit('-', 1)[0]}-{suffix}"


def rendition_keys(image: ProductImage) -> list[str]:
    return [rendition_key(image, suffix) for suffix in image.renditions or []]


def encode_rendition(flat: Image.Image, suffix: str) -> bytes:
    """The picture fitted within ``width``² and padded with white, in the suffix's format."""
    width, ext = suffix.split(".")
    padded = ImageOps.pad(flat, (int(width), int(width)), Image.Resampling.LANCZOS, color=BACKGROUND)
    if ext == "jpg":
        return _jpeg(padded, 82)
    _, _, pillow_name, options = next(f for f in MODERN_FORMATS.values() if f[0] == ext)
    out = io.BytesIO()
    padded.save(out, pillow_name, **options)
    return out.getvalue()


def make_renditions(tenant_id: uuid.UUID, image_id: uuid.UUID) -> list[str]:
    """Store the renditions the image lacks and record them; returns the suffixes added (none when the
    image is gone or complete). Encoding happens outside any transaction."""
    with tenant_context(tenant_id):
        image = db.session.get(ProductImage, (tenant_id, image_id))
        missing = [s for s in renditions_wanted() if image is not None and s not in (image.renditions or [])]
        if not missing:
            db.session.rollback()
            return []
        source, keys = image.original_key or image.image_key, {s: rendition_key(image, s) for s in missing}
        db.session.rollback()
        storage = get_storage()
        flat = _flatten(open_image(storage.read(source), reduce_to=IMAGE_SIZE))
        saved, recorded = [], False
        try:
            for suffix in missing:
                saved.append(storage.save(keys[suffix], encode_rendition(flat, suffix), MIMES[suffix.split(".")[1]]))
            recorded = _record_renditions(tenant_id, image_id, missing)
        finally:
            if not recorded:
                for key in saved:
                    storage.delete(key)
        return missing if recorded else []


@atomic
def _record_renditions(tenant_id: uuid.UUID, image_id: uuid.UUID, added: list[str]) -> bool:
    """False when the image was deleted meanwhile (its new files are then removed by the caller)."""
    image = db.session.execute(select(ProductImage).where(ProductImage.tenant_id == tenant_id,
                                                          ProductImage.id == image_id)
                               .with_for_update()).scalar_one_or_none()
    if image is None:
        return False
    have = set(image.renditions or []) | set(added)
    image.renditions = [s for s in renditions_wanted() if s in have]
    return True


def picture(image: ProductImage) -> dict:
    """How a page offers the image: the JPEG ``thumb``/``large`` and a ``srcset`` of the JPEG widths
    stored, and a ``sources`` entry (``type``, ``srcset``) per modern format stored — AVIF first, then
    WebP, for ``<picture>``. Only files listed in ``renditions`` are named, so an image whose job has
    not run yet is offered as its 240/800 JPEGs, as before."""
    have = set(image.renditions or [])
    base = {f"{THUMB_SIZE}.jpg": image.thumb_key or image.image_key, f"{IMAGE_SIZE}.jpg": image.image_key}

    def srcset(ext: str) -> str:
        found = [(w, base.get(f"{w}.{ext}") or (rendition_key(image, f"{w}.{ext}") if f"{w}.{ext}" in have else ""))
                 for w in WIDTHS]
        return ", ".join(f"{media_url(key)} {w}w" for w, key in found if key)

    sources = [{"type": mime, "srcset": srcset(ext)} for ext, mime, _, _ in MODERN_FORMATS.values()]
    return {"thumb": media_url(base[f"{THUMB_SIZE}.jpg"]), "large": media_url(image.image_key),
            "thumb_size": THUMB_SIZE, "large_size": IMAGE_SIZE, "srcset": srcset("jpg"),
            "sources": [source for source in sources if source["srcset"]]}


def missing_renditions() -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, image id) of every image, in every store, that lacks a wanted rendition."""
    wanted = set(renditions_wanted())
    rows = db.session.execute(select(ProductImage.tenant_id, ProductImage.id, ProductImage.renditions)).all()
    return [(tenant_id, image_id) for tenant_id, image_id, have in rows if not wanted <= set(have or [])]


# --- images staged before their product exists ---------------------------------------------------
# A new-product form that comes back with errors keeps the images it carried: they are processed
# and stored once, and the page carries a signed token per image (this store, its three keys) in
# the form, so the next submit attaches them instead of asking for them again.

STAGED_MAX_AGE = 24 * 3600


def _staging_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian.catalog.staged-image")


def stage_image(tenant_id: uuid.UUID, rendition: dict) -> dict:
    """Store a processed image that no product owns yet; returns its token and thumbnail key."""
    keys = _save_renditions(_stem(tenant_id), rendition)
    token = _staging_signer().dumps({"t": str(tenant_id), "k": keys, "w": rendition["width"],
                                     "h": rendition["height"]})
    return {"token": token, "keys": keys, "width": rendition["width"], "height": rendition["height"]}


def staged_images(tenant_id: uuid.UUID, tokens: list[str]) -> list[dict]:
    """The staged images the tokens name: signed by us for this store, younger than a day, not yet
    attached to a product, their files still stored. Anything else is dropped."""
    found, seen = [], set()
    for token in tokens[:MAX_IMAGES]:
        try:
            value = _staging_signer().loads(token, max_age=STAGED_MAX_AGE)
        except BadData:
            continue
        keys = value.get("k") or []
        if value.get("t") != str(tenant_id) or len(keys) != 3 or keys[1] in seen or _in_use(keys[1]):
            continue
        if not all(k.startswith(f"t/{tenant_id}/products/") for k in keys) or not get_storage().exists(keys[1]):
            continue
        seen.add(keys[1])
        found.append({"token": token, "keys": keys, "width": value["w"], "height": value["h"]})
    return found


def _in_use(image_key: str) -> bool:
    return db.session.execute(select(ProductImage.id).where(ProductImage.image_key == image_key)).first() is not None


def attach_staged(product: Product, staged: dict) -> ProductImage:
    return _add_image(product, staged["keys"], staged["width"], staged["height"])


def image_of(product: Product, image_id: uuid.UUID) -> ProductImage:
    for image in product.images:
        if image.id == image_id:
            return image
    raise NotFound()


@atomic
def move_image(product: Product, image: ProductImage, index: int) -> None:
    images = [i for i in product.images if i.id != image.id]
    images.insert(max(0, min(index, len(images))), image)
    for position, item in enumerate(images):
        item.position = position
    product.images.sort(key=lambda i: i.position)
    product.updated_at = utcnow()


@atomic
def delete_image(product: Product, image: ProductImage) -> None:
    """Remove an image (and its files). The only image of a product cannot be removed: upload
    another first, a product always keeps a cover once it has one."""
    if len(product.images) <= 1:
        raise Conflict(_l("A product needs at least one image: upload another before removing this one."))
    keys = [image.original_key, image.image_key, image.thumb_key, *rendition_keys(image)]
    product.images.remove(image)
    for position, item in enumerate(product.images):
        item.position = position
    product.updated_at = utcnow()
    _delete_after_commit(*keys)


def _delete_after_commit(*keys: str) -> None:
    """Files the database stops pointing at go once that is committed (a rollback keeps them)."""
    storage = get_storage()
    after_commit(lambda app: [storage.delete(key) for key in keys if key])


# --- video -----------------------------------------------------------------------------------------


def video_limit() -> int:
    config = current_app.config
    return min(config.get("CATALOG_VIDEO_MAX_BYTES") or config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_BYTES"])


def is_mp4(data: bytes) -> bool:
    """An ISO-BMFF file whose first box is ``ftyp`` with an MP4 major or compatible brand."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = struct.unpack(">I", data[:4])[0]
    if size < 16 or size > min(len(data), 4096):
        return False
    brands = [data[8:12]] + [data[i:i + 4] for i in range(16, size, 4)]
    return any(brand in MP4_BRANDS for brand in brands)


@atomic
def set_video(product: Product, data: bytes) -> str:
    if not is_mp4(data):
        raise ValidationFailed(fields={"file": [_l("The video must be an MP4 file.")]})
    storage = get_storage()
    key = storage.save(f"{_stem(product.tenant_id)}-video.mp4", data, "video/mp4")
    old, product.video_key, product.video_bytes = product.video_key, key, len(data)
    product.updated_at = utcnow()
    try:
        with unit(savepoint=True):
            db.session.flush()
    except BaseException:
        storage.delete(key)
        raise
    _delete_after_commit(old)
    return key


@atomic
def remove_video(product: Product) -> None:
    old, product.video_key, product.video_bytes = product.video_key, "", 0
    _delete_after_commit(old)
