"""The menu editor in a real browser (issue #10, item 9): each button shows only the boxes its type
uses (web page: address; click: key; mini program: AppID, page and a fallback address), and what
another type's boxes still hold is not saved. Set-up and skipping: tests/browser.py."""

from __future__ import annotations

import pytest

from kaidian.wechat.models import Authorizer

from .helpers import SERVICE_OA, authorize, rows


@pytest.fixture
def bound(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    return row


def _visible(page, prefix: str) -> set[str]:
    """The boxes of a button that are shown (a closed <details> aside) and will be sent."""
    names = ("url", "key", "appid", "pagepath")
    shown = "el => !el.closest('.menu-field').hidden && !el.disabled"
    return {n for n in names if page.locator(f"input[name={prefix}_{n}]").evaluate(shown)}


def test_each_button_shows_the_fields_of_its_type(app, logged_in, alpha, bound):
    page = logged_in(alpha.login)
    page.goto(f"/admin/wechat/{bound.id}/menu")
    assert _visible(page, "b0") == {"url"}  # the default menu's web pages
    page.select_option("select[name=b0_type]", "click")
    assert _visible(page, "b0") == {"key"}
    page.select_option("select[name=b0_type]", "miniprogram")
    assert _visible(page, "b0") == {"url", "appid", "pagepath"}
    assert page.get_by_text("The web address opens instead").first.is_visible()
    assert _visible(page, "b0_s0") == {"url"}  # the others keep their own type

    # a key typed, then the type changed back to a web page: the key is not saved
    page.select_option("select[name=b0_type]", "click")
    page.fill("input[name=b0_key]", "OLD_KEY")
    page.select_option("select[name=b0_type]", "view")
    page.fill("input[name=b0_url]", "https://alpha.example.com/new")
    with page.expect_navigation():
        page.click("button:has-text('Save menu')")
    assert page.url.endswith("/menu")
    first = rows(app, Authorizer)[0].menu["button"][0]
    assert first == {"type": "view", "name": first["name"], "url": "https://alpha.example.com/new"}
