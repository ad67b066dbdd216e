"""Custom domains: flagship stores only; a claimed domain serves the store only once the merchant
proved control of it with a DNS TXT record; the platform's own names can never be claimed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Domain
from kaidian.platform.tenancy import all_tenants
from tests.conftest import login, post_form


class FakeDns:
    """The resolver the app is pointed at (``DNS_RESOLVER=fixtures:…``): a JSON file of TXT answers."""

    def __init__(self, path):
        self.path, self.answers = path, {}
        self.write()

    def write(self):
        self.path.write_text(json.dumps(self.answers))

    def publish(self, name: str, *values: str):
        self.answers[name] = list(values)
        self.write()


@pytest.fixture
def dns(app, tmp_path):
    fake = FakeDns(tmp_path / "dns.json")
    previous = app.config["DNS_RESOLVER"]
    app.config["DNS_RESOLVER"] = f"fixtures:{fake.path}"
    yield fake
    app.config["DNS_RESOLVER"] = previous


def domain_rows(app) -> list[tuple]:
    with app.app_context(), all_tenants():
        rows = db.session.execute(select(Domain.host, Domain.tenant_id, Domain.verified_at)).all()
        db.session.remove()
    return sorted(map(tuple, rows))


def shown_record(client) -> tuple[str, str]:
    page = client.get("/admin/domains").get_data(as_text=True)
    name = re.search(r"<code>(_kaidian-verify\.[^<]+)</code>", page)[1]
    value = re.search(r"<code>(kaidian-verify=[0-9a-f]+)</code>", page)[1]
    return name, value


def store_answers(client, host: str) -> int:
    return client.get("/", headers={"Host": host}).status_code


def test_a_domain_serves_the_store_only_after_its_txt_record_is_found(client, make_store, dns):
    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    assert post_form(client, "/admin/domains", {"host": "Shop.Example.com"}).status_code == 302
    assert store_answers(client, "shop.example.com") == 404  # claimed, not proven
    name, value = shown_record(client)
    assert name == "_kaidian-verify.shop.example.com"
    dns.publish(name, "v=spf1 -all", value)
    assert post_form(client, "/admin/domains/shop.example.com/check").status_code == 302
    assert "Alpha" in client.get("/", headers={"Host": "shop.example.com"}).get_data(as_text=True)


def test_a_wrong_or_missing_record_leaves_the_domain_unverified(app, client, make_store, dns):
    store = make_store("alpha", plan="flagship")
    client.set_cookie("lang", "en", domain="localhost")  # the check's outcome is written in the checker's words
    login(client, store.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    dns.publish("_kaidian-verify.shop.example.com", "kaidian-verify=0123456789abcdef0123456789abcdef")
    post_form(client, "/admin/domains/shop.example.com/check")
    [(host, _, verified_at)] = domain_rows(app)
    assert verified_at is None
    assert store_answers(client, "shop.example.com") == 404
    assert "holds another value" in client.get("/admin/domains").get_data(as_text=True)


def test_another_stores_record_does_not_verify_a_claim(app, client, make_store, dns):
    """The token binds store and host: bravo cannot reuse the record alpha published."""
    a, b = make_store("alpha", plan="flagship"), make_store("bravo", plan="flagship")
    login(client, a.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    name, alpha_value = shown_record(client)
    other = client.application.test_client()
    login(other, b.login)
    assert post_form(other, "/admin/domains", {"host": "shop.example.com"}).status_code == 302  # replaces
    dns.publish(name, alpha_value)
    post_form(other, "/admin/domains/shop.example.com/check")
    assert [(h, v) for h, _, v in domain_rows(app)] == [("shop.example.com", None)]
    assert store_answers(other, "shop.example.com") == 404


def test_a_verified_domain_cannot_be_claimed_by_another_store(app, client, make_store, dns):
    a, b = make_store("alpha", plan="flagship"), make_store("bravo", plan="flagship")
    login(client, a.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    dns.publish(*shown_record(client))
    post_form(client, "/admin/domains/shop.example.com/check")
    before = domain_rows(app)
    other = client.application.test_client()
    login(other, b.login)
    assert post_form(other, "/admin/domains", {"host": "shop.example.com"}).status_code == 422
    assert domain_rows(app) == before
    assert "Alpha" in client.get("/", headers={"Host": "shop.example.com"}).get_data(as_text=True)


def test_a_record_published_before_the_claim_verifies_at_once(app, client, make_store, dns):
    """The record is the same for the same store and host, so the job that runs on adding finds it."""
    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    record = shown_record(client)
    post_form(client, "/admin/domains/shop.example.com/delete")
    dns.publish(*record)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    assert "Alpha" in client.get("/", headers={"Host": "shop.example.com"}).get_data(as_text=True)


@pytest.mark.parametrize("host", [
    "localhost", "bravo.localhost", "deep.bravo.localhost", "not a host", "x" * 64 + ".example.com", "1.2.3.4",
])
def test_the_platforms_own_names_and_bad_names_are_refused(app, client, make_store, dns, host):
    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    assert post_form(client, "/admin/domains", {"host": host}).status_code == 422
    assert domain_rows(app) == []


@pytest.mark.parametrize(("platform_host", "store_domain", "host", "refused"), [
    ("kaidian.example.com", "shop.example.net", "kaidian.example.com", True),
    ("kaidian.example.com", "shop.example.net", "example.com", True),
    ("kaidian.example.com", "shop.example.net", "www.example.com", True),
    ("kaidian.example.com", "shop.example.net", "a.b.example.com", True),
    ("kaidian.example.com", "shop.example.net", "shop.example.net", True),
    ("kaidian.example.com", "shop.example.net", "x.shop.example.net", True),
    ("kaidian.example.com", "shop.example.net", "example.net", False),
    ("kaidian.example.com", "shop.example.net", "www.apple.com", False),
    ("kaidian.com.cn", "kaidian.shop", "mall.com.cn", False),  # com.cn is a public suffix, not ours
    ("kaidian.com.cn", "kaidian.shop", "www.kaidian.com.cn", True),
    ("www.kaidian.com.cn:443", "kaidian.shop", "api.kaidian.com.cn", True),
])
def test_the_platforms_own_domains_in_production_shape(app, platform_host, store_domain, host, refused):
    from kaidian.tenants import domains

    with app.test_request_context():
        previous = app.config["PLATFORM_HOST"], app.config["STORE_DOMAIN"]
        app.config.update(PLATFORM_HOST=platform_host, STORE_DOMAIN=store_domain)
        try:
            assert domains.is_platform_domain(host) is refused
        finally:
            app.config["PLATFORM_HOST"], app.config["STORE_DOMAIN"] = previous


def test_someone_elses_famous_domain_never_routes_without_proof(app, client, make_store, dns):
    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    post_form(client, "/admin/domains", {"host": "www.apple.com"})
    post_form(client, "/admin/domains/www.apple.com/check")
    assert store_answers(client, "www.apple.com") == 404


def test_basic_store_cannot_connect_a_domain(client, make_store, dns):
    store = make_store("alpha", plan="basic")
    login(client, store.login)
    response = post_form(client, "/admin/domains", {"host": "shop.example.com"})
    assert response.status_code == 403
    assert client.get("/", headers={"Host": "shop.example.com"}).status_code == 404


def test_checking_another_stores_domain_is_not_found(app, client, make_store, dns):
    a, b = make_store("alpha", plan="flagship"), make_store("bravo", plan="flagship")
    login(client, a.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    before = domain_rows(app)
    other = client.application.test_client()
    login(other, b.login)
    assert post_form(other, "/admin/domains/shop.example.com/check").status_code == 404
    assert post_form(other, "/admin/domains/shop.example.com/delete").status_code == 404
    assert domain_rows(app) == before


def test_the_periodic_job_verifies_pending_domains(app, client, make_store, dns):
    from kaidian.tenants.tasks import recheck_pending_domains

    store = make_store("alpha", plan="flagship")
    login(client, store.login)
    post_form(client, "/admin/domains", {"host": "shop.example.com"})
    dns.publish(*shown_record(client))
    with app.app_context():
        recheck_pending_domains()
    assert store_answers(client, "shop.example.com") == 200


def test_unknown_hosts_are_not_found(client):
    assert client.get("/", headers={"Host": "nobody.localhost"}).status_code == 404
    assert client.get("/", headers={"Host": "random.example.org"}).status_code == 404
