"""Who may see an after-sales photo (personal data: stored under ``p/``, read through checked views
only): the shopper whose request holds it and the store's staff holding ``orders.manage``; another
customer, another store, a guest, staff without the permission and the public media route get
nothing of the file. And the hourly sweep of photos uploaded but never sent."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from kaidian.orders import aftersale_photos, tasks
from kaidian.orders.models import AfterSale, AfterSalePhotoUpload
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.conftest import api_token, login
from tests.orders.helpers import Shopper, count, make_customer, product

from .test_aftersale_photos import ask, image_bytes, upload
from .test_aftersales import paid_order

JPEG = b"\xff\xd8"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    from kaidian.platform.extensions import limiter

    with app.app_context():
        limiter.reset()


@pytest.fixture
def order(app, store, shopper):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    return paid_order(app, store, shopper, [(mug, 2)], 2000)


@pytest.fixture
def request_with_photo(app, shopper, order):
    """A request holding one photo: (request JSON, the photo's bytes as the owner gets them)."""
    token = upload(shopper, image_bytes()).get_json()["token"]
    row = ask(shopper, order, [token]).get_json()
    photo = shopper.client.get(row["photos"][0], base_url=shopper.base)
    assert photo.status_code == 200 and photo.data.startswith(JPEG)
    return row, photo.data


def key_of(app, after_sale_id) -> str:
    with app.app_context(), all_tenants():
        key = db.session.execute(select(AfterSale.photos).where(AfterSale.id == uuid.UUID(after_sale_id))).scalar()[0]
        db.session.remove()
    return key


def test_the_owner_and_the_merchant_see_the_photo_privately(app, client, store, shopper, request_with_photo):
    row, data = request_with_photo
    key = key_of(app, row["id"])
    assert key.startswith(f"p/{store.tenant_id}/aftersales/")
    assert shopper.client.get(f"/api/store/after-sales/{row['id']}", base_url=shopper.base).get_json()["photos"] == [
        f"/api/store/after-sales/{row['id']}/photos/0"
    ]
    login(client, store.login)
    seen = client.get(f"/admin/orders/after-sales/{row['id']}/photos/0")
    assert seen.status_code == 200 and seen.data == data and seen.headers["Cache-Control"] == "private, no-store"
    assert seen.mimetype == "image/jpeg"


def test_the_merchant_api_links_and_serves_the_photo(app, client, store, shopper, request_with_photo):
    row, data = request_with_photo
    headers = api_token(client, store.login)
    listed = client.get(f"/api/v1/after-sales/{row['id']}", headers=headers).get_json()
    assert listed["photos"] == [f"/api/v1/after-sales/{row['id']}/photos/0"]
    served = client.get(listed["photos"][0], headers=headers)
    assert served.status_code == 200 and served.data == data


def test_the_public_media_route_serves_no_photo_new_or_old(app, client, store, shopper, request_with_photo):
    row, _ = request_with_photo
    key = key_of(app, row["id"])
    legacy = key.replace("p/", "t/", 1)
    target = Path(app.config["MEDIA_ROOT"]) / legacy
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(JPEG + b"old")
    for path in (key, legacy):
        for base in ("http://localhost", f"http://{store.slug}.localhost"):
            response = client.get(f"/media/{path}", base_url=base)
            assert response.status_code == 404 and JPEG not in response.data


@pytest.mark.parametrize("who", ["other_customer", "other_store_shopper", "guest"])
def test_another_shopper_or_a_guest_gets_nothing(app, store, other_store, shopper, request_with_photo, who):
    row, data = request_with_photo
    if who == "other_customer":
        asker = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
    elif who == "other_store_shopper":
        asker = Shopper(app, other_store.slug, other_store.tenant_id, make_customer(app, other_store.tenant_id))
    else:
        asker = Shopper(app, store.slug, store.tenant_id)
    for path in (f"/api/store/after-sales/{row['id']}/photos/0", f"/api/store/after-sales/{row['id']}"):
        response = asker.client.get(path, base_url=asker.base)
        assert response.status_code == (401 if who == "guest" else 404), response.status_code
        assert data not in response.data and b"aftersales" not in response.data


def test_an_upload_preview_is_its_uploaders_only(app, store, other_store, shopper):
    preview = upload(shopper, image_bytes()).get_json()["url"]
    assert shopper.client.get(preview, base_url=shopper.base).status_code == 200
    neighbour = Shopper(app, store.slug, store.tenant_id, make_customer(app, store.tenant_id))
    stranger = Shopper(app, other_store.slug, other_store.tenant_id, make_customer(app, other_store.tenant_id))
    for asker, status in ((neighbour, 404), (stranger, 404), (Shopper(app, store.slug, store.tenant_id), 401)):
        response = asker.client.get(preview, base_url=asker.base)
        assert response.status_code == status and not response.data.startswith(JPEG)


@pytest.mark.parametrize("who", ["other_store_owner", "staff_without_orders", "anonymous"])
def test_other_staff_get_nothing(app, client, store, other_store, shopper, request_with_photo, who):
    row, data = request_with_photo
    if who == "other_store_owner":
        login(client, other_store.login)
    elif who == "staff_without_orders":
        factories.member(app, store, "clerk@example.com")
        login(client, "clerk@example.com")
        page = client.get("/admin/orders/after-sales").get_data(as_text=True)
        assert row["id"] in page and f"/after-sales/{row['id']}/photos/" not in page  # listed, photos not linked
    response = client.get(f"/admin/orders/after-sales/{row['id']}/photos/0")
    assert (
        response.status_code
        in {"other_store_owner": (404,), "staff_without_orders": (403,), "anonymous": (302, 401)}[who]
    )
    assert data not in response.data
    if who != "anonymous":
        api = client.get(
            f"/api/v1/after-sales/{row['id']}/photos/0",
            headers=api_token(client, other_store.login if who == "other_store_owner" else "clerk@example.com"),
        )
        assert api.status_code in (403, 404) and data not in api.data


def test_a_photo_index_out_of_range_is_a_404(app, client, store, shopper, request_with_photo):
    row, _ = request_with_photo
    assert shopper.client.get(f"/api/store/after-sales/{row['id']}/photos/1", base_url=shopper.base).status_code == 404
    login(client, store.login)
    assert client.get(f"/admin/orders/after-sales/{row['id']}/photos/5").status_code == 404


def test_a_request_made_before_keeps_its_public_folder_photo_behind_the_checks(
    app, client, store, shopper, request_with_photo
):
    row, data = request_with_photo
    key = key_of(app, row["id"])
    legacy = key.replace("p/", "t/", 1)
    media = Path(app.config["MEDIA_ROOT"])
    (media / legacy).parent.mkdir(parents=True, exist_ok=True)
    (media / key).rename(media / legacy)
    with app.app_context(), all_tenants():
        db.session.execute(update(AfterSale).where(AfterSale.id == uuid.UUID(row["id"])).values(photos=[legacy]))
        db.session.commit()
    assert shopper.client.get(f"/api/store/after-sales/{row['id']}/photos/0", base_url=shopper.base).data == data
    login(client, store.login)
    assert client.get(f"/admin/orders/after-sales/{row['id']}/photos/0").data == data
    assert client.get(f"/media/{legacy}").status_code == 404


# --- photos never sent -------------------------------------------------------------------------------


def _age(app, keys, hours):
    with app.app_context(), all_tenants():
        db.session.execute(
            update(AfterSalePhotoUpload)
            .where(AfterSalePhotoUpload.key.in_(keys))
            .values(created_at=utcnow() - timedelta(hours=hours))
        )
        db.session.commit()


def _uploads(app) -> dict[str, bool]:
    """Every recorded upload's key → whether it was claimed."""
    with app.app_context(), all_tenants():
        rows = {
            row.key: row.claimed_at is not None for row in db.session.execute(select(AfterSalePhotoUpload)).scalars()
        }
        db.session.remove()
    return rows


def _sweep(app) -> int:
    with app.app_context():
        deleted = tasks.sweep_unsent_photos()
        db.session.remove()
    return deleted


def test_the_sweep_deletes_only_old_unsent_uploads_and_twice_is_harmless(app, store, other_store, shopper, order):
    media = Path(app.config["MEDIA_ROOT"])
    sent = upload(shopper, image_bytes()).get_json()["token"]
    old_unsent, new_unsent = (upload(shopper, image_bytes()).get_json()["token"] for _ in range(2))
    stranger = Shopper(app, other_store.slug, other_store.tenant_id, make_customer(app, other_store.tenant_id))
    elsewhere = upload(stranger, image_bytes()).get_json()["token"]
    assert ask(shopper, order, [sent]).status_code == 201
    with app.test_request_context():
        keys = {
            name: aftersale_photos._signer().loads(token)["k"]
            for name, token in (("sent", sent), ("old", old_unsent), ("new", new_unsent), ("elsewhere", elsewhere))
        }
    _age(app, [keys["sent"], keys["old"], keys["elsewhere"]], hours=26)
    _age(app, [keys["new"]], hours=20)

    assert _sweep(app) == 2  # this store's old unsent one and the other store's
    assert not (media / keys["old"]).exists() and not (media / keys["elsewhere"]).exists()
    assert (media / keys["sent"]).exists() and (media / keys["new"]).exists()
    assert _uploads(app) == {keys["sent"]: True, keys["new"]: False}
    assert _sweep(app) == 0 and _uploads(app) == {keys["sent"]: True, keys["new"]: False}
    # the request still shows its photo
    detail = shopper.get(f"/api/store/orders/{order['id']}").get_json()
    assert shopper.client.get(detail["after_sales"][0]["photos"][0], base_url=shopper.base).status_code == 200


def test_an_upload_a_request_names_is_never_swept(app, store, shopper, order):
    """A request holding the key (its claim lost, or made before uploads were recorded) keeps the file."""
    token = upload(shopper, image_bytes()).get_json()["token"]
    assert ask(shopper, order, [token]).status_code == 201
    with app.test_request_context():
        key = aftersale_photos._signer().loads(token)["k"]
    _age(app, [key], hours=48)
    with app.app_context(), all_tenants():
        db.session.execute(update(AfterSalePhotoUpload).values(claimed_at=None))
        db.session.commit()
    assert _sweep(app) == 0
    assert (Path(app.config["MEDIA_ROOT"]) / key).exists() and _uploads(app) == {key: True}


def test_a_swept_photo_cannot_be_sent(app, store, shopper, order):
    token = upload(shopper, image_bytes()).get_json()["token"]
    with app.test_request_context():
        key = aftersale_photos._signer().loads(token)["k"]
    _age(app, [key], hours=26)
    assert _sweep(app) == 1
    response = ask(shopper, order, [token])
    assert response.status_code == 422 and count(app, AfterSale) == 0


def test_the_sweep_is_a_registered_periodic_job():
    from kaidian.platform.jobs import PERIODIC_JOBS

    assert any(job.func is tasks.sweep_unsent_photos for job in PERIODIC_JOBS)


def test_a_claim_racing_the_sweep_loses_cleanly(app, store, shopper, order):
    """The upload row vanished between the token check and the claim: 422, no request."""
    token = upload(shopper, image_bytes()).get_json()["token"]
    with app.app_context(), all_tenants():
        db.session.execute(delete(AfterSalePhotoUpload))
        db.session.commit()
    response = ask(shopper, order, [token])
    assert response.status_code == 422 and "photos" in response.get_json()["error"]["fields"]
    assert count(app, AfterSale) == 0
