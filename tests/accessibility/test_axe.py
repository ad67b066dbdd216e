"""axe-core over the store's pages (home, category, product, search, customer centre) for each of the
four templates and for a merchant's low-contrast colours, and over the merchant admin's dashboard,
product form and builder and the platform console: no serious or critical violation anywhere.

One Chromium for the module (the machine is small), pages at phone width for the store and desktop
width for the admin (``AXE_SCREENSHOTS=dir`` keeps a screenshot of each page, ``AXE_REPORT=file`` the
counts of every violation, serious or not). Skipped when /usr/bin/chromium or axe-core is absent, except under CI=true.
"""

from __future__ import annotations

import os
import uuid

import pytest

from kaidian.catalog import media
from kaidian.catalog.models import Product
from kaidian.customers.models import Customer
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from kaidian.sandbox.testing import run_wsgi_in_thread
from kaidian.themes.models import ThemeSettings
from tests import axe, factories, services
from tests.conftest import PASSWORD
from tests.themes.helpers import add_category, add_product

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TEMPLATES = {"clothing": "apparel", "beauty": "beauty", "food": "food", "digital": "digital"}
TIMEOUT = 20_000
# A merchant who picked pale colours: light grey text, a yellow primary (prices, links, buttons) and a
# pale accent, on white.
PALE = {"text_color": "#b0b0b0", "primary_color": "#ffd500", "accent_color": "#ffe9a8", "background_color": "#ffffff"}


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if services.in_ci():
            pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    axe.need_axe()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def port(app):
    url, stop = run_wsgi_in_thread(app)
    yield url.rsplit(":", 1)[1]
    stop()


@pytest.fixture(scope="module")
def phone(browser):
    """One page at phone width, reused by every store page: CSP bypassed in this context only, for axe."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    yield context.new_page()
    context.close()


def _stock(app, tenant_id) -> dict:
    top = add_category(app, tenant_id, "Tops")
    add_category(app, tenant_id, "Shirts", parent_id=top)
    product = add_product(app, tenant_id, "A linen shirt with a name long enough to wrap", 12900, original_price=15900,
                          image=True, category_id=top, subtitle="Washed linen, relaxed fit",
                          specs=[{"name": "Size", "values": ["S", "M", "L"]}],
                          skus=[(["S"], 12900, 5), (["M"], 13900, 0), (["L"], 13900, 3)],
                          description="<p>Soft <b>linen</b>. <a href='/search'>More</a></p>")
    for i in range(5):
        add_product(app, tenant_id, f"Product {i}", 990 + i * 1000, original_price=2990 + i * 1000, image=True,
                    category_id=top)
    with factories.in_store(app, tenant_id):  # a second image: the gallery scrolls
        media.add_image(db.session.get(Product, (tenant_id, uuid.UUID(product))), factories.jpeg(800, (90, 120, 200)))
        db.session.commit()
    return {"product": product, "category": top}


# What a thumb taps on the store's pages: each at least 44 px high (and the icon buttons as wide).
TAP_TARGETS = """() => {
  const small = [];
  const selectors = [".kd-header-search", ".kd-chip", ".kd-more", ".kd-footer nav a", ".kd-langs a", ".kd-btn",
                     ".kd-option span", ".kd-search input", ".kd-search-page input", ".kd-member .kd-login"];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const tooNarrow = selector === ".kd-header-search" && box.width < 44;
      if (box.height < 44 || tooNarrow) small.push(`${selector} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def _store_pages(base: str, ids: dict) -> dict[str, str]:
    return {"home": f"{base}/", "category": f"{base}/categories/{ids['category']}",
            "product": f"{base}/products/{ids['product']}", "search": f"{base}/search?q=Product",
            "customer centre": f"{base}/member", "orders": f"{base}/orders", "login": f"{base}/account/login"}


def _as_shopper(app, page, store, port) -> None:
    """The phone's context logged in as a customer of ``store`` (the store's session cookie)."""
    with app.app_context(), tenant_context(store.tenant_id):
        customer = Customer(mobile="13800138000", nickname="Ada")
        db.session.add(customer)
        db.session.commit()
        customer_id = str(customer.id)
        db.session.remove()
    client, host = app.test_client(), f"{store.slug}.localhost"
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["kd_customer"] = {"tenant": str(store.tenant_id), "id": customer_id}
    cookie = client.get_cookie("session", domain=host)
    page.context.add_cookies([{"name": "session", "value": cookie.value, "url": f"http://{host}:{port}/"}])


def _check(page, url: str, name: str, tap_targets: bool = False) -> list[str]:
    response = page.goto(url, wait_until="load")
    assert response.status == 200, (name, url, response.status)
    page.wait_for_load_state("networkidle")  # pages drawn by script (orders, cart) have drawn
    found = axe.serious(page)
    problems = [f"{name} ({url}):\n{axe.describe(found)}"] if found else []
    small = page.evaluate(TAP_TARGETS) if tap_targets else []
    _screenshot(page, name)
    return problems + ([f"{name}: tap targets under 44 px: {small}"] if small else [])


def _screenshot(page, name: str) -> None:
    if os.environ.get("AXE_SCREENSHOTS"):  # a directory: keep what each checked page looked like
        page.screenshot(path=f"{os.environ['AXE_SCREENSHOTS']}/{name.replace(' ', '-')}.png", full_page=True)


def _publish_colours(app, tenant_id, colours: dict) -> None:
    """Colours written straight into the published theme, as a theme saved before the check would be."""
    with app.app_context(), tenant_context(tenant_id):
        theme = db.session.query(ThemeSettings).one()
        theme.published = {**theme.published, "settings": {**theme.published["settings"], **colours}}
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_store_pages_have_no_serious_violations(app, make_store, port, phone, template):
    store = make_store(f"axe{template[:4]}", categories=[TEMPLATES[template]])
    ids = _stock(app, store.tenant_id)
    base = f"http://{store.slug}.localhost:{port}"
    problems = _check(phone, f"{base}/member", f"{template} customer centre (logged out)")
    _as_shopper(app, phone, store, port)
    problems += [p for name, url in _store_pages(base, ids).items()
                 for p in _check(phone, url, f"{template} {name}", tap_targets=True)]
    assert not problems, "\n".join(problems)


def test_the_product_images_are_reached_and_turned_by_keyboard(app, make_store, port, phone):
    store = make_store("axekeys", categories=["apparel"])
    ids = _stock(app, store.tenant_id)
    phone.goto(f"http://{store.slug}.localhost:{port}/products/{ids['product']}", wait_until="load")
    phone.wait_for_selector(".kd-gallery[data-kd-ready]")
    track = phone.locator(".kd-gallery .kd-carousel")
    assert track.get_attribute("tabindex") == "0" and track.get_attribute("aria-label")
    for _ in range(10):  # Tab from the top of the page reaches the gallery
        phone.keyboard.press("Tab")
        if phone.evaluate("() => document.activeElement.matches('.kd-gallery .kd-carousel')"):
            break
    else:
        pytest.fail("Tab never reached the product images")
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("() => document.querySelector('.kd-counter-now').textContent === '2'")
    phone.keyboard.press("ArrowLeft")
    phone.wait_for_function("() => document.querySelector('.kd-counter-now').textContent === '1'")


def test_a_merchants_pale_colours_still_read(app, make_store, port, phone):
    store = make_store("axepale", categories=["apparel"])
    ids = _stock(app, store.tenant_id)
    _publish_colours(app, store.tenant_id, PALE)
    _as_shopper(app, phone, store, port)
    base = f"http://{store.slug}.localhost:{port}"
    problems = [p for name, url in _store_pages(base, ids).items() for p in _check(phone, url, f"pale {name}")]
    assert not problems, "\n".join(problems)


def _logged_in(browser, port, login: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=f"http://localhost:{port}",
                                  bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "lang", "value": "en", "url": f"http://localhost:{port}"}])
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return context, page


def test_admin_builder_and_console_have_no_serious_violations(app, browser, port, make_store, make_admin):
    store = make_store("axeadmin", categories=["apparel"])
    _stock(app, store.tenant_id)
    context, page = _logged_in(browser, port, store.login)
    problems = _check(page, f"http://localhost:{port}/admin", "admin dashboard")
    problems += _check(page, f"http://localhost:{port}/admin/catalog/products/new", "product form")
    problems += _check(page, f"http://localhost:{port}/admin/catalog/products", "product list")
    problems += _check(page, f"http://localhost:{port}/admin/orders", "order list")
    problems += _check(page, f"http://localhost:{port}/admin/builder", "page list")
    page.goto(f"http://localhost:{port}/admin/builder/home")
    page.wait_for_function("() => window.__kdEditor && window.__kdEditor.frameReady === true")
    found = axe.serious(page)
    page.click("[data-tab=theme]")
    page.locator(".bd-pane .bd-row-plain").last.click()
    page.wait_for_selector("[data-contrast] .bd-contrast-row")
    found += axe.serious(page)
    # A faint text colour: the theme tab shows its ratio and fixes it in one click.
    page.fill("[data-setting=text_color] input[type=text]", "#cccccc")
    page.dispatch_event("[data-setting=text_color] input[type=text]", "change")
    low = page.locator(".bd-contrast-row.is-low")
    low.first.wait_for()
    assert "1.6" in low.first.inner_text()
    _screenshot(page, "builder faint text")
    found += axe.serious(page)
    low.first.locator("button").click()
    page.wait_for_function("() => !document.querySelector('.bd-contrast-row.is-low')")
    assert page.input_value("[data-setting=text_color] input[type=text]") != "#cccccc"
    problems += [f"builder:\n{axe.describe(found)}"] if found else []
    context.close()
    admin_login, _ = make_admin()
    context, page = _logged_in(browser, port, admin_login)
    problems += _check(page, f"http://localhost:{port}/platform", "platform console")
    problems += _check(page, f"http://localhost:{port}/", "platform landing")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_platform_landing_page(browser, port, width):
    """Favicon (no 404, no console error), a meta description, headings in order, the header's
    links on one line each at 320 px, plan buttons at least 44 px high; no serious violation."""
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    context.add_cookies([{"name": "lang", "value": "zh", "url": f"http://localhost:{port}"}])
    page = context.new_page()
    errors, missing = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    problems = _check(page, f"http://localhost:{port}/", f"landing at {width}px")
    assert page.evaluate("() => document.querySelector('meta[name=description]').content.length") > 20
    icon = page.evaluate("() => document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).status == 200
    assert "heading-order" not in {v["id"] for v in axe.violations(page)}
    line = page.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight)")
    for link in page.locator(".topnav > a").all():
        box = link.bounding_box()
        assert box["height"] < 2 * line + 20, f"{link.inner_text()!r} wraps at {width}px: {box}"
    for button in page.locator(".plan .button").all():
        assert button.bounding_box()["height"] >= 44
    context.close()
    assert not problems, "\n".join(problems)
    assert not errors and not missing, (errors, missing)
