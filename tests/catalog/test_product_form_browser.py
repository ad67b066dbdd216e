"""The new-product form in a real browser (issue #10, item 5): an empty save flags every field at
once, a failed save keeps the chosen images, a file over the limit is refused before it is uploaded
(saying the limit), and one that reaches the server anyway comes back inside the form with what was
typed. Browser set-up and skipping: tests/browser.py."""

from __future__ import annotations

import pytest

from kaidian.catalog.models import Product, ProductImage
from tests.catalog.helpers import count, image_bytes

NEW = "/admin/catalog/products/new"
LIMIT = 512 * 1024


@pytest.fixture
def page(logged_in, store):
    page = logged_in(store.login)
    page.goto(NEW)
    return page


def _png(name="shirt.png"):
    return {"name": name, "mimeType": "image/png", "buffer": image_bytes()}


def _huge(name="huge.jpg"):
    return {"name": name, "mimeType": "image/jpeg", "buffer": b"\xff" * (LIMIT + 200 * 1024)}


def _save(page):
    with page.expect_navigation():
        page.click("button[value=save]")


def test_an_empty_save_flags_title_price_and_images_together(page, app):
    _save(page)
    assert page.locator("#title + .field-error").count() == 1
    assert page.get_by_text("Add at least one image.").is_visible()
    assert page.get_by_text("Give a price.").is_visible()
    assert count(app, Product) == 0


def test_a_failed_save_keeps_the_chosen_images(page, app):
    page.set_input_files("#images", [_png("a.png"), _png("b.png")])
    page.fill("input[name=sku_price_0]", "19.90")
    _save(page)  # no title: refused
    assert page.locator("#title + .field-error").count() == 1
    kept = page.locator("input[name=staged_images]")
    assert kept.count() == 2 and all(kept.nth(i).is_checked() for i in range(2))
    assert page.locator(".staged-images img").first.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    assert page.input_value("input[name=sku_price_0]") == "19.90"
    page.fill("#title", "Linen shirt")
    _save(page)
    assert "/admin/catalog/products/" in page.url and not page.url.endswith("/new")
    assert page.locator("#media .image-list img").count() == 2
    assert count(app, Product) == 1 and count(app, ProductImage) == 2


def test_a_file_over_the_limit_is_refused_in_the_browser_with_the_limit(page, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", LIMIT)
    page.reload()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#images", [_huge()])
    error = page.locator("[data-file-error]")
    assert error.is_visible() and error.inner_text() == "huge.jpg is larger than 0.5 MB; choose a smaller image."
    assert page.evaluate("document.getElementById('images').files.length") == 0
    assert page.get_by_text("at most 0.5 MB each").is_visible()
    assert requests == []


def test_a_file_over_the_limit_that_reaches_the_server_comes_back_in_the_form(page, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", LIMIT)
    page.reload()
    page.evaluate("document.getElementById('images').removeAttribute('data-max-bytes')")  # an old page, say
    page.fill("#title", "Big picture")
    page.fill("#subtitle", "Typed by hand")
    page.fill("input[name=sku_price_0]", "9.90")
    page.set_input_files("#images", [_huge(), _png("ok.png")])
    _save(page)
    assert page.get_by_text("huge.jpg: The file is larger than 0.5 MB.").is_visible()
    assert page.input_value("#title") == "Big picture" and page.input_value("#subtitle") == "Typed by hand"
    assert page.input_value("input[name=sku_price_0]") == "9.90"
    assert page.locator("input[name=staged_images]").count() == 1  # the good one is kept
    assert count(app, Product) == 0
