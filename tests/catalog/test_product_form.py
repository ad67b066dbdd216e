"""The new-product form never loses work (issue #10, item 5), posted as a browser without
JavaScript would: every error at once, images kept across a failed submit (signed tokens for this
store only), an image over the upload limit refused inside the form with what was typed kept, and a
request over the whole-body cap sent back to its page with the limits (the API keeps its JSON 413)."""

from __future__ import annotations

import html as htmllib
import io
import re

import pytest

from kaidian.catalog import media
from kaidian.catalog.models import Product, ProductImage
from tests.catalog.helpers import count, image_bytes, in_store
from tests.conftest import csrf_token, login

NEW = "/admin/catalog/products/new"
TOKEN_RE = re.compile(r'name="staged_images" value="([^"]+)"')


@pytest.fixture
def merchant(client, store):
    login(client, store.login)
    client.set_cookie("lang", "en")
    return client


def _form(merchant, **fields) -> dict:
    base = {"csrf_token": csrf_token(merchant, NEW), "action": "save", "title": "", "sku_key_0": "[]",
            "sku_price_0": "", "low_stock_threshold": "5"}
    return {**base, **fields}


def _post(merchant, form):
    return merchant.post(NEW, data=form, content_type="multipart/form-data")


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def test_an_empty_form_shows_every_error_at_once(app, merchant):
    response = _post(merchant, _form(merchant))
    assert response.status_code == 422
    page = _text(response)
    assert "Add at least one image." in page
    assert re.search(r'id="title"[^>]*>\s*<p class="field-error"', page)  # the title is flagged too
    assert "Give a price." in page
    assert count(app, Product) == 0


def test_a_failed_submit_keeps_the_uploaded_images(app, merchant, store):
    form = _form(merchant, subtitle="Soft", sku_price_0="12.30")
    form["images"] = [(io.BytesIO(image_bytes(color="red")), "a.png"), (io.BytesIO(image_bytes(fmt="JPEG")), "b.jpg")]
    response = _post(merchant, form)
    assert response.status_code == 422
    page = _text(response)
    tokens = TOKEN_RE.findall(page)
    assert len(tokens) == 2 and "Add at least one image." not in page
    assert 'value="Soft"' in page and 'value="12.30"' in page
    assert count(app, Product) == 0 and count(app, ProductImage) == 0
    # when the title is filled in and the form sent again without choosing the images again
    form = _form(merchant, title="Linen shirt", sku_price_0="12.30", staged_images=tokens)
    response = _post(merchant, form)
    assert response.status_code == 302, _text(response)[:2000]
    assert count(app, Product) == 1 and count(app, ProductImage) == 2
    # a token is used once: sending it again attaches nothing to a second product
    response = _post(merchant, _form(merchant, title="Copy", sku_price_0="1", staged_images=tokens[:1]))
    assert response.status_code == 422 and "Add at least one image." in _text(response)
    assert count(app, Product) == 1 and count(app, ProductImage) == 2


def test_a_staged_image_of_another_store_or_a_forged_token_is_ignored(app, merchant, make_store):
    other = make_store("bravo")
    with in_store(app, other.tenant_id):
        foreign = media.stage_image(other.tenant_id, media.process_image(image_bytes()))["token"]
    for token in (foreign, "forged.token.value", foreign[:-2] + "xx"):
        response = _post(merchant, _form(merchant, title="Shirt", sku_price_0="1", staged_images=[token]))
        assert response.status_code == 422 and "Add at least one image." in _text(response)
    assert count(app, Product) == 0 and count(app, ProductImage) == 0


def test_an_image_over_the_limit_is_refused_in_the_form_with_the_typed_values_kept(app, merchant, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 512 * 1024)
    form = _form(merchant, title="Big picture", subtitle="Typed", sku_price_0="9.90")
    form["images"] = [(io.BytesIO(b"\xff" * (700 * 1024)), "huge.jpg"), (io.BytesIO(image_bytes()), "ok.png")]
    response = _post(merchant, form)
    assert response.status_code == 422
    page = _text(response)
    assert "huge.jpg: The file is larger than 0.5 MB." in page
    assert 'value="Big picture"' in page and 'value="Typed"' in page and 'value="9.90"' in page
    assert len(TOKEN_RE.findall(page)) == 1  # the good image is kept
    assert 'data-max-bytes="524288"' in page and "at most 0.5 MB each" in page  # the browser checks first
    assert count(app, Product) == 0


def test_a_body_over_the_cap_goes_back_to_its_form_with_the_limits(app, merchant, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    form = _form(merchant, title="Too much")
    form["images"] = [(io.BytesIO(b"\0" * (300 * 1024)), "big.png")]
    response = merchant.post(NEW, data=form, content_type="multipart/form-data",
                             headers={"Referer": "http://localhost/admin/catalog/products/new"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/catalog/products/new"
    page = _text(merchant.get(response.headers["Location"]))
    assert "The upload is too large: each file may be at most 8 MB and the whole form 0.2 MB." in page
    assert count(app, Product) == 0


def test_a_body_over_the_cap_never_redirects_to_another_site(app, merchant, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = merchant.post(NEW, data={"title": "x" * 4096}, headers={"Referer": "http://evil.example/form"})
    assert response.status_code == 413 and "The upload is too large" in _text(response)


def test_the_api_keeps_its_json_413(app, client, headers, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/api/v1/products", data=b"{" + b" " * 4096 + b"}", headers=headers,
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
