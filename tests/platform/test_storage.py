"""Media storage through the API, on local disk and on S3 (a real moto server): logos are checked by
content and re-encoded, refused uploads store nothing, licences stay private."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.storage import LocalStorage, get_storage
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.tenants.models import Qualification
from tests.conftest import api_token, local_or_s3_app, login

MAX_UPLOAD = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def _storage_apps():
    return {}


@pytest.fixture(params=["local", "s3"])
def storage_app(request, app, backend, tmp_path_factory, _storage_apps):
    """An app storing media locally or on S3, shared by this module's tests (storage emptied for each)."""

    return local_or_s3_app(request, backend, tmp_path_factory, _storage_apps, MAX_UPLOAD_BYTES=MAX_UPLOAD)


@pytest.fixture
def store(make_store):
    return make_store("alpha")


@pytest.fixture
def client(storage_app):
    return storage_app.test_client()


@pytest.fixture
def headers(client, store):
    return api_token(client, store.login)


# --- helpers ---------------------------------------------------------------------------------------


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


def logo_key(app, tenant_id):
    with app.app_context(), all_tenants():
        key = db.session.get(Tenant, tenant_id).logo_key
        db.session.remove()
    return key


def image_bytes(size=(400, 200), fmt="PNG", **save) -> bytes:
    image = Image.new("RGB", size, "red")
    image.paste("blue", (0, size[1] // 2, size[0], size[1]))  # top half red, bottom half blue
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def upload_logo(client, headers, data: bytes, name: str = "logo.png"):
    return client.post("/api/v1/store/logo", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    assert isinstance(body["error"]["fields"], dict)


# --- logos -----------------------------------------------------------------------------------------


def test_logo_upload_stores_a_300px_png(storage_app, client, headers, store):
    response = upload_logo(client, headers, image_bytes())
    assert response.status_code == 200, response.get_json()
    key = logo_key(storage_app, store.tenant_id)
    assert stored_keys(storage_app) == [key]
    assert key.startswith(f"t/{store.tenant_id}/logo/") and key in response.get_json()["logo_url"]
    with Image.open(io.BytesIO(read_stored(storage_app, key))) as logo:
        assert (logo.format, logo.size) == ("PNG", (300, 300))


def test_logo_follows_exif_orientation(storage_app, client, headers, store):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90° clockwise
    upload_logo(client, headers, image_bytes(fmt="JPEG", exif=exif), "photo.jpg")
    with Image.open(io.BytesIO(read_stored(storage_app, logo_key(storage_app, store.tenant_id)))) as logo:
        left, right = logo.convert("RGB").getpixel((40, 40)), logo.convert("RGB").getpixel((260, 40))
    assert left[2] > 200 > left[0], "the bottom (blue) half must end up on the left"
    assert right[0] > 200 > right[2], "the top (red) half must end up on the right"


def _bomb(size) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # a few KB on disk, size[0]*size[1] pixels in memory
    return out.getvalue()


REFUSED_LOGOS = {
    "text named .png": (lambda: b"just some text, not an image\n", {422}),
    "empty file": (lambda: b"", {422}),
    "just over the upload limit": (lambda: b"\x89PNG" + b"\0" * MAX_UPLOAD, {422}),
    # a file over the limit is cut while the body is read: the form still says which field and why
    "twice the upload limit": (lambda: b"\x89PNG" + b"\0" * (2 * MAX_UPLOAD), {422}),
    # a body over MAX_REQUEST_BYTES (default: 16 files at the limit + 1 MiB) is refused as a whole
    "over the request limit": (lambda: b"\x89PNG" + b"\0" * (18 * MAX_UPLOAD), {413}),
    "bomb 20000x20000": (lambda: _bomb((20000, 20000)), {422}),
    "bomb 8000x8000 (64 Mpx)": (lambda: _bomb((8000, 8000)), {422}),
    "bomb 6300x6300 (40 Mpx, under the old ceiling)": (lambda: _bomb((6300, 6300)), {422}),
}


@pytest.mark.parametrize("case", list(REFUSED_LOGOS))
def test_refused_logo_changes_nothing(storage_app, client, headers, store, case):
    make_data, statuses = REFUSED_LOGOS[case]
    upload_logo(client, headers, image_bytes())
    key_before, keys_before = logo_key(storage_app, store.tenant_id), stored_keys(storage_app)
    response = upload_logo(client, headers, make_data())
    assert response.status_code in statuses
    assert_error_shape(response.get_json())
    if response.status_code == 422:
        assert response.get_json()["error"]["fields"]["file"]
    assert logo_key(storage_app, store.tenant_id) == key_before
    assert stored_keys(storage_app) == keys_before


# --- licences --------------------------------------------------------------------------------------


def upload_licence(client, headers):
    return client.post("/api/v1/qualifications", headers=headers, content_type="multipart/form-data",
                       data={"kind": "business_licence", "number": "91310000MA1", "file": (io.BytesIO(PDF), "l.pdf")})


def licence_key(app, tenant_id, qualification_id) -> str:
    with app.app_context(), tenant_context(tenant_id):
        key = db.session.execute(select(Qualification.file_key).where(Qualification.id == qualification_id)).scalar()
        db.session.remove()
    return key


def test_licence_is_stored_under_a_private_key(storage_app, client, headers, store):
    response = upload_licence(client, headers)
    assert response.status_code == 201, response.get_json()
    key = licence_key(storage_app, store.tenant_id, uuid.UUID(response.get_json()["id"]))
    assert key.startswith(f"p/{store.tenant_id}/") and stored_keys(storage_app) == [key]
    assert read_stored(storage_app, key) == PDF


def test_public_media_route_does_not_serve_a_licence(storage_app, client, headers, store):
    qualification_id = uuid.UUID(upload_licence(client, headers).get_json()["id"])
    key = licence_key(storage_app, store.tenant_id, qualification_id)
    assert client.get(f"/media/{key}").status_code == 404


@pytest.mark.parametrize("storage_app", ["local"], indirect=True)
@pytest.mark.parametrize("escape", ["t/../", "t/%2E%2E/"], ids=["dot-dot", "encoded-dot-dot"])
def test_public_media_route_refuses_dot_dot_escapes(storage_app, client, headers, store, escape):
    qualification_id = uuid.UUID(upload_licence(client, headers).get_json()["id"])
    key = licence_key(storage_app, store.tenant_id, qualification_id)
    assert client.get(f"/media/{escape}{key}").status_code == 404


def test_owner_downloads_the_licence_from_the_admin(storage_app, client, headers, store):
    qualification_id = upload_licence(client, headers).get_json()["id"]
    login(client, store.login)
    response = client.get(f"/admin/qualifications/{qualification_id}/file", headers={"Accept-Encoding": "br, gzip"})
    assert (response.status_code, response.data, response.mimetype) == (200, PDF, "application/pdf")
    assert "Content-Encoding" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("storage_app", ["local"], indirect=True)
@pytest.mark.parametrize("folder", ["exports", "invoices"])
def test_public_media_route_does_not_serve_exports_or_invoices(storage_app, client, store, folder):
    """Order exports (shoppers' addresses) and 发票 PDFs are read through the admin's own views; a
    file saved under the public prefix before they moved to ``p/`` is not served to whoever has its key."""
    key = f"t/{store.tenant_id}/{folder}/{uuid.uuid4().hex}.pdf"
    with storage_app.app_context():
        get_storage().save(key, b"%PDF-1.4 private", "application/pdf")
    assert client.get(f"/media/{key}").status_code == 404
    assert client.get(f"/media/t/{store.tenant_id}/./{folder}/{key.rsplit('/', 1)[1]}").status_code == 404


def test_exports_and_invoices_get_private_keys():
    from kaidian.platform.storage import is_public_key, new_key, new_private_key

    tenant_id = uuid.uuid4()
    assert new_private_key(tenant_id, "exports", "csv").startswith(f"p/{tenant_id}/exports/")
    assert not is_public_key(new_private_key(tenant_id, "invoices", "pdf"))
    assert is_public_key(new_key(tenant_id, "logo", "png"))
