"""A JSON body nested past the parser's recursion limit is bad input (400), never a server error —
on an anonymous endpoint and on a merchant's — and it changes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import api_token
from tests.wechat.helpers import snapshot

DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB


@pytest.mark.parametrize(("who", "method", "path"), [
    (None, "post", "/api/v1/login"),
    (None, "post", "/api/v1/signup"),
    ("owner", "patch", "/api/v1/store"),
    ("owner", "post", "/api/v1/products"),
])
def test_a_deeply_nested_json_body_is_a_400(app, client, make_store, who, method, path):
    headers = api_token(client, make_store("alpha").login) if who else {}
    before = snapshot(app)
    response = getattr(client, method)(path, data=DEEP, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert snapshot(app) == before
