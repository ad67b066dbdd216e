"""Custom domains: flagship stores only; the host then serves the store."""

from tests.conftest import login, post_form


def test_flagship_store_connects_a_domain_that_serves_the_store(client, make_store):
    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    assert post_form(client, "/admin/domains", {"host": "Shop.Example.com"}).status_code == 302
    assert "Alpha" in client.get("/", headers={"Host": "shop.example.com"}).get_data(as_text=True)


def test_basic_store_cannot_connect_a_domain(client, make_store):
    store = make_store("alpha", plan="basic")
    login(client, store.login)
    response = post_form(client, "/admin/domains", {"host": "shop.example.com"})
    assert response.status_code == 403
    assert client.get("/", headers={"Host": "shop.example.com"}).status_code == 404


def test_a_domain_belongs_to_one_store(client, make_store):
    a, b = make_store("alpha", plan="flagship"), make_store("bravo", plan="flagship")
    login(client, a.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    other = client.application.test_client()
    login(other, b.login)
    for host in ("shop.example.com", "localhost", "bravo.localhost", "not a host"):
        assert post_form(other, "/admin/domains", {"host": host}).status_code == 422, host
    assert "Alpha" in client.get("/", headers={"Host": "shop.example.com"}).get_data(as_text=True)


def test_unknown_hosts_are_not_found(client):
    assert client.get("/", headers={"Host": "nobody.localhost"}).status_code == 404
    assert client.get("/", headers={"Host": "random.example.org"}).status_code == 404
