"""The editor in a real browser (Debian's Chromium through Playwright), against the app served over
HTTP on loopback: drag to reorder, edit a setting, add from the library, publish, reload, undo, and
two tabs in conflict. Every test fails on any console error in the editor or its preview frame.

Skipped (with the reason) when /usr/bin/chromium is absent, except under CI=true where that fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kaidian.sandbox.testing import run_wsgi_in_thread
from tests import services
from tests.conftest import PASSWORD

from .helpers import SLUG, first_of

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "kaidian/builder/static/builder/editor.bundle.js"
TIMEOUT = 15_000


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if services.in_ci():
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def bundle():
    """The editor's JavaScript, built from kaidian/builder/assets (make assets) when missing."""
    if not BUNDLE.exists() and (ROOT / "node_modules").is_dir() and shutil.which("npm"):
        subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True, capture_output=True, timeout=120)
    _need(BUNDLE.exists(), "the builder bundle is not built (run `make assets`)")


@pytest.fixture(scope="module")
def browser(bundle):
    _need(os.path.exists(CHROMIUM), f"{CHROMIUM} is absent (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The app on a loopback port, counting the requests it is serving, so a test can wait until the
    editor's last autosave is answered before the suite empties the tables."""

    def __init__(self, app):
        self.app, self.busy, self.last = app, 0, 0.0
        self.lock = threading.Lock()
        self.url, self.stop = run_wsgi_in_thread(self)

    def __call__(self, environ, start_response):
        with self.lock:
            self.busy += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.busy -= 1
                self.last = time.monotonic()

    def wait_idle(self, quiet: float = 0.3, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.busy == 0 and time.monotonic() - self.last >= quiet:
                    return
            time.sleep(0.05)


@pytest.fixture(scope="module")
def live(app):
    server = LiveServer(app)
    yield server
    server.stop()


class Console:
    """Console errors and uncaught exceptions of every page (and frame) in a browser context."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        wanted = message.type == "error" or (message.type == "warning" and "Alpine" in message.text)
        if wanted and not any(pattern.search(message.text) for pattern in self.allowed):
            self.errors.append(f"{message.type}: {message.text}")

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))


@pytest.fixture
def session(browser, live, store):
    """A logged-in browser context for the store's owner; ``open()`` gives an editor page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live.url)
    context.set_default_timeout(TIMEOUT)
    console = Console()
    login = context.new_page()
    login.goto("/login")
    login.fill("input[name=login]", store.login)
    login.fill("input[name=password]", PASSWORD)
    with login.expect_navigation():
        login.click("form button[type=submit]")
    login.close()

    def open_editor(handle: str = "home"):
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "leave with unsaved edits?": yes
        console.watch(page)
        page.goto(f"/admin/builder/{handle}")
        page.wait_for_function("() => window.__kdEditor && window.__kdEditor.frameReady === true")
        return page

    yield open_editor, console, context
    for page in context.pages:
        page.goto("about:blank")  # leave the editor (its last save goes out now) …
    live.wait_idle()  # … and let the server answer it before the tables are emptied
    context.close()
    live.wait_idle()
    assert console.errors == [], console.errors


def frame(page):
    return page.frame_locator("iframe.bd-frame")


def frame_order(page) -> list[str]:
    return page.frame(url=re.compile(r"/preview")).evaluate(
        "() => Array.from(document.querySelectorAll('#kd-main > [data-section-id]:not([hidden])'))"
        ".map(el => el.dataset.sectionId)")


def editor_order(page) -> list[str]:
    return page.evaluate("() => window.__kdEditor.doc.order.filter(id => !window.__kdEditor.doc.sections[id].disabled)")


def wait_saved(page) -> None:
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.state === 'saved'"
                           " && !window.__kdEditor.pageDirty && !window.__kdEditor.themeDirty")


def row(page, section_id: str):
    return page.locator(f'.bd-sections > li[data-id="{section_id}"]')


def stored_draft(app, store) -> dict:
    from kaidian.platform.extensions import db
    from kaidian.platform.tenancy import tenant_context
    from kaidian.themes.services import find_page

    with app.app_context(), tenant_context(store.tenant_id):
        draft = find_page("home").draft
        db.session.remove()
    return draft


def set_marker(page) -> None:
    page.frame(url=re.compile(r"/preview")).evaluate("() => { window.__notReloaded = 'yes'; }")


def marker(page) -> str | None:
    return page.frame(url=re.compile(r"/preview")).evaluate("() => window.__notReloaded || null")


# --- the tests ----------------------------------------------------------------------------------


def test_dragging_a_section_reorders_the_preview(session, app, store):
    open_editor, console, _ = session
    page = open_editor()
    set_marker(page)
    order = editor_order(page)
    assert frame_order(page) == order
    footer, first = order[-1], order[0]

    # when the footer is dragged above the first section
    source = row(page, footer).locator(".bd-grip").first
    target = row(page, first).locator(".bd-row-main")
    box = target.bounding_box()
    source.hover()
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 20, steps=8)
    page.mouse.move(box["x"] + 40, box["y"] + 4, steps=8)
    page.mouse.up()

    # then the list, the preview (without reloading) and the saved draft have it first
    page.wait_for_function(f"() => window.__kdEditor.doc.order[0] === {footer!r}")
    page.wait_for_function(
        "([id]) => document.querySelector('iframe.bd-frame').contentDocument"
        ".querySelector('#kd-main > [data-section-id]').dataset.sectionId === id", arg=[footer])
    assert frame_order(page) == editor_order(page)
    assert marker(page) == "yes"
    wait_saved(page)
    assert stored_draft(app, store)["order"][0] == footer


def test_move_buttons_and_undo_redo_by_keyboard(session, app, store):
    open_editor, _, _ = session
    page = open_editor()
    order = editor_order(page)
    second = order[1]
    moved = [second, order[0], *order[2:]]

    def shows(expected: list[str]) -> None:
        """The editor's list and the preview frame both show ``expected``, without a reload."""
        page.wait_for_function(f"() => document.querySelector('iframe.bd-frame').contentDocument"
                               f".querySelector('#kd-main > [data-section-id]').dataset.sectionId === "
                               f"{expected[0]!r}")
        assert editor_order(page) == expected
        assert frame_order(page) == expected
        assert marker(page) == "yes"

    set_marker(page)
    button = row(page, second).locator("[data-move=up]")
    button.focus()  # reachable by keyboard: focusing the row's buttons reveals them
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.__kdEditor.doc.order[0] === {second!r}")
    shows(moved)

    page.locator("body").click(position={"x": 700, "y": 30})  # focus out of any field
    page.keyboard.press("Control+z")
    page.wait_for_function(f"() => window.__kdEditor.doc.order[0] === {order[0]!r}")
    shows(order)
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function(f"() => window.__kdEditor.doc.order[0] === {second!r}")
    shows(moved)
    page.locator("[data-action=undo]").click()
    shows(order)
    # and the draft saved last is the undone one
    wait_saved(page)
    saved = stored_draft(app, store)
    assert [i for i in saved["order"] if not saved["sections"][i].get("disabled")] == order
    assert saved["order"] == page.evaluate("() => window.__kdEditor.doc.order")


def test_changing_a_text_setting_updates_the_preview_without_reloading(session, app, store):
    open_editor, _, _ = session
    page = open_editor()
    set_marker(page)
    section_id = first_of(page.evaluate("() => window.__kdEditor.doc"), "announcement_bar")

    row(page, section_id).locator(".bd-row-label").click()
    field = page.locator('.bd-field[data-setting="text"] input')
    field.fill("Free gift wrapping this week")

    preview = frame(page).locator(f'[data-section-id="{section_id}"]')
    preview.filter(has_text="Free gift wrapping this week").wait_for()
    assert marker(page) == "yes"
    wait_saved(page)
    assert stored_draft(app, store)["sections"][section_id]["settings"]["text"] == "Free gift wrapping this week"


def test_adding_a_section_from_the_library(session, app, store):
    open_editor, _, _ = session
    page = open_editor()
    set_marker(page)
    before = len(page.evaluate("() => window.__kdEditor.doc.order"))

    page.locator("[data-action=add-section]").click()
    page.locator('.bd-library .bd-card[data-type="rich_text"]').click()

    frame(page).locator('[data-section-type="rich_text"]').first.wait_for()
    assert len(page.evaluate("() => window.__kdEditor.doc.order")) == before + 1
    assert page.locator(".bd-form-head h2").inner_text() != ""
    assert marker(page) == "yes"
    wait_saved(page)
    draft = stored_draft(app, store)
    assert len(draft["order"]) == before + 1
    assert any(s["type"] == "rich_text" for s in draft["sections"].values())


def test_publishing_changes_the_storefront(session, live):
    open_editor, _, context = session
    page = open_editor()
    section_id = first_of(page.evaluate("() => window.__kdEditor.doc"), "announcement_bar")
    row(page, section_id).locator(".bd-row-label").click()
    page.locator('.bd-field[data-setting="text"] input').fill("Grand opening weekend")
    wait_saved(page)

    store_page = context.new_page()
    port = live.url.rsplit(":", 1)[1]
    store_url = f"http://{SLUG}.localhost:{port}/"
    store_page.goto(store_url)
    assert "Grand opening weekend" not in store_page.content()

    page.locator("[data-action=publish]").click()
    page.locator(".bd-toast.is-success").wait_for()
    page.wait_for_function("() => window.__kdEditor.pageMeta.has_unpublished_changes === false")

    store_page.goto(store_url)
    assert "Grand opening weekend" in store_page.content()


def test_a_reload_finds_the_draft(session):
    open_editor, _, _ = session
    page = open_editor()
    section_id = first_of(page.evaluate("() => window.__kdEditor.doc"), "announcement_bar")
    row(page, section_id).locator(".bd-row-label").click()
    page.locator('.bd-field[data-setting="text"] input').fill("Still here after a reload")
    row(page, section_id).locator("[data-action=toggle]").click()
    wait_saved(page)

    page.reload()
    page.wait_for_function("() => window.__kdEditor && window.__kdEditor.frameReady === true")

    assert row(page, section_id).locator("small").inner_text() == "Still here after a reload"
    assert "is-hidden" in row(page, section_id).get_attribute("class")
    assert section_id not in frame_order(page)


def test_two_tabs_on_one_page_show_the_conflict_and_lose_nothing(session, app, store):
    open_editor, console, _ = session
    console.allow(r"status of 409")
    first, second = open_editor(), open_editor()
    section_id = first_of(first.evaluate("() => window.__kdEditor.doc"), "announcement_bar")

    # the first tab saves a change
    row(first, section_id).locator(".bd-row-label").click()
    first.locator('.bd-field[data-setting="text"] input').fill("Written in the first tab")
    wait_saved(first)

    # the second tab, opened before that save, edits the same page
    row(second, section_id).locator(".bd-row-label").click()
    second.locator('.bd-field[data-setting="text"] input').fill("Written in the second tab")

    # then it is told who saved in between, and its own edit is still on screen
    dialog = second.locator("[data-conflict]")
    dialog.wait_for(state="visible")
    dialog.locator(".bd-conflict-who").filter(has_text=SLUG.title()).wait_for()
    assert second.locator('.bd-field[data-setting="text"] input').input_value() == "Written in the second tab"
    assert stored_draft(app, store)["sections"][section_id]["settings"]["text"] == "Written in the first tab"

    # keeping mine saves it over theirs, knowingly
    dialog.locator("[data-action=overwrite]").click()
    wait_saved(second)
    assert stored_draft(app, store)["sections"][section_id]["settings"]["text"] == "Written in the second tab"


def test_a_theme_colour_change_repaints_the_preview_without_reloading(session):
    open_editor, _, _ = session
    page = open_editor()
    set_marker(page)
    page.locator("[data-tab=theme]").click()
    field = page.locator('.bd-field[data-setting="primary_color"] input[type=text]')
    field.fill("#123456")
    field.press("Enter")
    field.blur()
    page.wait_for_function(
        "() => document.querySelector('iframe.bd-frame').contentDocument.querySelector('head style')"
        ".textContent.includes('#123456')")
    assert marker(page) == "yes"
    wait_saved(page)


def test_dragging_a_block_reorders_it_inside_its_section(session, app, store):
    open_editor, _, _ = session
    page = open_editor()
    doc = page.evaluate("() => window.__kdEditor.doc")
    banner = first_of(doc, "banner")
    first_slide, second_slide = doc["sections"][banner]["block_order"][:2]
    second_heading = doc["sections"][banner]["blocks"][second_slide]["settings"]["heading"]
    row(page, banner).locator(".bd-row-label").first.click()

    blocks = row(page, banner).locator(".bd-block-list")
    source = blocks.locator(f'[data-id="{second_slide}"] .bd-grip')
    target = blocks.locator(f'[data-id="{first_slide}"] .bd-row-main').bounding_box()
    source.hover()
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + 16, steps=8)
    page.mouse.move(target["x"] + 40, target["y"] + 3, steps=8)
    page.mouse.up()

    page.wait_for_function(f"() => window.__kdEditor.doc.sections[{banner!r}].block_order[0] === {second_slide!r}")
    page.wait_for_function(
        "([id, heading]) => document.querySelector('iframe.bd-frame').contentDocument"
        ".querySelector(`[data-section-id=\"${id}\"] h2`).textContent.trim() === heading",
        arg=[banner, second_heading])
    wait_saved(page)
    assert stored_draft(app, store)["sections"][banner]["block_order"][0] == second_slide


def _publish_announcement(page, section_id: str, text: str) -> None:
    row(page, section_id).locator(".bd-row-label").click()
    page.locator('.bd-field[data-setting="text"] input').fill(text)
    wait_saved(page)
    page.locator("[data-action=publish]").click()
    page.wait_for_function("() => window.__kdEditor.pageMeta.has_unpublished_changes === false")


def test_history_lists_who_published_and_restores_a_version(session, app, store):
    open_editor, _, _ = session
    page = open_editor()
    section_id = first_of(page.evaluate("() => window.__kdEditor.doc"), "announcement_bar")
    _publish_announcement(page, section_id, "The spring edit")  # version 2
    _publish_announcement(page, section_id, "The summer edit")  # version 3
    set_marker(page)

    page.locator("text=History").first.click()
    versions = page.locator(".bd-version")
    versions.nth(2).wait_for()
    assert versions.first.get_attribute("data-version") == "3"
    assert SLUG.title() in versions.first.inner_text()
    page.locator('.bd-version[data-version="2"] button').click()

    preview = frame(page).locator(f'[data-section-id="{section_id}"]')
    preview.filter(has_text="The spring edit").wait_for()
    assert marker(page) == "yes"
    assert stored_draft(app, store)["sections"][section_id]["settings"]["text"] == "The spring edit"
