"""Which database and Redis the suite uses, and how each test process gets its own.

With ``CI=true`` the real PostgreSQL and Redis are required and their absence fails the run.
Elsewhere the suite falls back to SQLite and in-process jobs and caches, and says so.

PostgreSQL set-up is safe for any number of test processes starting at once on a brand-new cluster:
every step that touches shared state (the application role, the migrated template database) runs
under one cluster-wide advisory lock, and the role is created by a statement that tolerates a
concurrent creator. The migrations run once into a template database named after a digest of
``migrations/`` (rebuilt when they change); each test process clones it (``CREATE DATABASE …
TEMPLATE``), which takes a fraction of a second instead of migrating again.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from psycopg import sql

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
APP_ROLE = os.environ.get("TEST_APP_ROLE", "kaidian_app")
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

SETUP_LOCK = 0x6B616964  # pg_advisory_lock key ("kaid") held while the role and the template are set up
TEMPLATE_PREFIX = "kaidian_tpl_"
TEST_DB_PREFIX = "kaidian_test_"
STALE_SECONDS = {TEMPLATE_PREFIX: 7 * 24 * 3600, TEST_DB_PREFIX: 6 * 3600}  # unused this long: dropped

Migrate = Callable[[str, str], None]  # (owner URL, application-role URL) of an empty database: migrate it


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


def urls(name: str, role: str = APP_ROLE) -> tuple[str, str]:
    """(owner URL, application-role URL) of database ``name`` on the admin URL's server."""
    owner_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    user = PG_ADMIN_URL.split("://", 1)[1].split("@", 1)[0]
    return owner_url, owner_url.replace(f"{user}@", f"{role}@", 1)


@contextmanager
def setup_lock():
    """An autocommit admin connection holding the suite's cluster-wide set-up lock."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


def ensure_role(conn, role: str = APP_ROLE) -> None:
    """Create the application role (RLS applies to it) unless it exists; a concurrent creator is no error."""
    conn.execute(sql.SQL(
        "DO $$ BEGIN CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$").format(sql.Identifier(role)))


def template_name(role: str = APP_ROLE) -> str:
    """The template's name changes whenever a migration (or the role it grants to) changes."""
    digest = hashlib.sha256(role.encode())
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(str(path.relative_to(MIGRATIONS)).encode() + b"\0" + path.read_bytes())
    return f"{TEMPLATE_PREFIX}{digest.hexdigest()[:16]}"


def _exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _stamp(conn, name: str) -> None:
    """Record when ``name`` was last used (its comment), so stale copies can be dropped later."""
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(str(time.time()))))


def _drop(conn, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _disconnect(conn, name: str) -> None:
    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                 "pg_backend_pid()", (name,))


def ensure_template(conn, migrate: Migrate, role: str = APP_ROLE) -> str:
    """The migrated template database (built under a scratch name, renamed only once complete)."""
    name = template_name(role)
    if not _exists(conn, name):
        scratch = f"{name}_build_{uuid.uuid4().hex[:6]}"
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            migrate(*urls(scratch, role))
            _disconnect(conn, scratch)
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(scratch),
                                                                           sql.Identifier(name)))
        except BaseException:
            _drop(conn, scratch)
            raise
    _disconnect(conn, name)  # CREATE DATABASE … TEMPLATE needs it unused
    _stamp(conn, name)
    return name


def drop_stale(conn) -> list[str]:
    """Drop the suite's databases nobody has used for a long time (left by killed runs or old migrations)."""
    rows = conn.execute("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
                        "WHERE datname LIKE 'kaidian\\_t%'").fetchall()
    dropped = []
    for name, stamp in rows:
        prefix = next((p for p in STALE_SECONDS if name.startswith(p)), None)
        if prefix and _is_float(stamp) and time.time() - float(stamp) > STALE_SECONDS[prefix]:
            _drop(conn, name)
            dropped.append(name)
    return dropped


def _is_float(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def create_database(worker: str, migrate: Migrate, role: str = APP_ROLE) -> tuple[str, str, str]:
    """A fresh, migrated database for this test process: (name, owner URL, application-role URL).
    Nothing is left behind when it fails."""
    name = f"{TEST_DB_PREFIX}{worker}_{uuid.uuid4().hex[:8]}"
    with setup_lock() as conn:
        ensure_role(conn, role)
        drop_stale(conn)
        template = ensure_template(conn, migrate, role)
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                           sql.Identifier(template)))
            # a test database needs no durability: commits do not wait for the WAL to reach the disk
            conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name)))
            _stamp(conn, name)
        except BaseException:
            _drop(conn, name)
            raise
    return (name, *urls(name, role))


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        _drop(conn, name)


CLAIM_KEY = "kaidian:test:claimed-by"
CLAIM_SECONDS = 3 * 3600  # a claim expires by itself this long after its holder stopped renewing it
CLAIM_WAIT_SECONDS = float(os.environ.get("TEST_REDIS_WAIT", "900"))
# Take over a dead process's claim in one atomic step: only if it still holds it, empty its leftovers.
_TAKE_OVER = ("if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('flushdb'); "
              "redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]); return 1 end return 0")


def claim_value() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(value: bytes | None) -> bool:
    """A claim made on this machine by a process that no longer exists (killed before its clean-up)."""
    if not value:
        return False
    host, _, pid = value.decode().rpartition(":")
    if host and host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def redis_db_for(worker: str, wait: float | None = None) -> int:
    """Claim a Redis database (1-15) no other live test process holds, so that one process's
    FLUSHDB never empties another's. A claim left by a process killed on this machine is taken over;
    when every database is held by a live process (many suites at once), wait for one to be released."""
    deadline = time.monotonic() + (CLAIM_WAIT_SECONDS if wait is None else wait)
    told = False
    while True:
        number = _try_claim()
        if number is not None:
            return number
        if time.monotonic() >= deadline:
            raise RuntimeError("every Redis test database 1-15 is claimed by another test process")
        if not told:
            sys.stderr.write(f"\n[kaidian tests] {worker}: all 15 Redis test databases are in use; waiting\n")
            told = True
        time.sleep(1)


def _try_claim() -> int | None:
    start = os.getpid() % 15
    for offset in range(15):
        number = 1 + (start + offset) % 15
        if claim(number):
            return number
    return None


def claim(number: int) -> bool:
    """Claim Redis database ``number`` if it is free or its holder was killed on this machine."""
    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/{number}")
    if client.set(CLAIM_KEY, claim_value(), nx=True, ex=CLAIM_SECONDS):
        return True
    holder = client.get(CLAIM_KEY)
    return _holder_is_dead(holder) and bool(client.eval(_TAKE_OVER, 1, CLAIM_KEY, holder, claim_value(),
                                                        CLAIM_SECONDS))


def release_redis_db(number: int) -> None:
    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/{number}")
    if client.get(CLAIM_KEY) == claim_value().encode():
        client.flushdb()


class TableReset:
    """Empties, between tests, only the tables that have rows. One query probes every table
    (``EXISTS`` on an empty table reads nothing); the written ones are emptied with ``DELETE`` in one
    transaction as the owner (a superuser: RLS does not apply) with ``session_replication_role =
    replica``, so foreign-key triggers neither slow it down nor dictate an order. Cheaper than a
    ``TRUNCATE … CASCADE`` of every table, which rewrites each table's files."""

    def __init__(self, owner_url: str) -> None:
        self.conn = psycopg.connect(owner_url, autocommit=True)
        self.tables = [name for (name,) in self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
            "ORDER BY tablename")]
        self.probe = sql.SQL("SELECT ARRAY[{}]").format(sql.SQL(", ").join(
            sql.SQL("EXISTS (SELECT 1 FROM {})").format(sql.Identifier(t)) for t in self.tables))

    def written_tables(self) -> list[str]:
        (flags,) = self.conn.execute(self.probe).fetchone()
        return [table for table, has_rows in zip(self.tables, flags, strict=True) if has_rows]

    def empty_written_tables(self) -> list[str]:
        written = self.written_tables()
        if written:
            with self.conn.transaction():
                self.conn.execute("SET LOCAL session_replication_role = replica")
                for table in written:
                    self.conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        return written

    def close(self) -> None:
        self.conn.close()
