"""Security of accounts and links (issue #9, part A): links built from configured hosts, safe
redirects, sessions that end, refusing public secrets in production, login timing, smaller holes."""

import re
import subprocess
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import select

from kaidian.platform import config
from kaidian.platform.app import create_app
from kaidian.platform.extensions import db
from kaidian.platform.models import Domain, utcnow
from kaidian.platform.redirects import safe_local_path
from kaidian.platform.sites import canonical_base_url, platform_url, store_url
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import api_token, csrf_token, login, make_app, post_form

ROOT = Path(__file__).resolve().parents[2]


def _csrf(client, host: str) -> str:
    page = client.get("/login", headers={"Host": host}).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def _outbox(app) -> list:
    return app.extensions.setdefault("kaidian_outbox", [])


def _add_domain(app, store, host: str) -> None:
    with app.app_context(), all_tenants():
        db.session.add(Domain(host=host, tenant_id=store.tenant_id, verified_at=utcnow()))
        db.session.commit()


# --- 1. links from configured hosts ------------------------------------------------------------


@pytest.mark.parametrize("host", ["6.6.6.6", "localhost:8443", "LOCALHOST", "[::1]:5000"])
def test_the_reset_link_is_on_the_configured_platform_host_whatever_the_host_header(app, client, make_store, host):
    store = make_store("alpha")
    _outbox(app).clear()
    response = client.post("/password/forgot", data={"login": store.login, "csrf_token": _csrf(client, host)},
                           headers={"Host": host})
    assert response.status_code == 302
    [(to, _subject, body)] = _outbox(app)
    link = re.search(r"https?://\S+", body)[0]
    assert link.startswith("http://localhost/password/reset/"), link  # PLATFORM_HOST is "localhost" in tests


@pytest.mark.parametrize("host", ["attacker.example", "alpha.localhost", "shop.example.com"])
def test_store_and_unknown_hosts_never_serve_the_platform_account_pages(app, client, make_store, host):
    store = make_store("alpha", plan="flagship")
    _add_domain(app, store, "shop.example.com")
    _outbox(app).clear()
    for path in ("/login", "/password/forgot", "/password/reset/x.y.z"):
        assert client.get(path, headers={"Host": host}).status_code == 404, path
    token = csrf_token(client)
    response = client.post("/password/forgot", data={"login": store.login, "csrf_token": token},
                           headers={"Host": host})
    assert response.status_code in (400, 404)  # refused (the CSRF check may answer first)
    assert client.post("/login", data={"login": store.login, "password": "goodpass123", "csrf_token": token},
                       headers={"Host": host}).status_code in (400, 404)
    assert _outbox(app) == []  # nothing was mailed


def test_the_staff_invitation_link_is_on_the_configured_platform_host(app, client, make_store):
    store = make_store("alpha")
    headers = {**api_token(client, store.login), "Host": "6.6.6.6"}
    _outbox(app).clear()
    response = client.post("/api/v1/staff", json={"login": "clerk@example.com", "role": "staff"}, headers=headers)
    assert response.status_code == 201
    [(_to, _subject, body)] = _outbox(app)
    assert "http://localhost/password/reset/" in body and "6.6.6.6" not in body


def test_url_builders_ignore_the_host_header(app, make_store):
    make_store("alpha")
    with app.test_request_context("/", headers={"Host": "6.6.6.6:31337"}):
        app.preprocess_request()
        assert platform_url("platform.login") == "http://localhost/login"
    with app.test_request_context("/", headers={"Host": "ALPHA.localhost:31337"}):
        app.preprocess_request()
        assert store_url(g.tenant, "/member") == "http://alpha.localhost/member"


def test_store_urls_are_on_the_canonical_store_domain(app, make_store):
    store = make_store("alpha", plan="flagship")
    _add_domain(app, store, "shop.example.com")
    with app.test_request_context("/", headers={"Host": "Shop.Example.com:8080"}):
        app.preprocess_request()
        assert store_url(g.tenant, "/x") == "http://alpha.localhost/x"
        assert canonical_base_url() == "http://shop.example.com"


def test_share_links_on_store_pages_use_the_store_host_not_the_host_header(client, make_store):
    make_store("alpha")
    page = client.get("/", headers={"Host": "ALPHA.localhost:31337"}).get_data(as_text=True)
    urls = re.findall(r'<meta property="og:url" content="([^"]*)"', page)
    assert urls == ["http://alpha.localhost/"]
    assert "31337" not in page


def test_no_code_builds_a_link_from_the_request_host():
    """The fault class, everywhere: absolute URLs come from ``sites.platform_url`` / ``sites.store_url``."""
    pattern = r"[(, ]_external=True|host_url|url_root|request\.host\b|request\.url\b|request\.base_url"
    found = subprocess.run(["grep", "-rnE", pattern, "kaidian", "--include=*.py", "--include=*.html"],
                           cwd=ROOT, capture_output=True, text=True).stdout.splitlines()
    # errors.py compares the Referer with the Host (a check, not a link it builds); the WeChat login's
    # hand-off back to a custom domain accepts the Host only once it resolves to the same store (_own_host)
    allowed = ("kaidian/sandbox/", "kaidian/platform/sites.py", "kaidian/themes/storefront.py",
               "kaidian/platform/errors.py", "kaidian/wechat/storefront.py")
    assert [line for line in found if not line.startswith(allowed)] == []


# --- 2. safe redirects -------------------------------------------------------------------------

UNSAFE_NEXT = ["/\t/evil.com", "/\n/evil.com", "/\r\nSet-Cookie:x=1", "//evil.com",
               "/\\evil.com", "\\\\evil.com", "https://evil.com", "javascript:alert(1)", " /x", "/\u3000/evil.com",
               "/\u202e/x", "evil.com", "/x\x00y", "/" + "a" * 3000]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_unsafe_targets_are_refused(target):
    assert safe_local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/admin/products?page=2&q=red+shirt", "/商品/1", "/member#top"])
def test_local_paths_are_kept(target):
    assert safe_local_path(target) == target


def _query(target: str) -> str:
    from urllib.parse import quote

    return quote(target, safe="")


@pytest.mark.parametrize("raw", ["/%09/evil.com", "/%0a/evil.com", "/%0d%0a/evil.com", "/%5c/evil.com",
                                 "%2f%2fevil.com"])
def test_percent_encoded_tricks_in_the_query_never_redirect_away(client, raw):
    response = client.get(f"/lang/en?next={raw}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_language_switch_never_redirects_away(client, target):
    response = client.get(f"/lang/en?next={_query(target)}")
    if "\x00" in target:  # refused before any view by the NUL-byte guard
        assert response.status_code == 422
        return
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.com", "/\n/evil.com", "//evil.com", "/\\evil.com"])
def test_language_switch_on_a_store_never_redirects_away(client, make_store, target):
    make_store("alpha")
    response = client.get(f"/lang/en?next={_query(target)}", headers={"Host": "alpha.localhost"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_login_never_redirects_away(client, make_store, target):
    store = make_store("alpha")
    response = post_form(client, f"/login?next={_query(target)}", {"login": store.login, "password": "goodpass123"})
    if "\x00" in target:  # refused before any view by the NUL-byte guard
        assert response.status_code == 422
        return
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


def test_login_keeps_a_local_next(client, make_store):
    store = make_store("alpha")
    response = post_form(client, "/login?next=/admin/products%3Fpage%3D2", {"login": store.login,
                                                                            "password": "goodpass123"})
    assert response.headers["Location"] == "/admin/products?page=2"


@pytest.mark.parametrize("target", ["/\t/evil.com", "/\n/evil.com", "//evil.com", "https://evil.com"])
def test_admin_forms_with_next_never_redirect_away(client, make_store, target):
    store = make_store("alpha")
    login(client, store.login)
    response = post_form(client, "/admin/catalog/products/bulk", {"action": "on_sale", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/catalog/products"




# --- 4. production refuses public secrets ------------------------------------------------------

GOOD_SECRETS = {
    "SECRET_KEY": "k" * 8 + "0123456789abcdefghijklmnopqrstuv",
    "DATA_KEY": "hPq2Z1c6X0ZkOTp7m2yJ3vQ8u4r5s6t7w8x9y0z1a2c=",
    "WECHAT_COMPONENT_SECRET": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "WECHAT_COMPONENT_TOKEN": "Tok3nFromTheOpenPlatform",
    "WECHAT_COMPONENT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}
DEFAULTS = {name: config.SETTINGS[name][0] for name in GOOD_SECRETS}


def _production(**overrides):
    return create_app({"KAIDIAN_ENV": "production", "DEBUG": False, **GOOD_SECRETS, **overrides})


def test_production_starts_with_real_secrets():
    assert _production().config["KAIDIAN_ENV"] == "production"


def test_production_refuses_every_repository_default_and_names_each():
    with pytest.raises(config.ConfigError) as refused:
        _production(**DEFAULTS)
    for name in GOOD_SECRETS:
        assert name in str(refused.value)


@pytest.mark.parametrize("name, value", [
    ("SECRET_KEY", "short"),
    ("DATA_KEY", "not-a-fernet-key"),
    ("DATA_KEY", GOOD_SECRETS["DATA_KEY"] + "," + config.DEV_DATA_KEY),
    ("DATA_KEY", ""),
    ("WECHAT_COMPONENT_TOKEN", "has spaces"),
    ("WECHAT_COMPONENT_TOKEN", ""),
    ("WECHAT_COMPONENT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"),  # 42 characters
    ("WECHAT_COMPONENT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G"),  # not base64
    ("WECHAT_COMPONENT_AES_KEY_PREVIOUS", "too-short"),
    ("WECHAT_COMPONENT_AES_KEY_PREVIOUS", config.DEV_COMPONENT_AES_KEY),
    ("WECHAT_COMPONENT_SECRET", ""),
])
def test_production_refuses_malformed_secrets_naming_the_variable(name, value):
    with pytest.raises(config.ConfigError, match=name):
        _production(**{name: value})


def test_production_refuses_the_debugger():
    with pytest.raises(config.ConfigError, match="FLASK_DEBUG"):
        _production(DEBUG=True)


def test_an_unknown_environment_name_is_refused():
    with pytest.raises(config.ConfigError, match="KAIDIAN_ENV"):
        create_app({"KAIDIAN_ENV": "prod"})


def test_development_starts_with_no_settings(monkeypatch):
    for name in (*GOOD_SECRETS, "KAIDIAN_ENV"):
        monkeypatch.delenv(name, raising=False)
    assert create_app().config["SECRET_KEY"] == config.DEV_SECRET  # what `make run` gets


@pytest.mark.parametrize("module", ["worker", "scheduler"])
def test_worker_and_scheduler_refuse_to_start_with_default_secrets(monkeypatch, module):
    import importlib

    for name in GOOD_SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAIDIAN_ENV", "production")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never reached
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as exited:
        main([]) if module == "worker" else main()
    assert "SECRET_KEY" in str(exited.value.code) and "DATA_KEY" in str(exited.value.code)


def test_seed_demo_is_refused_in_production(app, backend, tmp_path):
    from sqlalchemy import func, select

    from kaidian.platform.models import User
    from tests.conftest import make_app

    production = make_app(backend, tmp_path, KAIDIAN_ENV="production", **GOOD_SECRETS)
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["kaidian", "seed-demo"])
        assert result.exit_code != 0 and "production" in result.output
        assert db.session.execute(select(func.count()).select_from(User)).scalar() == 0


def test_the_image_and_the_chart_run_in_production_mode():
    assert "KAIDIAN_ENV=production" in (ROOT / "Dockerfile").read_text()
    assert re.search(r"^\s+KAIDIAN_ENV: production", (ROOT / "helm/kaidian/values.yaml").read_text(), re.M)


@pytest.mark.parametrize("host, debugger", [("", True), ("HOST=0.0.0.0", False)])
def test_make_run_keeps_the_debugger_on_loopback(host, debugger):
    commands = subprocess.run(["make", "-n", "run", *([host] if host else [])], cwd=ROOT, capture_output=True,
                              text=True).stdout
    line = next(line for line in commands.splitlines() if " run --host " in line)
    assert ("--no-debugger" not in line) == debugger
    assert "--host 0.0.0.0" not in line or "--no-debugger" in line


# --- 3. logins end: logout, password change or reset --------------------------------------------


def _login_remembered(client, login_name: str):
    return post_form(client, "/login", {"login": login_name, "password": "goodpass123", "remember": "1"})


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def _replay(app, **cookies):
    """A fresh browser holding only ``cookies`` (as an attacker who copied them would)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value, domain="localhost")
    return other


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_a_session_cookie_replayed_after_logout_is_useless(app, client, make_store):
    store = make_store("alpha")
    login(client, store.login)
    stolen = _cookie(client, "session")
    assert _logged_in(_replay(app, session=stolen))
    post_form(client, "/logout", {})
    assert not _logged_in(client)
    assert not _logged_in(_replay(app, session=stolen))


def test_a_remember_me_cookie_replayed_after_logout_is_useless(app, client, make_store):
    store = make_store("alpha")
    _login_remembered(client, store.login)
    stolen = _cookie(client, "remember_token")
    assert _logged_in(_replay(app, remember_token=stolen))
    post_form(client, "/logout", {})
    assert not _logged_in(_replay(app, remember_token=stolen))


def test_a_password_reset_ends_every_login_and_revokes_every_api_token(app, client, make_store):
    store = make_store("alpha")
    laptop = app.test_client()
    _login_remembered(laptop, store.login)
    session_cookie, remember_cookie = _cookie(laptop, "session"), _cookie(laptop, "remember_token")
    token = api_token(app.test_client(), store.login)
    client.set_cookie("lang", "en", domain="localhost")
    post_form(client, "/password/forgot", {"login": store.login})
    path = re.search(r"/password/reset/\S+", _outbox(app)[-1][2])[0]
    response = post_form(client, path, {"password": "brandnew123"}, follow_redirects=True)
    assert "signed out everywhere" in response.get_data(as_text=True)
    assert "1 API token" in response.get_data(as_text=True)
    assert not _logged_in(laptop)
    assert not _logged_in(_replay(app, session=session_cookie))
    assert not _logged_in(_replay(app, remember_token=remember_cookie))
    assert client.get("/api/v1/store", headers=token).status_code == 401


def test_a_password_change_keeps_only_the_current_login(app, make_store):
    from kaidian.platform import accounts, sessions

    store = make_store("alpha")
    other_store = make_store("bravo", login="bravo@example.com")
    with app.app_context():
        user = accounts.find_user(store.login)
        here, elsewhere = sessions.start(user), sessions.start(user)
        db.session.commit()
        with tenant_context(store.tenant_id):
            accounts.issue_api_token(user, store.tenant_id, "ci")
            db.session.commit()
        revoked = accounts.set_password(user, "brandnew123", keep_session=here)
        db.session.commit()
        assert revoked == 1
        assert sessions.user_for(f"{user.id}:{here}") is not None
        assert sessions.user_for(f"{user.id}:{elsewhere}") is None
        bravo_owner = accounts.find_user(other_store.login)
        assert sessions.start(bravo_owner) and db.session.commit() is None  # other users are untouched


def test_a_login_without_a_live_server_side_session_is_refused(app, client, make_store):
    from kaidian.platform.models import UserSession

    store = make_store("alpha")
    login(client, store.login)
    with app.app_context():
        for row in db.session.execute(select(UserSession)).scalars():
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert not _logged_in(client)


def test_a_deactivated_user_is_logged_out(app, client, make_store):
    from kaidian.platform.models import User

    store = make_store("alpha")
    login(client, store.login)
    with app.app_context():
        db.session.get(User, store.owner_id).is_active_user = False
        db.session.commit()
    assert not _logged_in(client)


@pytest.mark.parametrize("secure", [False, True])
def test_the_remember_me_cookie_is_httponly_lax_bounded_and_secure_with_secure_sessions(
        backend, tmp_path, app, make_store, secure):
    store = make_store("alpha")
    served = make_app(backend, tmp_path, SESSION_COOKIE_SECURE=secure)
    client = served.test_client()
    response = _login_remembered(client, store.login)
    [cookie] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) == secure
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie)[1])
    assert timedelta(days=13, hours=23) < expires - utcnow() <= timedelta(days=14)


# --- 10. no account probing by timing ----------------------------------------------------------


@pytest.mark.parametrize("login_name", ["alpha@example.com", "nobody@example.com", "not an email", ""])
def test_every_login_attempt_does_one_password_verification(client, make_store, monkeypatch, login_name):
    """Known or unknown account, the same argon2 verification runs once (counted, not timed)."""
    from argon2 import PasswordHasher

    make_store("alpha")
    calls = []
    original = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, hash_, password: calls.append(hash_)
                        or original(self, hash_, password))
    response = post_form(client, "/login", {"login": login_name, "password": "wrongpass123"})
    assert response.status_code == 422
    assert len(calls) == 1 and calls[0].startswith("$argon2")
    if "@" in login_name:  # the API refuses a malformed login by its schema, before any lookup
        calls.clear()
        response = client.post("/api/v1/login", json={"login": login_name, "password": "wrongpass123"})
        assert response.status_code in (401, 422)
        assert len(calls) == 1 and calls[0].startswith("$argon2")


# --- 11. smaller: tokens of closed stores, HSTS, Allow -----------------------------------------


def _set_status(app, store, status: str, trial_ended: bool = False) -> None:
    from kaidian.platform.models import Tenant, TenantStatus

    if trial_ended:  # the expiry sweep, a day after the trial ended
        from kaidian.billing import tasks

        with app.app_context():
            tasks.expiry_sweep(now=utcnow() + timedelta(days=8))
            db.session.remove()
        return
    with app.app_context():
        tenant = db.session.get(Tenant, store.tenant_id)
        tenant.status = TenantStatus(status)
        db.session.commit()


def _token_count(app) -> int:
    from sqlalchemy import func

    from kaidian.platform.models import ApiToken

    with app.app_context(), all_tenants():
        return db.session.execute(select(func.count()).select_from(ApiToken)).scalar()


@pytest.mark.parametrize("status, trial_ended", [("suspended", False), ("closed", False), ("trial", True)])
def test_a_store_that_is_not_open_mints_no_api_tokens(app, client, make_store, status, trial_ended):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    login(client, store.login)
    _set_status(app, store, status, trial_ended)
    before = _token_count(app)
    response = client.post("/api/v1/login", json={"login": store.login, "password": "goodpass123"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "store_read_only"
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=headers).status_code == 403
    assert post_form(client, "/admin/tokens", {"name": "x"}).status_code == 403
    assert _token_count(app) == before
    assert client.get("/api/v1/store", headers=headers).status_code == 200  # reading still works


def test_api_login_picks_an_open_store_when_none_is_named(app, client, make_store):
    from kaidian.platform.models import Membership, Role

    closed, open_store = make_store("alpha"), make_store("bravo", login="bravo@example.com")
    with app.app_context(), tenant_context(open_store.tenant_id):
        db.session.add(Membership(tenant_id=open_store.tenant_id, user_id=closed.owner_id, role=Role.STAFF))
        db.session.commit()
    _set_status(app, closed, "suspended")
    response = client.post("/api/v1/login", json={"login": closed.login, "password": "goodpass123"})
    assert response.status_code == 200 and response.get_json()["store"] == "bravo"


def test_hsts_only_over_https(backend, tmp_path, app, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    behind_tls = make_app(backend, tmp_path, PREFERRED_URL_SCHEME="https").test_client()
    assert behind_tls.get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("method, path, allowed", [
    ("put", "/api/v1/login", {"POST"}),
    ("delete", "/api/v1/tokens", {"GET", "POST"}),
    ("put", "/login", {"GET", "POST"}),
    ("post", "/healthz", {"GET"}),
])
def test_405_keeps_the_allow_header(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers.get("Allow", "").split(",")}
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_changing_the_password_signs_out_the_other_logins_only_and_says_so(app, make_store):
    store = make_store("alpha")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, store.login)
    login(phone, store.login)
    phone.set_cookie("lang", "en", domain="localhost")
    token = api_token(app.test_client(), store.login)
    wrong = post_form(phone, "/account/password", {"current_password": "nope12345", "password": "brandnew123"})
    assert wrong.status_code == 422 and _logged_in(laptop)
    response = post_form(phone, "/account/password", {"current_password": "goodpass123", "password": "brandnew123"},
                         follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "other logins have been signed out" in text and "1 API token" in text
    assert _logged_in(phone) and not _logged_in(laptop)
    assert phone.get("/api/v1/store", headers=token).status_code == 401
    login(app.test_client(), store.login, "brandnew123")
