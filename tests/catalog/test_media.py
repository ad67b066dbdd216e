"""Product images and video through the storage service, on local disk and on a real S3-compatible
server (moto's standalone server): each image is checked by content and stored three times (original,
800×800, 240×240 thumbnail), then a job adds 480 px and WebP/AVIF renditions; refused uploads store
nothing and change nothing."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from kaidian.catalog import media
from kaidian.catalog.models import ProductImage
from kaidian.platform.storage import LocalStorage, get_storage
from tests.catalog.helpers import assert_error_shape, count, image_bytes, rows, simple, upload_image
from tests.conftest import api_token, local_or_s3_app

MAX_UPLOAD = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def _media_apps():
    return {}


@pytest.fixture(params=["local", "s3"])
def media_app(request, app, backend, tmp_path_factory, _media_apps):
    """An app storing media locally or on S3, shared by this module's tests (storage emptied for each)."""

    return local_or_s3_app(request, backend, tmp_path_factory, _media_apps, MAX_UPLOAD_BYTES=MAX_UPLOAD)


@pytest.fixture
def client(media_app):
    return media_app.test_client()


@pytest.fixture
def headers(client, store):
    return {**api_token(client, store.login), "Accept-Language": "en"}


@pytest.fixture
def product_id(client, headers):
    response = client.post("/api/v1/products", json=simple(), headers=headers)
    assert response.status_code == 201
    return response.get_json()["id"]


def stored_keys(app) -> list[str]:
    with app.app_context():
        storage = get_storage()
        if isinstance(storage, LocalStorage):
            return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())
        listing = storage.client.list_objects_v2(Bucket=storage.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


def read_stored(app, key: str) -> bytes:
    with app.app_context():
        return get_storage().read(key)


def _open(app, key) -> Image.Image:
    return Image.open(io.BytesIO(read_stored(app, key)))


def test_an_image_is_stored_as_original_800_and_thumbnail(media_app, client, headers, store, product_id):
    # when a 400×200 PNG is uploaded
    response = upload_image(client, headers, product_id, image_bytes((400, 200)))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # then three files are stored under the store's prefix, and the job's further renditions beside them
    (original, main, thumb, renditions), = rows(media_app, ProductImage.original_key, ProductImage.image_key,
                                                ProductImage.thumb_key, ProductImage.renditions)
    further = [f"{main.rsplit('-', 1)[0]}-{suffix}" for suffix in renditions]
    assert renditions == media.renditions_wanted() and "480.jpg" in renditions and "800.webp" in renditions
    assert stored_keys(media_app) == sorted([original, main, thumb, *further])
    assert all(key.startswith(f"t/{store.tenant_id}/products/") for key in (original, main, thumb))
    # the main image is 800×800, the whole picture fitted in and padded with white (nothing cropped)
    with _open(media_app, main) as image:
        assert (image.format, image.size) == ("JPEG", (800, 800))
        rgb = image.convert("RGB")
        assert min(rgb.getpixel((400, 20))) > 240, "padding above the picture is white"
        assert rgb.getpixel((400, 300))[0] > 200 and rgb.getpixel((400, 500))[2] > 200
    with _open(media_app, thumb) as image:
        assert (image.format, image.size) == ("JPEG", (240, 240))
    with _open(media_app, original) as image:
        assert image.size == (400, 200)
    assert (body["width"], body["height"], body["position"]) == (400, 200, 0)
    with media_app.app_context():  # on S3 the objects carry their year-long caching for the CDN
        storage = get_storage()
        if not isinstance(storage, LocalStorage):
            head = storage.client.head_object(Bucket=storage.bucket, Key=further[-1])
            assert head["CacheControl"] == "public, max-age=31536000, immutable"
    formats = {"jpg": "JPEG", "webp": "WEBP", "avif": "AVIF"}
    for suffix, key in zip(renditions, further, strict=True):
        width, ext = suffix.split(".")
        with _open(media_app, key) as image:
            assert (image.format, image.size) == (formats[ext], (int(width), int(width))), key
    assert main.rsplit("/", 1)[1] in body["url"] and thumb.rsplit("/", 1)[1] in body["thumb_url"]


def test_exif_orientation_is_applied(media_app, client, headers, product_id):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90° clockwise
    response = upload_image(client, headers, product_id, image_bytes((400, 200), "JPEG", exif=exif), "p.jpg")
    assert response.status_code == 201
    assert (response.get_json()["width"], response.get_json()["height"]) == (200, 400)
    (original,), = rows(media_app, ProductImage.original_key)
    with _open(media_app, original) as image:
        assert image.size == (200, 400) and not image.getexif().get(0x0112)
        left, right = image.convert("RGB").getpixel((20, 200)), image.convert("RGB").getpixel((180, 200))
    assert left[2] > 200 > left[0], "the bottom (blue) half must end up on the left"
    assert right[0] > 200 > right[2]


def _bomb(size) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


REFUSED = {
    "text named .png": (lambda: b"<?php echo 'not an image'; ?>", 422),
    "html named .jpg": (lambda: b"<html><script>alert(1)</script></html>", 422),
    "pdf": (lambda: b"%PDF-1.4\n%%EOF", 422),
    "empty": (lambda: b"", 422),
    "over the upload limit": (lambda: b"\x89PNG" + b"\0" * MAX_UPLOAD, 422),
    "decompression bomb 20000x20000": (lambda: _bomb((20000, 20000)), 422),
    # the attack: 5 KB on disk, 550 MB per upload before (under the old 40 MP ceiling)
    "6300x6300 PNG of 5 KB": (lambda: _palette_bomb((6300, 6300)), 422),
    "just over the ceiling: 4097x4096": (lambda: _palette_bomb((4097, 4096)), 422),
}


def _palette_bomb(size) -> bytes:
    out = io.BytesIO()
    Image.new("P", size).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize("media_app", ["local"], indirect=True)
@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (4096, 3072)), ("PNG", (4096, 4096)), ("WEBP", (3000, 4000))])
def test_a_large_photo_is_decoded_by_reduction_and_kept_at_most_2048_px(media_app, client, headers, product_id,
                                                                       fmt, size):
    response = upload_image(client, headers, product_id, image_bytes(size, fmt), f"photo.{fmt.lower()}")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert max(body["width"], body["height"]) == 2048
    assert body["width"] * size[1] == pytest.approx(body["height"] * size[0], rel=0.01)  # proportions kept
    (original, main), = rows(media_app, ProductImage.original_key, ProductImage.image_key)
    with _open(media_app, original) as image:
        assert max(image.size) == 2048
    with _open(media_app, main) as image:
        assert image.size == (800, 800)
        assert image.convert("RGB").getpixel((400, 300))[0] > 200  # top half red, as uploaded


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_image_stores_and_changes_nothing(media_app, client, headers, product_id, case):
    make, status = REFUSED[case]
    upload_image(client, headers, product_id, image_bytes())
    keys, images = stored_keys(media_app), count(media_app, ProductImage)
    response = upload_image(client, headers, product_id, make(), "photo.png")
    assert response.status_code == status
    assert_error_shape(response.get_json())
    assert response.get_json()["error"]["fields"]["file"]
    assert stored_keys(media_app) == keys
    assert count(media_app, ProductImage) == images


@pytest.mark.parametrize("media_app", ["local"], indirect=True)
def test_at_most_15_images_ordered_and_reorderable(media_app, client, headers, product_id):
    small = image_bytes((50, 50))
    ids = [upload_image(client, headers, product_id, small).get_json()["id"] for _ in range(15)]
    keys = stored_keys(media_app)
    response = upload_image(client, headers, product_id, small)
    assert response.status_code == 422
    assert stored_keys(media_app) == keys
    # move the last image to the front: it becomes the cover
    moved = client.patch(f"/api/v1/products/{product_id}/images/{ids[-1]}", headers=headers, json={"position": 0})
    assert moved.status_code == 200
    order = [i["id"] for i in client.get(f"/api/v1/products/{product_id}/images", headers=headers).get_json()]
    assert order == [ids[-1], *ids[:-1]]


@pytest.mark.parametrize("media_app", ["local"], indirect=True)
def test_fewer_than_three_images_gives_a_hint(media_app, client, headers, product_id):
    upload_image(client, headers, product_id, image_bytes())
    assert client.get(f"/api/v1/products/{product_id}", headers=headers).get_json()["hints"]
    for _ in range(2):
        upload_image(client, headers, product_id, image_bytes())
    assert client.get(f"/api/v1/products/{product_id}", headers=headers).get_json()["hints"] == []


def test_deleting_an_image_removes_its_files_but_never_the_last_one(media_app, client, headers, product_id):
    first = upload_image(client, headers, product_id, image_bytes()).get_json()["id"]
    second = upload_image(client, headers, product_id, image_bytes()).get_json()["id"]
    per_image = 3 + len(media.renditions_wanted())
    assert len(stored_keys(media_app)) == 2 * per_image
    assert client.delete(f"/api/v1/products/{product_id}/images/{first}", headers=headers).status_code == 204
    assert len(stored_keys(media_app)) == per_image  # the renditions went with it
    response = client.delete(f"/api/v1/products/{product_id}/images/{second}", headers=headers)
    assert response.status_code == 409
    assert len(stored_keys(media_app)) == per_image and count(media_app, ProductImage) == 1


def _mp4(brand=b"isom") -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftyp" + brand + b"\0\0\0\0" + b"isom" + b"avc1"
    return ftyp + struct.pack(">I", 16) + b"mdat" + b"\0" * 8


@pytest.mark.parametrize(("data", "status"), [
    (_mp4(), 200),
    (_mp4(b"qt  ")[:8] + b"qt  \0\0\0\0qt  qt  " + b"\0" * 16, 422),
    (b"\0\0\0\x18notamp4", 422),
    (b"RIFF....AVI LIST", 422),
], ids=["mp4", "quicktime", "no-ftyp", "avi"])
def test_video_is_checked_by_its_ftyp_box(media_app, client, headers, product_id, data, status):
    keys = stored_keys(media_app)
    response = client.put(f"/api/v1/products/{product_id}/video", headers=headers,
                          content_type="multipart/form-data", data={"file": (io.BytesIO(data), "v.mp4")})
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert response.get_json()["video_url"]
        assert len(stored_keys(media_app)) == len(keys) + 1
    else:
        assert stored_keys(media_app) == keys
