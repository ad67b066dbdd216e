"""How long browsers keep what they fetched: static files by their content hash and public media for a
year (immutable), pages never without asking again."""

from __future__ import annotations

import re

import pytest

from kaidian.platform import assets
from kaidian.platform.storage import IMMUTABLE, cache_control
from tests.themes.helpers import add_product, store_get


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro", categories=["apparel"])


def _static_urls(page: str) -> list[str]:
    return re.findall(r'"(/static/themes/[\w.]+\?v=[0-9a-f]{10})"', page)


def test_static_files_are_versioned_by_content_and_immutable(client, alpha):
    urls = _static_urls(store_get(client, "alpha").get_data(as_text=True))
    assert {u.split("?")[0].rsplit("/", 1)[1] for u in urls} >= {"storefront.css", "storefront.js"}
    for url in urls:
        response = store_get(client, "alpha", url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE


def test_an_old_or_missing_version_is_not_cached_for_long(client, alpha):
    for url in ("/static/themes/storefront.css?v=0000000000", "/static/themes/storefront.css"):
        response = store_get(client, "alpha", url)
        assert response.status_code == 200 and "immutable" not in response.headers.get("Cache-Control", "")


def test_changing_a_file_changes_its_url(app, tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "a.css").write_text("body { color: red }")
    first = assets.file_version(str(folder), "a.css")
    (folder / "a.css").write_text("body { color: blue }")
    second = assets.file_version(str(folder), "a.css")
    assert first and second and first != second
    assert assets.file_version(str(folder), "../static/a.css") == second
    assert assets.file_version(str(folder), "missing.css") is None
    assert assets.file_version(str(folder), "../../etc/passwd") is None


def test_every_blueprints_static_urls_carry_the_hash(app):
    with app.test_request_context():
        from flask import url_for

        assert re.search(r"/static/platform/[\w.]+\?v=[0-9a-f]{10}$", url_for("kd_static.static", filename="forms.js"))


def test_product_photos_are_immutable_and_pages_revalidate(app, client, alpha):
    product = add_product(app, alpha.tenant_id, "Shirt", image=True)
    page = store_get(client, "alpha", f"/products/{product}")
    assert page.headers["Cache-Control"] == "public, no-cache" and page.headers["ETag"]
    for src in set(re.findall(r'(/media/t/[^" ,]+)', page.get_data(as_text=True))):
        response = store_get(client, "alpha", src)
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, src


@pytest.mark.parametrize(("key", "immutable"), [
    ("t/1/products/abc-800.jpg", True), ("t/1/theme/abc_1500x600.jpg", True), ("t/1/logo/abc.png", True),
    ("t/1/exports/abc.csv", False), ("t/1/invoices/abc.pdf", False), ("p/1/qualifications/abc.pdf", False),
    ("products/abc.jpg", False),
])
def test_which_media_is_immutable(key, immutable):
    assert (cache_control(key) == IMMUTABLE) is immutable
