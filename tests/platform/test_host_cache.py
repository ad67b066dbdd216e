"""The per-process host → store memo: fast, and forgotten at once when the store changes here."""

from tests.conftest import login, make_app, post_form


def test_suspension_closes_the_store_at_once_with_the_memo_on(backend, tmp_path, make_store, make_admin):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    shopper, admin = app.test_client(), app.test_client()
    store = make_store("alpha")
    assert shopper.get("/", headers={"Host": "alpha.localhost"}).status_code == 200  # memoized now
    login(admin, make_admin()[0])
    post_form(admin, f"/platform/tenants/{store.tenant_id}/suspend", {"reason": "Spam", "confirmed": "1"})
    assert shopper.get("/", headers={"Host": "alpha.localhost"}).status_code == 403


def test_an_unknown_host_is_forgotten_once_the_store_exists(backend, tmp_path, make_store):
    app = make_app(backend, tmp_path, HOST_CACHE_SECONDS=60)
    client = app.test_client()
    assert client.get("/", headers={"Host": "later.localhost"}).status_code == 404
    make_store("later")
    assert client.get("/", headers={"Host": "later.localhost"}).status_code == 200
