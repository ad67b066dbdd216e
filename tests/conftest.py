"""Suite-wide fixtures: a fresh database per test process (PostgreSQL, connected as a role that
row-level security applies to, or SQLite as a laptop fallback), Redis, the app and factories."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import delete

from kaidian.platform.app import create_app
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import services

pytest_plugins = ["tests.browser"]  # the admin forms' browser fixtures (logged_in)


@dataclass
class Backend:
    kind: str
    app_url: str
    owner_url: str = ""
    redis_url: str = ""
    name: str = ""


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    use_pg, use_redis = services.postgres_available(), services.redis_available()
    if services.in_ci() and not (use_pg and use_redis):
        pytest.exit("CI=true but PostgreSQL or Redis is not reachable on 127.0.0.1", returncode=3)
    redis_number = services.redis_db_for(_worker()) if use_redis else None
    redis_url = f"{services.REDIS_BASE_URL}/{redis_number}" if use_redis else ""
    if not use_pg:
        sys.stderr.write("\n[kaidian tests] PostgreSQL not reachable: falling back to SQLite (no RLS tests)\n")
        path = tmp_path_factory.mktemp("db") / "test.db"
        yield Backend("sqlite", f"sqlite:///{path}", redis_url=redis_url)
    else:
        name, owner_url, app_url = services.create_database(_worker())
        try:
            yield Backend("postgresql", app_url, owner_url, redis_url, name)
        finally:
            services.drop_database(name)
    if redis_number is not None:
        services.release_redis_db(redis_number)


def make_app(backend: Backend, media_root, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": backend.app_url,
        "MIGRATION_DATABASE_URL": backend.owner_url,
        "DB_APP_ROLE": services.APP_ROLE if backend.kind == "postgresql" else "",
        "REDIS_URL": backend.redis_url,
        "JOBS_INLINE": True,
        "JOBS_RAISE": True,
        "RATELIMIT_AUTH": "1000 per minute",
        "MEDIA_ROOT": str(media_root),
        "LOG_JSON": False,
        "PLATFORM_HOST": "localhost",
        "STORE_DOMAIN": "localhost",
        "HOST_CACHE_SECONDS": 0,  # tables are truncated between tests behind the memo's back
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    app = make_app(backend, tmp_path_factory.mktemp("media"))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_state(request, backend):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        _empty_tables(backend)
        app.extensions.pop("kaidian_outbox", None)
    if backend.redis_url:
        client = redis.Redis.from_url(backend.redis_url)
        claim = client.get(services.CLAIM_KEY)
        client.flushdb()
        if claim:
            client.set(services.CLAIM_KEY, claim, ex=3 * 3600)


def _empty_tables(backend: Backend) -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "alembic_version"]
    if backend.kind == "postgresql":
        import psycopg

        with psycopg.connect(backend.owner_url, autocommit=True) as conn:
            conn.execute("TRUNCATE " + ", ".join(t.name for t in tables) + " CASCADE")
        return
    with all_tenants():
        for table in tables:
            db.session.execute(delete(table))
        db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


# --- helpers ---------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict | None = None, **kwargs):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=data, **kwargs)


@dataclass
class StoreFixture:
    tenant_id: object
    slug: str
    login: str
    password: str
    owner_id: object


PASSWORD = "goodpass123"


@pytest.fixture
def make_store(app):
    def factory(slug: str, plan: str = "basic", categories=None, login: str | None = None) -> StoreFixture:
        from kaidian.tenants import services as tenant_services

        login = login or f"{slug}@example.com"
        with app.app_context():
            user, tenant = tenant_services.signup({"login": login, "password": PASSWORD, "store_name": slug.title(),
                                                   "slug": slug, "plan": plan, "categories": categories or []})
            result = StoreFixture(tenant.id, slug, login, PASSWORD, user.id)
            db.session.remove()
        return result

    return factory


@pytest.fixture
def make_admin(app):
    def factory(login: str = "root@example.com"):
        from kaidian.platform import accounts

        with app.app_context():
            user = accounts.create_user(login, PASSWORD, platform_admin=True)
            db.session.commit()
            user_id = user.id
            db.session.remove()
        return login, user_id

    return factory


def login(client, login_name: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"login": login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def api_token(client, login_name: str, password: str = PASSWORD, store: str | None = None) -> dict:
    response = client.post("/api/v1/login", json={"login": login_name, "password": password, "store": store})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
