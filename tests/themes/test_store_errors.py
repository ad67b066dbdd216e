"""A store's errors (404, 403, 500, closed) are the store's own pages: its theme's colours, its header and
tab bar, clear words in zh and en and a link home — never the platform's header. Rendering an error page
never raises: if the themed page fails, shoppers get a plain page with the same words."""

import pytest

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.themes import storefront as theme_storefront
from tests.themes.helpers import store_get
from tests.wechat.helpers import snapshot

PLATFORM_CHROME = ("免费开店", "Open a free store", 'href="/signup"', 'href="/login"')


def _in(client, lang: str):
    """The shopper chose ``lang`` (the store's default, zh, otherwise wins over Accept-Language)."""
    client.set_cookie("lang", lang, domain="alpha.localhost")
    return client


def _assert_store_page(html: str):
    for text in PLATFORM_CHROME:
        assert text not in html
    assert "--kd-primary:#1f1f1f" in html.replace(" ", "")  # the clothing template's colour
    assert 'class="kd-tabbar"' in html and 'href="/"' in html


@pytest.mark.parametrize(("lang", "words"), [("zh", "页面不存在"), ("en", "This page does not exist")])
def test_an_unknown_store_path_is_a_themed_404(client, alpha, lang, words):
    store_get(client, "alpha", "/")  # the store's theme is set up by its first visit
    response = store_get(_in(client, lang), "alpha", "/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and words in html
    _assert_store_page(html)
    assert "Alpha" in html and 'data-section-type="header"' in html  # the store's own header
    assert response.headers["Cache-Control"] == "no-store"


def test_a_missing_product_is_a_themed_404(client, alpha):
    response = store_get(client, "alpha", "/products/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    _assert_store_page(response.get_data(as_text=True))


def test_a_store_500_is_themed(app, client, alpha, monkeypatch):
    store_get(client, "alpha", "/")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(theme_storefront, "_state", lambda tenant: 1 / 0)
    response = store_get(_in(client, "en"), "alpha", "/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong on our side" in html
    _assert_store_page(html)


def test_a_closed_store_is_themed_without_its_tab_bar(app, client, alpha):
    store_get(client, "alpha", "/")
    with app.app_context():
        db.session.get(Tenant, alpha.tenant_id).status = TenantStatus.SUSPENDED
        db.session.commit()
    for path in ("/", "/products", "/member", "/cart"):
        response = store_get(client, "alpha", path)
        html = response.get_data(as_text=True)
        assert response.status_code == 403, path
        assert "店铺暂停营业" in html or "暂停" in html, path
        assert 'class="kd-tabbar"' not in html and "免费开店" not in html, path


def test_a_store_without_a_theme_yet_still_gets_its_templates_look_and_nothing_is_written(app, client, alpha):
    before = snapshot(app)
    response = store_get(client, "alpha", "/no-such-page")  # no visit before: no theme row yet
    assert response.status_code == 404
    _assert_store_page(response.get_data(as_text=True))
    assert snapshot(app) == before  # reads never write


def test_when_the_themed_page_fails_a_plain_page_is_shown(client, alpha, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("theme broken")

    monkeypatch.setattr(theme_storefront, "render_error_page", broken)
    response = store_get(_in(client, "en"), "alpha", "/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "This page does not exist" in html and 'href="/"' in html
    for text in PLATFORM_CHROME:
        assert text not in html


def test_the_platform_keeps_its_own_error_page(client):
    html = client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "kd-tabbar" not in html and "Not found." in html
