"""A real browser for the admin's form tests (Debian's Chromium through Playwright), against the app
served over HTTP on loopback. A pytest plugin (``pytest_plugins`` in tests/conftest.py): a test asks
for ``logged_in`` and calls it with a login to get a page.

Skipped (with the reason) when /usr/bin/chromium is absent, except under CI=true where that fails.
Every page opened through ``logged_in`` fails its test on a script's console error or an uncaught
exception.
"""

from __future__ import annotations

import os

import pytest

from kaidian.sandbox.testing import run_wsgi_in_thread
from tests import services
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT = 15_000


@pytest.fixture(scope="module")  # per module: an open sync_playwright blocks any other in the process
def form_browser():
    """Per module: a session-wide Playwright would stay running and make every later module's own
    ``sync_playwright()`` in the same worker fail ("Sync API inside the asyncio loop")."""
    if not os.path.exists(CHROMIUM):
        if services.in_ci():
            pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def form_server(app):  # per module: the WeChat tests serve their own ``app``
    url, stop = run_wsgi_in_thread(app)
    yield url
    stop()


def _js_error(message) -> bool:
    """A console error from a script (a 4xx page such as a refused form, or the favicon, is not one)."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def logged_in(form_browser, form_server):
    """``open(login) -> page``: a new browser context logged in as ``login`` (English pages)."""
    contexts, errors = [], []

    def open_as(login: str):
        context = form_browser.new_context(viewport={"width": 1280, "height": 900}, base_url=form_server)
        context.set_default_timeout(TIMEOUT)
        context.add_cookies([{"name": "lang", "value": "en", "url": form_server}])
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if _js_error(m) else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.goto("/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == [], errors
