"""Nobody can flood the render cache or the host memo: Host variants share one entry, each store
holds a bounded number of cached pages, and made-up hosts cannot grow the memo."""

from __future__ import annotations

import pytest

from kaidian.platform import sites
from kaidian.platform.cache import RedisCache, get_cache
from tests.conftest import make_app
from tests.themes.helpers import store_get

VARIANTS = ["alpha.localhost", "ALPHA.localhost", "Alpha.LocalHost", "alpha.localhost:1234",
            "alpha.localhost:9999", "alpha.localhost.", "ALPHA.LOCALHOST:80"]


def cached_pages(app, tenant_id) -> list[str]:
    with app.app_context():
        cache = get_cache()
        prefix = f"themes:html:{tenant_id}:"
        if isinstance(cache, RedisCache):
            return [k.decode() for k in cache.client.scan_iter(match=cache.prefix + prefix + "*")]
        return [k for k in cache._data if k.startswith(prefix)]


def test_host_variants_share_one_cached_page(app, client, alpha):
    responses = [client.get("/", headers={"Host": host}) for host in VARIANTS]
    assert [r.status_code for r in responses] == [200] * len(VARIANTS)
    assert len({r.headers["ETag"] for r in responses}) == 1
    assert len(cached_pages(app, alpha.tenant_id)) == 1


def test_a_variant_host_cannot_poison_the_shared_page(app, client, alpha):
    first = client.get("/", headers={"Host": "ALPHA.localhost:6666"}).get_data(as_text=True)
    assert ":6666" not in first and "ALPHA" not in first
    assert 'content="http://alpha.localhost/"' in first or "http://alpha.localhost/" in first
    assert store_get(client, "alpha").get_data(as_text=True) == first


@pytest.fixture
def small_cap(app):
    app.config["THEMES_MAX_PAGES_PER_TENANT"] = 5
    yield 5
    app.config.pop("THEMES_MAX_PAGES_PER_TENANT")


def test_each_store_holds_a_bounded_number_of_cached_pages(app, client, alpha, small_cap):
    for n in range(3 * small_cap):
        assert store_get(client, "alpha", f"/search?q=flood{n}").status_code == 200
    assert len(cached_pages(app, alpha.tenant_id)) == small_cap


def test_made_up_hosts_cannot_grow_the_host_memo(backend, tmp_path, make_store, monkeypatch):
    memo = sites._HostMemo()  # this test's own memo: the process's one keeps no store of this test
    memo.MAX_UNKNOWN, memo.MAX_HOSTS = 8, 16
    monkeypatch.setattr(sites, "_HOSTS", memo)
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    client = app.test_client()
    make_store("alpha")
    assert client.get("/", headers={"Host": "alpha.localhost"}).status_code == 200
    for n in range(100):
        assert client.get("/", headers={"Host": f"nobody{n}.localhost"}).status_code == 404
    assert len(sites._HOSTS) <= 16
    assert len(sites._HOSTS.unknown) <= 8
    assert sites._HOSTS.get("alpha.localhost") is not None  # the real store was not pushed out
