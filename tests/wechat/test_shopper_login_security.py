"""Shopper login: WeChat's redirect_uri is built from the store's own host, and ``next`` stays local."""

from urllib.parse import quote

import pytest

from tests.conftest import login

from .helpers import SECOND_OA, SERVICE_OA, authorize, follow_wechat, local_path

ALPHA = "alpha.localhost"


@pytest.fixture
def stores(app, sandbox, merchant, bravo):
    authorize(merchant, SERVICE_OA)
    other = app.test_client()
    login(other, bravo.login)
    authorize(other, SECOND_OA)


def test_the_oauth_redirect_uri_ignores_port_and_case_tricks_in_the_host(app, sandbox, stores):
    client = app.test_client()
    response = client.get("/wechat/login?next=/member", headers={"Host": "ALPHA.localhost:31337"})
    location = response.headers["Location"]
    if not location.startswith(sandbox.base_url):  # a host variant is first sent to the canonical host
        assert location.startswith("http://alpha.localhost/wechat/login?")
        response = client.get(location)
        location = response.headers["Location"]
    assert "redirect_uri=http%3A%2F%2Falpha.localhost%2Fwechat%2Foauth%2Fcallback" in location
    assert "31337" not in location


@pytest.mark.parametrize("target", ["/\t/evil.com", "/\n/evil.com", "/\\evil.com", "//evil.com", "https://evil.com"])
def test_an_unsafe_next_never_leaves_the_store(app, sandbox, stores, target):
    shopper = app.test_client()
    start = shopper.get(f"/wechat/login?next={quote(target, safe='')}&scope=base", base_url=f"http://{ALPHA}")
    assert start.status_code == 302
    back = follow_wechat(start.headers["Location"], sandbox_user="alice")
    response = shopper.get(local_path(back), base_url=f"http://{ALPHA}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
