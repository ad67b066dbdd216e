"""Text responses (pages, CSS, JavaScript, JSON) are compressed as the client asks; media and downloads
are sent as they are."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from kaidian.platform.compression import fresh
from tests.themes.helpers import add_product, store_get

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro", categories=["apparel"])


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_store_page_is_compressed_and_decodes(app, client, alpha, encoding):
    plain = store_get(client, "alpha").get_data()
    response = store_get(client, "alpha", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data) < len(plain)
    assert DECODE[encoding](response.data) == plain


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_static_css_and_js_are_compressed(client, alpha, encoding):
    page = store_get(client, "alpha").get_data(as_text=True)
    for url in re.findall(r'"(/static/themes/[\w.]+\.(?:css|js)\?v=[0-9a-f]+)"', page):
        plain = store_get(client, "alpha", url).get_data()
        response = store_get(client, "alpha", url, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding, url
        assert DECODE[encoding](response.get_data()) == plain


def test_json_is_compressed(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data).startswith(b"{")


def test_a_client_that_asks_for_nothing_gets_plain_text(client, alpha):
    response = store_get(client, "alpha")
    assert "Content-Encoding" not in response.headers and response.data.startswith(b"<!doctype html>")


def test_product_images_are_sent_as_they_are(app, client, alpha):
    product = add_product(app, alpha.tenant_id, "Shirt", image=True)
    page = store_get(client, "alpha", f"/products/{product}").get_data(as_text=True)
    src = re.search(r'<img [^>]*src="(/media/[^"]+)"', page).group(1)
    response = store_get(client, "alpha", src, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype.startswith("image/")
    assert "Content-Encoding" not in response.headers


def test_a_cached_page_answers_304_to_the_etag_it_sent_compressed(client, alpha):
    first = store_get(client, "alpha", headers={"Accept-Encoding": "br"})
    etag = first.headers["ETag"]
    assert etag.endswith(':br"')
    again = store_get(client, "alpha", headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_fresh_matches_an_etag_in_any_encoding():
    from werkzeug.http import parse_etags

    assert fresh("abc", parse_etags('"abc:gzip"')) and fresh("abc", parse_etags('"abc"'))
    assert not fresh("abc", parse_etags('"abd:gzip"')) and not fresh("abc", parse_etags(""))
