"""Right after a first deploy no component_verify_ticket has arrived yet: the merchant admin says so
plainly (and why it takes up to 10 minutes) instead of blaming WeChat; once a ticket arrives it works."""

import time
from html import unescape

from kaidian.platform.extensions import db
from kaidian.wechat.models import ComponentTicket
from tests.conftest import api_token, post_form

from .helpers import Sandbox, rows, start_authorization

NO_TICKET = "has not received WeChat's verification ticket yet"


def _tickets_once_pushed(app, seconds: float = 10) -> list:
    """The stored tickets once one has arrived: WeChat (the sandbox too) pushes it from another thread a
    moment after answering ``api_start_push_ticket``; a loaded machine delays it (bounded wait)."""
    deadline = time.monotonic() + seconds
    while not (found := rows(app, ComponentTicket)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _fresh_sandbox(wechat_env) -> Sandbox:
    driver = Sandbox(wechat_env.server.base_url)
    driver.reset()  # no ticket pushed: the platform has never heard from WeChat
    return driver


def test_without_a_ticket_the_admin_says_none_has_arrived(app, wechat_env, merchant):
    sandbox = _fresh_sandbox(wechat_env)
    page = unescape(merchant.get("/admin/wechat/").get_data(as_text=True))
    assert NO_TICKET in page and "up to 10 minutes" in page
    response = post_form(merchant, "/admin/wechat/authorize", {"kind": "official_account"}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert NO_TICKET in html and "WeChat refused the request" not in html
    assert sandbox.count("api_start_push_ticket") == 1  # Kaidian asked WeChat for one, which arrived
    assert len(_tickets_once_pushed(app)) == 1
    assert NO_TICKET not in unescape(merchant.get("/admin/wechat/").get_data(as_text=True))


def test_the_api_answers_503_with_the_same_words(app, wechat_env, alpha, client):
    _fresh_sandbox(wechat_env)
    headers = {**api_token(client, alpha.login), "Accept-Language": "en"}
    response = client.post("/api/v1/wechat/authorizations", headers=headers, json={"kind": "official_account"})
    assert response.status_code == 503, response.get_json()
    assert NO_TICKET in response.get_json()["error"]["message"]


def test_once_a_ticket_arrives_the_notice_goes_and_authorization_starts(app, wechat_env, merchant):
    sandbox = _fresh_sandbox(wechat_env)
    sandbox.push_ticket()
    assert NO_TICKET not in unescape(merchant.get("/admin/wechat/").get_data(as_text=True))
    assert start_authorization(merchant).startswith(sandbox.base_url)
    with app.app_context():
        db.session.remove()
