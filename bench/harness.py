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

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def scratch_database():
    """A fresh PostgreSQL database (dropped afterwards), or SQLite when PostgreSQL is absent."""
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            name = f"kaidian_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error:
        folder = tempfile.mkdtemp()
        yield f"sqlite:///{folder}/bench.db"
        shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    port = free_port()
    full_env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
                "LOG_JSON": "0"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # still busy (a loaded machine): stop it the hard way
            process.kill()
            process.wait(timeout=20)


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


def wrk(url: str, host: str | None = None, seconds: int = 5, connections: int = 16) -> Load:
    """Run wrk (a second process) against ``url`` on loopback for a fixed time."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if host:
        command[1:1] = ["-H", f"Host: {host}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    return Load(float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), _percentile(out, "50%"), _percentile(out, "99%"))


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env, "LOG_JSON": "0"}, check=True, capture_output=True)
