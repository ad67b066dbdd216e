"""The suite's own set-up (tests/services.py, tests/conftest.py): safe when several test processes start
at once on a cluster where the application role does not exist yet, nothing left behind when set-up
fails, and the cheap isolation between tests empties exactly the tables that got rows."""

from __future__ import annotations

import functools
import multiprocessing
import socket
import threading
import uuid

import psycopg
import pytest
import redis
from psycopg import sql

from tests import services
from tests.conftest import migrate_database, open_backend

PROCESSES = 2


@pytest.fixture
def postgres(backend):
    if backend.kind != "postgresql":
        pytest.skip("the set-up under test is PostgreSQL's")
    return backend


@pytest.fixture
def fresh_role(postgres):
    """A role name no cluster has: dropped afterwards with every database and template made for it."""
    role = f"kd_fresh_{uuid.uuid4().hex[:10]}"
    yield role
    with psycopg.connect(services.PG_ADMIN_URL, autocommit=True) as conn:
        template = services.template_name(role)
        for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                                    (template, f"{services.TEST_DB_PREFIX}fresh%")).fetchall():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _role(role: str):
    with psycopg.connect(services.PG_ADMIN_URL) as conn:
        return conn.execute("SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
                            (role,)).fetchone()


def _set_up_in_a_new_process(role: str, media_root: str, index: int, barrier, results) -> None:
    """What a test worker does at start (run in a spawned process): wait for the others, then set up."""
    try:
        barrier.wait(60)
        migrate = functools.partial(migrate_database, media_root=media_root, role=role)
        name, owner_url, app_url = services.create_database(f"fresh{index}", migrate, role)
        with psycopg.connect(app_url) as conn:  # the role can log in and read a migrated table
            conn.execute("SELECT count(*) FROM tenants").fetchone()
        services.drop_database(name)
        results.put(("ok", name))
    except BaseException as error:  # reported to the test
        results.put(("error", repr(error)))


def test_processes_starting_at_once_on_a_cluster_without_the_role_all_set_up(fresh_role, tmp_path):
    # given a cluster where the application role does not exist (and no template was built for it)
    assert _role(fresh_role) is None
    # when two test processes set up their databases at the same moment
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
    workers = [spawn.Process(target=_set_up_in_a_new_process, args=(fresh_role, str(tmp_path), i, barrier, results))
               for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    # then every one succeeds, with its own database, and the role is one RLS applies to
    assert [kind for kind, _ in outcomes] == ["ok"] * PROCESSES, outcomes
    assert len({name for _, name in outcomes}) == PROCESSES
    assert _role(fresh_role) == (True, False, False)


def test_creating_the_role_tolerates_a_concurrent_creator_even_without_the_lock(fresh_role):
    barrier, errors = threading.Barrier(4), []

    def create():
        try:
            with psycopg.connect(services.PG_ADMIN_URL, autocommit=True) as conn:
                barrier.wait(10)
                services.ensure_role(conn, fresh_role)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and _role(fresh_role) == (True, False, False)


def _databases_for(role: str) -> list[str]:
    """The role's template (or a half-built one) and the test databases named ``fresh…``."""
    with psycopg.connect(services.PG_ADMIN_URL) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
                            "OR starts_with(datname, %s)",
                            (services.template_name(role), f"{services.TEST_DB_PREFIX}fresh")).fetchall()
    return [name for (name,) in rows]


def test_a_failed_migration_leaves_no_database_behind(fresh_role):
    built = []

    def broken(owner_url, app_url):
        built.append(owner_url.rsplit("/", 1)[1])
        raise RuntimeError("migration failed")

    with pytest.raises(RuntimeError, match="migration failed"):
        services.create_database("fresh0", broken, fresh_role)
    # then the template was being built, and neither it nor a test database is left
    assert built and built[0].startswith(services.template_name(fresh_role))
    assert _databases_for(fresh_role) == []


def test_a_failed_set_up_releases_the_redis_database_it_claimed(postgres, tmp_path_factory, monkeypatch):
    if not postgres.redis_url:
        pytest.skip("Redis is not reachable")

    def failing(*args, **kwargs):
        raise RuntimeError("no database today")

    claimed = []
    real_claim = services.redis_db_for
    monkeypatch.setattr(services, "redis_db_for", lambda worker: claimed.append(real_claim(worker)) or claimed[-1])
    monkeypatch.setattr(services, "create_database", failing)
    with pytest.raises(RuntimeError, match="no database today"), open_backend(tmp_path_factory):
        pass
    (number,) = claimed
    assert redis.Redis.from_url(f"{services.REDIS_BASE_URL}/{number}").get(services.CLAIM_KEY) is None


def test_between_tests_only_the_written_tables_are_emptied(postgres, make_store, _db_reset):
    # given a store signed up (rows in a few tables)
    make_store("alpha")
    written = _db_reset.written_tables()
    assert {"tenants", "users", "memberships"} <= set(written)
    assert len(written) < len(_db_reset.tables)
    # when the reset runs, then those tables are empty again and the migrations' own table is untouched
    assert _db_reset.empty_written_tables() == written
    assert _db_reset.written_tables() == []
    with psycopg.connect(postgres.owner_url) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_a_redis_claim_left_by_a_killed_process_is_taken_over(postgres):
    if not postgres.redis_url:
        pytest.skip("Redis is not reachable")
    # given a free test database claimed by a process that was killed before releasing it
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    left_by_dead = f"{socket.gethostname()}:{dead.pid}".encode()
    number = next(n for n in range(1, 16) if redis.Redis.from_url(f"{services.REDIS_BASE_URL}/{n}").set(
        services.CLAIM_KEY, left_by_dead, nx=True, ex=60))
    client = redis.Redis.from_url(f"{services.REDIS_BASE_URL}/{number}")
    client.set("left-behind", "1")
    try:
        # when this process tries to claim it, then it takes it over and empties it
        assert services.claim(number)
        assert client.get(services.CLAIM_KEY) == services.claim_value().encode()
        assert client.get("left-behind") is None
        services.release_redis_db(number)
    finally:
        if client.get(services.CLAIM_KEY) == left_by_dead:
            client.delete(services.CLAIM_KEY, "left-behind")


def test_a_redis_claim_of_a_live_process_is_never_taken_over(postgres):
    if not postgres.redis_url:
        pytest.skip("Redis is not reachable")
    mine = int(postgres.redis_url.rsplit("/", 1)[1])  # held by this (live) process
    assert not services.claim(mine)


def test_when_every_redis_database_is_held_by_a_live_process_set_up_waits_then_says_why(postgres, monkeypatch):
    monkeypatch.setattr(services, "_try_claim", lambda: None)
    with pytest.raises(RuntimeError, match="claimed by another test process"):
        services.redis_db_for("gwx", wait=1.5)
