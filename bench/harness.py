"""Shared benchmark plumbing: a scratch database, gunicorn with the production config, wrk.

Load goes only to 127.0.0.1, for a fixed duration, and stops by itself.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


APP_ROLE = os.environ.get("BENCH_APP_ROLE", "kaidian_app")
SETUP_LOCK = 0x6B616964  # the same advisory lock as the test suite's set-up (tests/services.py)


@dataclass
class Scratch:
    """A scratch database: the app connects as ``app_url`` (a non-superuser role that row-level
    security applies to, as in production), migrations and bulk seeding as ``owner_url``."""

    owner_url: str
    app_url: str
    env: dict  # DATABASE_URL, MIGRATION_DATABASE_URL, DB_APP_ROLE for the app, migrations and gunicorn


@contextmanager
def scratch_database():
    """A fresh PostgreSQL database (dropped afterwards), or SQLite when PostgreSQL is absent."""
    name = f"kaidian_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            _ensure_role(conn, APP_ROLE)
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        folder = tempfile.mkdtemp()
        url = f"sqlite:///{folder}/bench.db"
        yield Scratch(url, url, {"DATABASE_URL": url})
        shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        owner_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        user = owner_url.split("://", 1)[1].split("@", 1)[0]
        app_url = owner_url.replace(f"{user}@", f"{APP_ROLE}@", 1)
        yield Scratch(owner_url, app_url, {"DATABASE_URL": app_url, "MIGRATION_DATABASE_URL": owner_url,
                                           "DB_APP_ROLE": APP_ROLE})
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ensure_role(conn, role: str) -> None:
    """The application role (no superuser, no BYPASSRLS), created once even by concurrent runs."""
    conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
    try:
        conn.execute(sql.SQL("DO $$ BEGIN CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN "
                             "duplicate_object OR unique_violation THEN NULL; END $$").format(sql.Identifier(role)))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


def check_rls_applies(scratch: Scratch) -> str:
    """Refuse to measure as a role that row-level security does not apply to; describe the role."""
    if not scratch.app_url.startswith("postgresql"):
        return "SQLite (no row-level security)"
    with psycopg.connect(scratch.app_url) as conn:
        role, superuser, bypass = conn.execute(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
    if superuser or bypass:
        raise RuntimeError(f"the benchmark would run as {role}, which row-level security does not apply to")
    return f"PostgreSQL as {role} (row-level security on)"


def require_wrk() -> None:
    """The load generator is a second process: say what to install instead of a FileNotFoundError."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench: `wrk` is not installed — run `apt-get install -y wrk` (as .ci/run does) and retry")


class Server(str):
    """The server's base URL, with the pid of gunicorn's master (its workers are its children)."""

    pid: int


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes so far (Linux ``/proc``; a process gone counts 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (gunicorn's master and workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]


@contextmanager
def gunicorn(env: dict, workers: int = 2, port: int | None = None):
    port = port or free_port()
    full_env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
                "LOG_JSON": "0"}
    log_path = os.environ.get("BENCH_SERVER_LOG")  # the server's log (errors with tracebacks) kept there
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=full_env, stdout=log, stderr=log)
    try:
        _wait_up(f"http://127.0.0.1:{port}/healthz")
        server = Server(f"http://127.0.0.1:{port}")
        server.pid = process.pid
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # still busy (a loaded machine): stop it the hard way
            process.kill()
            process.wait(timeout=20)
        if log_path:
            log.close()


def _wait_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def wrk(url: str, host: str | None = None, seconds: int = 5, connections: int = 16,
        headers: dict[str, str] | None = None) -> Load:
    """Run wrk (a second process) against ``url`` on loopback for a fixed time."""
    require_wrk()
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in (({"Host": host} if host else {}) | (headers or {})).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    return Load(float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), _percentile(out, "50%"), _percentile(out, "99%"))


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def migrate(env: dict) -> None:
    """``flask db upgrade`` as the owner (MIGRATION_DATABASE_URL), granting DB_APP_ROLE its rights."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env, "LOG_JSON": "0"}, check=True, capture_output=True)
