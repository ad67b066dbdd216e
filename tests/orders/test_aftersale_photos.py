"""Photos on an after-sales request: each uploaded by the shopper (checked with Pillow, re-encoded,
stored privately through the platform's storage), named in the request by its token, shown to the
merchant in the admin. Bad files, too many, or tokens that are not this shopper's upload in this store
get a clear 4xx and change nothing. Who may see a photo, and the sweep of photos never sent, are in
``test_aftersale_photo_access.py``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from kaidian.orders import aftersale_photos
from kaidian.orders.models import AfterSale
from tests.conftest import login
from tests.orders.helpers import Shopper, count, make_customer, product

from .test_aftersales import paid_order


def image_bytes(size=(800, 600), fmt="PNG", mode="RGB", exif_gps=False) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, "red" if mode == "RGB" else 1)
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (22.0, 32.0, 0.0)}  # GPSInfo
        exif[0x0110] = "Phone X"  # camera model
        kwargs["exif"] = exif
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture(autouse=True)
def english(app, shopper, store):
    from kaidian.platform.extensions import limiter

    shopper.client.set_cookie("lang", "en", domain=f"{store.slug}.localhost")
    with app.app_context():
        limiter.reset()  # uploads are limited per IP (60 an hour); every test starts afresh


def upload(shopper: Shopper, data: bytes, name="photo.png"):
    return shopper.client.post("/api/store/after-sales/photos", base_url=shopper.base,
                               data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                               headers={"X-CSRFToken": shopper.csrf(), "Accept-Language": "en"})


def stored(app, tenant_id, prefix="p") -> list[Path]:
    return sorted((Path(app.config["MEDIA_ROOT"]) / prefix / str(tenant_id) / "aftersales").glob("*"))


def ask(shopper, order, photos):
    return shopper.post(f"/api/store/orders/{order['id']}/after-sales", {
        "kind": "refund_only", "reason": "broken on arrival", "photos": photos,
        "items": [{"line_id": order["lines"][0]["id"], "quantity": 1}]})


@pytest.fixture
def order(app, store, shopper):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    return paid_order(app, store, shopper, [(mug, 2)], 2000)


def test_photos_are_uploaded_attached_and_shown_to_the_merchant(app, client, store, shopper, order):
    first = upload(shopper, image_bytes((3000, 2000), "JPEG", exif_gps=True), "IMG_0001.JPG")
    second = upload(shopper, image_bytes((400, 400), "WEBP"), "p.webp")
    assert first.status_code == 201 and second.status_code == 201, first.get_json()
    tokens = [first.get_json()["token"], second.get_json()["token"]]
    asked = ask(shopper, order, tokens)
    assert asked.status_code == 201, asked.get_json()
    row = asked.get_json()
    urls = row["photos"]
    assert urls == [f"/api/store/after-sales/{row['id']}/photos/{n}" for n in (0, 1)]
    assert len(stored(app, store.tenant_id)) == 2 and stored(app, store.tenant_id, "t") == []  # private only
    # re-encoded: a JPEG of at most 1600 px, without the camera's metadata (GPS); the preview is the same file
    served = shopper.client.get(urls[0], base_url=shopper.base)
    assert served.status_code == 200 and served.headers["Cache-Control"] == "private, no-store"
    photo = Image.open(io.BytesIO(served.data))
    assert photo.format == "JPEG" and max(photo.size) == 1600 and not photo.getexif()
    assert shopper.client.get(first.get_json()["url"], base_url=shopper.base).data == served.data
    # the shopper's order shows them; so does the merchant's admin (after-sales list and order detail)
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert detail["after_sales"][0]["photos"] == urls
    login(client, store.login)
    admin_urls = [f"/admin/orders/after-sales/{row['id']}/photos/{n}" for n in (0, 1)]
    listing = client.get("/admin/orders/after-sales", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert all(f'<img src="{url}"' in listing for url in admin_urls)
    page = client.get(f"/admin/orders/{order['id']}").get_data(as_text=True)
    assert all(f'<img src="{url}"' in page for url in admin_urls)
    assert client.get(admin_urls[0]).data == served.data


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns; storage refuses
@pytest.mark.parametrize(("case", "status", "words"), [
    ("text", 422, "not a JPEG, PNG, WebP or GIF"),
    ("pdf", 422, "not a JPEG, PNG, WebP or GIF"),
    ("oversized", 422, "larger than 5 MB"),
    ("tiny", 422, "too small"),
    ("too_many_pixels", 422, "megapixels"),
    ("empty", 422, "empty"),
])
def test_a_bad_file_is_refused_and_nothing_is_stored(app, store, shopper, case, status, words):
    data = {
        "text": b"just some words, not an image",
        "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF",
        "oversized": b"\xff\xd8\xff" + b"\0" * aftersale_photos.MAX_BYTES,
        "tiny": image_bytes((40, 40)),
        "too_many_pixels": image_bytes((5000, 4000), mode="1"),
        "empty": b"",
    }[case]
    response = upload(shopper, data, "x.png")
    assert response.status_code == status and words in response.get_data(as_text=True), response.get_json()
    assert stored(app, store.tenant_id) == []


def test_no_file_or_a_guest_is_refused(app, store, guest):
    assert upload(guest, image_bytes()).status_code == 401
    assert stored(app, store.tenant_id) == []


def test_more_than_six_photos_are_refused_and_no_request_is_made(app, store, shopper, order):
    tokens = [upload(shopper, image_bytes()).get_json()["token"] for _ in range(aftersale_photos.MAX_PHOTOS + 1)]
    response = ask(shopper, order, tokens)
    assert response.status_code == 422 and "At most 6 photos" in response.get_data(as_text=True)
    assert count(app, AfterSale) == 0
    assert ask(shopper, order, tokens[:aftersale_photos.MAX_PHOTOS]).status_code == 201


@pytest.mark.parametrize("whose", ["other_store", "other_customer", "forged", "tampered"])
def test_a_photo_that_is_not_this_shoppers_upload_here_is_refused(app, store, other_store, shopper, order, whose):
    if whose == "other_store":
        stranger = Shopper(app, other_store.slug, other_store.tenant_id,
                           make_customer(app, other_store.tenant_id))
        token = upload(stranger, image_bytes()).get_json()["token"]
    elif whose == "other_customer":
        neighbour = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
        token = upload(neighbour, image_bytes()).get_json()["token"]
    elif whose == "forged":
        token = "eyJ0IjoiYSJ9.Zz9xYQ.forged-signature"
    else:
        mine = upload(shopper, image_bytes()).get_json()["token"]
        token = mine[:-3] + ("AAA" if not mine.endswith("AAA") else "BBB")
    response = ask(shopper, order, [token])
    assert response.status_code == 422 and "upload it again" in response.get_data(as_text=True)
    assert count(app, AfterSale) == 0
    assert shopper.get(f"/api/store/orders/{order['id']}").get_json()["after_sales"] == []
