"""A real browser (Debian's Chromium through Playwright) opens each template's pages at phone width:
no console errors, no page errors, nothing wider than a 360 px screen.

Skipped when /usr/bin/chromium is absent, except under CI=true where that is a failure.
Set THEME_SCREENSHOTS=/some/dir to keep a 390 px screenshot of each template's home page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kaidian.sandbox.testing import run_wsgi_in_thread
from tests import services
from tests.conftest import login
from tests.themes.helpers import add_category, add_product

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TEMPLATES = {"clothing": "apparel", "beauty": "beauty", "food": "food", "digital": "digital"}


def _need_browser():
    if not Path(CHROMIUM).exists():
        if services.in_ci():
            pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(app):
    base_url, stop = run_wsgi_in_thread(app)
    yield base_url.rsplit(":", 1)[1]
    stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = _need_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _stock(app, store, with_products: bool) -> dict:
    if not with_products:
        return {}
    top = add_category(app, store.tenant_id, "Top")
    add_category(app, store.tenant_id, "Child", parent_id=top)
    product = add_product(app, store.tenant_id, "A very nice product with a long name that wraps", 12900,
                          original_price=15900, image=True, category_id=top,
                          specs=[{"name": "Size", "values": ["S", "M"]}],
                          skus=[(["S"], 12900, 5), (["M"], 13900, 0)], description="<p>Soft <b>cotton</b>.</p>")
    for i in range(5):
        add_product(app, store.tenant_id, f"Product {i}", 990 + i * 1000, image=i % 2 == 0, category_id=top)
    return {"product": product, "category": top}


# The page has settled: web fonts loaded, eager images decoded, and the storefront's scripts have wired
# every carousel and copy button (they mark them data-kd-ready) — what the width check must wait for.
SETTLED = """() => document.readyState === "complete" && document.fonts.status === "loaded"
    && Array.from(document.images).every(img => img.loading === "lazy" || img.complete)
    && Array.from(document.querySelectorAll("[data-kd-carousel], [data-copy]"))
         .every(el => el.hasAttribute("data-kd-ready"))"""


def _visit(browser, url: str, width: int, cookies=None, screenshot: str | None = None):
    context = browser.new_context(viewport={"width": width, "height": 844}, device_scale_factor=1)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url, wait_until="load")
    page.wait_for_function(SETTLED, timeout=30_000)
    assert response.status == 200, (url, response.status)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    context.close()
    return problems, scroll_width


def _session_cookie(app, store, port):
    client = app.test_client()
    login(client, store.login)
    value = client.get_cookie("session").value
    return [{"name": "session", "value": value, "url": f"http://localhost:{port}/"}]


@pytest.mark.parametrize("with_products", [True, False], ids=["products", "empty"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_each_template_renders_cleanly_at_phone_width(app, make_store, server, browser, template, with_products):
    store = make_store(f"{template[:4]}{'p' if with_products else 'e'}", categories=[TEMPLATES[template]])
    ids = _stock(app, store, with_products)
    store_base = f"http://{store.slug}.localhost:{server}"
    shots = os.environ.get("THEME_SCREENSHOTS")
    for width in (390, 360):
        shot = f"{shots}/theme-{template}{'' if with_products else '-empty'}.png" if shots and width == 390 else None
        problems, scroll_width = _visit(browser, store_base + "/", width, screenshot=shot)
        assert not problems, f"{template} home at {width}px: {problems}"
        assert scroll_width <= width, f"{template} home is {scroll_width}px wide at {width}px"
    pages = {"categories": f"{store_base}/categories", "search": f"{store_base}/search?q=Product",
             "all-products": f"{store_base}/products"}
    if with_products:
        pages.update({"category": f"{store_base}/categories/{ids['category']}",
                      "product": f"{store_base}/products/{ids['product']}"})
    for name, url in pages.items():
        shot = f"{shots}/theme-{template}-{name}.png" if shots and with_products else None
        problems, scroll_width = _visit(browser, url, 360, screenshot=shot)
        assert not problems, f"{template} {name}: {problems}"
        assert scroll_width <= 360, f"{template} {name} is {scroll_width}px wide at 360px"
    cookies = _session_cookie(app, store, server)
    preview = f"http://localhost:{server}/admin/theme/preview"
    for name in ("home", "category", "product", "search", "member"):
        problems, scroll_width = _visit(browser, f"{preview}/{name}", 360, cookies=cookies)
        assert not problems, f"{template} {name} preview: {problems}"
        assert scroll_width <= 360, f"{template} {name} preview is {scroll_width}px wide at 360px"


def test_the_spec_selector_shows_the_chosen_skus_price_and_stock(app, make_store, server, browser):
    store = make_store("specs", categories=["apparel"])
    product = add_product(app, store.tenant_id, "Tee", 5900, specs=[{"name": "Size", "values": ["S", "M", "L"]}],
                          skus=[(["S"], 5900, 4), (["M"], 6900, 0), (["L"], 7900, 2)])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies(_session_cookie(app, store, server))
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"http://localhost:{server}/admin/theme/preview/product?subject={product}", wait_until="load")
    price = page.locator(".kd-sku-price")
    assert price.inner_text() == "¥59.00 – ¥79.00"
    assert page.locator("input[value=M]").is_disabled()  # sold out
    page.locator("label.kd-option", has_text="L").click()
    assert price.inner_text() == "¥79.00" and "2" in page.locator(".kd-sku-stock").inner_text()
    context.close()
    assert not problems, problems


def test_a_cached_store_page_gets_live_stock_from_the_endpoint(app, make_store, server, browser):
    store = make_store("livestock", categories=["apparel"])
    product = add_product(app, store.tenant_id, "Tee", 5900, specs=[{"name": "Size", "values": ["S", "M", "L"]}],
                          skus=[(["S"], 5900, 4), (["M"], 6900, 0), (["L"], 7900, 2)])
    gone = add_product(app, store.tenant_id, "Gone", 990, stock=0)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems, asked = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: asked.append(request.url) if "/api/store/stock" in request.url else None)
    base = f"http://{store.slug}.localhost:{server}"
    page.goto(f"{base}/products", wait_until="load")
    page.locator(f'[data-kd-product="{gone}"] [data-kd-soldout]').first.wait_for(state="visible")
    assert page.locator(f'[data-kd-product="{product}"] [data-kd-soldout]').first.is_hidden()
    page.goto(f"{base}/products/{product}", wait_until="load")
    for _ in range(50):  # the live stock arrives after the page
        if page.locator("input[value=M]").is_disabled():
            break
        page.wait_for_timeout(100)
    assert page.locator("input[value=M]").is_disabled()
    page.locator("label.kd-option", has_text="L").click()
    assert page.locator(".kd-sku-price").inner_text() == "¥79.00"
    assert "2" in page.locator(".kd-sku-stock").inner_text()
    context.close()
    assert asked and not problems, (asked, problems)


# Counts the storefront's slide turns (it moves a carousel with Element.scrollTo).
COUNT_TURNS = """(() => { const scrollTo = Element.prototype.scrollTo; window.kdTurns = 0;
  Element.prototype.scrollTo = function () { window.kdTurns += 1; return scrollTo.apply(this, arguments); }; })()"""


def test_banner_slides_wait_for_the_visitor_before_turning(app, make_store, server, browser):
    """The clothing home's banner turns by itself (several slides, autoplay) — but only once the visitor
    has scrolled, touched or pressed a key after the page loaded, never under a visitor who has not moved."""
    store = make_store("calm", categories=["apparel"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(COUNT_TURNS)
    page = context.new_page()
    page.clock.install()
    page.goto(f"http://{store.slug}.localhost:{server}/", wait_until="load")
    assert page.locator(".kd-banner .kd-carousel > *").count() > 1
    assert page.get_attribute(".kd-banner", "data-autoplay") not in (None, "0")
    page.clock.run_for(30_000)  # several intervals go by with nobody touching the page
    assert page.evaluate("window.kdTurns") == 0
    page.keyboard.press("Shift")  # the visitor moves
    page.clock.run_for(30_000)
    assert page.evaluate("window.kdTurns") > 0
    context.close()
