"""Suite-wide fixtures: a fresh database per test process (PostgreSQL, connected as a role that
row-level security applies to, or SQLite as a laptop fallback), Redis, the app and factories."""

from __future__ import annotations

import functools
import os
import re
import socket
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import delete

from kaidian.platform.app import create_app
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import factories, services

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
    with open_backend(tmp_path_factory) as opened:
        yield opened


@contextmanager
def open_backend(tmp_path_factory, migrate=None):
    """This process's database and Redis database, released at the end even when set-up fails half-way."""
    use_pg, use_redis = services.postgres_available(), services.redis_available()
    if services.in_ci() and not (use_pg and use_redis):
        pytest.exit("CI=true but PostgreSQL or Redis is not reachable on 127.0.0.1", returncode=3)
    redis_number = services.redis_db_for(_worker()) if use_redis else None
    try:
        redis_url = f"{services.REDIS_BASE_URL}/{redis_number}" if use_redis else ""
        if not use_pg:
            sys.stderr.write("\n[kaidian tests] PostgreSQL not reachable: falling back to SQLite (no RLS tests)\n")
            path = tmp_path_factory.mktemp("db") / "test.db"
            yield Backend("sqlite", f"sqlite:///{path}", redis_url=redis_url)
            return
        media = tmp_path_factory.mktemp("migrate-media")
        migrate = migrate or functools.partial(migrate_database, media_root=media)
        name, owner_url, app_url = services.create_database(_worker(), migrate)
        try:
            yield Backend("postgresql", app_url, owner_url, redis_url, name)
        finally:
            services.drop_database(name)
    finally:
        if redis_number is not None:
            services.release_redis_db(redis_number)


def migrate_database(owner_url: str, app_url: str, media_root, role: str = services.APP_ROLE) -> None:
    """Migrate an empty PostgreSQL database as its owner, granting the application role its rights."""
    app = make_app(Backend("postgresql", app_url, owner_url), media_root, DB_APP_ROLE=role)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def make_app(backend: Backend, media_root, **overrides):
    config = {
        "TESTING": True,
        "KAIDIAN_ENV": "test",
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
        "HOST_CACHE_SECONDS": 0,  # tables are emptied between tests behind the memo's back
        # cheap Argon2id in tests only (config.py refuses this cost when TESTING is off)
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 64,
        "PASSWORD_HASH_PARALLELISM": 1,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    app = make_app(backend, tmp_path_factory.mktemp("media"))
    if backend.kind != "postgresql":  # PostgreSQL databases are cloned from a migrated template
        with app.app_context():
            upgrade()
    return app


@pytest.fixture(scope="session")
def _db_reset(backend):
    """Empties the tables a test wrote to (PostgreSQL): one probe for which tables have rows, then a
    DELETE of just those, as the owner with foreign-key triggers off — far cheaper than a TRUNCATE of
    every table after every test."""
    if backend.kind != "postgresql":
        yield None
        return
    reset = services.TableReset(backend.owner_url)
    try:
        yield reset
    finally:
        reset.close()


@pytest.fixture(autouse=True)
def _clean_state(request, backend, _db_reset):
    yield
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    if app is not None:
        with app.app_context():
            db.session.remove()
            app.extensions.pop("kaidian_outbox", None)
            if _db_reset is None:
                _empty_tables_sqlite()
    if _db_reset is not None:
        _db_reset.empty_written_tables()
    if backend.redis_url:
        _flush_redis(backend.redis_url)


def _flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    claim = client.get(services.CLAIM_KEY)
    client.flushdb()
    if claim:
        client.set(services.CLAIM_KEY, claim, ex=services.CLAIM_SECONDS)


def _empty_tables_sqlite() -> None:
    with all_tenants():
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "alembic_version":
                db.session.execute(delete(table))
        db.session.commit()


def shared_app(cache: dict, key, build):
    """One app per ``key`` for a module's tests (``build()`` makes it the first time), handed out with its
    media storage emptied and its mail outbox cleared, so tests that need a differently configured app
    (S3, upload limits) do not pay for a new one each."""
    if key not in cache:
        cache[key] = build()
    app = cache[key]
    empty_storage(app)
    app.extensions.pop("kaidian_outbox", None)
    return app


def local_or_s3_app(request, backend, tmp_path_factory, cache: dict, **options):
    """``shared_app`` for a fixture parametrized ``["local", "s3"]``: media on disk, or in a fresh bucket of
    the tests' S3 server (``s3_endpoint``); ``options`` override the config of both."""
    endpoint = request.getfixturevalue("s3_endpoint") if request.param == "s3" else None

    def build():
        overrides = dict(options)
        if endpoint:
            bucket = f"kd-{uuid.uuid4().hex[:12]}"
            boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
            overrides.update(S3_BUCKET=bucket, S3_ENDPOINT_URL=endpoint)
        return make_app(backend, tmp_path_factory.mktemp("media"), **overrides)

    return shared_app(cache, request.param, build)


def empty_storage(app) -> None:
    """Delete every stored file of ``app``'s media storage (a local folder or an S3 bucket)."""
    import shutil

    from kaidian.platform.storage import LocalStorage, get_storage

    with app.app_context():
        storage = get_storage()
        if isinstance(storage, LocalStorage):
            if storage.root.exists():
                for child in storage.root.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            return
        listing = storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
        if listing:
            storage.client.delete_objects(Bucket=storage.bucket,
                                          Delete={"Objects": [{"Key": item["Key"]} for item in listing]})


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


# The factories live in tests/factories.py; these names stay importable from here.
StoreFixture = factories.StoreFixture
PASSWORD = factories.PASSWORD


@pytest.fixture
def make_store(app):
    """``make_store(slug, plan="basic", categories=None, login=None)`` → StoreFixture."""
    return lambda *args, **kwargs: factories.store(app, *args, **kwargs)


@pytest.fixture
def make_admin(app):
    """``make_admin(login="root@example.com")`` → (login, user id) of a platform administrator."""
    return lambda *args, **kwargs: factories.admin(app, *args, **kwargs)


def login(client, login_name: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"login": login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def api_token(client, login_name: str, password: str = PASSWORD, store: str | None = None) -> dict:
    response = client.post("/api/v1/login", json={"login": login_name, "password": password, "store": store})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server (moto) on loopback for one test module, with throwaway credentials."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield f"http://127.0.0.1:{port}"
    server.stop()
