"""Which database and Redis the suite uses.

With ``CI=true`` the real PostgreSQL and Redis are required and their absence fails the run.
Elsewhere the suite falls back to SQLite and in-process jobs and caches, and says so.
"""

from __future__ import annotations

import os
import uuid

import psycopg
import redis

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
APP_ROLE = "kaidian_app"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_BASE_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def create_database(worker: str) -> tuple[str, str, str]:
    """A fresh database for this test process: (name, owner URL, application-role URL)."""
    name = f"kaidian_test_{worker}_{uuid.uuid4().hex[:8]}"
    _admin(f"CREATE DATABASE {name}")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    owner_url = f"{base}/{name}"
    app_url = owner_url.replace("postgres@", f"{APP_ROLE}@", 1)
    return name, owner_url, app_url


def drop_database(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


CLAIM_KEY = "kaidian:test:claimed-by"


def redis_db_for(worker: str) -> int:
    """Claim a Redis database (1-15) no other live test process holds, so that one process's
    FLUSHDB never empties another's. The claim expires by itself if the process dies."""
    start = os.getpid() % 15
    for offset in range(15):
        number = 1 + (start + offset) % 15
        client = redis.Redis.from_url(f"{REDIS_BASE_URL}/{number}")
        if client.set(CLAIM_KEY, str(os.getpid()), nx=True, ex=3 * 3600):
            return number
    raise RuntimeError("every Redis test database 1-15 is claimed by another test process")


def release_redis_db(number: int) -> None:
    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/{number}")
    if client.get(CLAIM_KEY) == str(os.getpid()).encode():
        client.flushdb()
