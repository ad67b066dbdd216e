"""Redis when ``REDIS_URL`` is set, an in-process stand-in otherwise.

Caches, locks and counters all go through ``get_cache()`` so that the embedded default (no Redis)
works in one process and production shares state across processes.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import redis
from flask import current_app


def get_redis() -> redis.Redis | None:
    """The app's Redis client, or None in the embedded default."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return None
    client = app.extensions.get("kaidian_redis")
    if client is None:
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=3)
        app.extensions["kaidian_redis"] = client
    return client


class RedisCache:
    def __init__(self, client: redis.Redis, prefix: str = "kd:"):
        self.client, self.prefix = client, prefix

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return value.decode() if value is not None else None

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self.client.set(self.prefix + key, value, ex=ttl)

    def add(self, key: str, value: str, ttl: int) -> bool:
        """Set ``key`` only if it is absent (atomic across processes); True when this call set it."""
        return bool(self.client.set(self.prefix + key, value, ex=ttl, nx=True))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def ttl(self, key: str) -> int:
        return max(int(self.client.ttl(self.prefix + key)), -1)

    @contextmanager
    def lock(self, name: str, timeout: int = 30, wait: float = 10):
        lock = self.client.lock(self.prefix + "lock:" + name, timeout=timeout, blocking_timeout=wait)
        if not lock.acquire():
            raise TimeoutError(f"lock {name} busy")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                pass


class MemoryCache:
    """One process's cache: good enough for development, never for several workers."""

    def __init__(self):
        self._data: dict[str, tuple[str, float | None]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> str | None:
        value, expires = self._data.get(key, (None, None))
        if expires is not None and expires < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._data[key] = (value, time.monotonic() + ttl if ttl else None)

    def add(self, key: str, value: str, ttl: int) -> bool:
        """Set ``key`` only if it is absent (or expired); True when this call set it."""
        with self._guard:
            if self.get(key) is not None:
                return False
            self._purge_expired()
            self.set(key, value, ttl)
            return True

    def _purge_expired(self) -> None:
        """Entries written with ``add`` come from outside (nonces): drop the expired ones now and
        then, so a stream of them cannot grow the process without bound."""
        if len(self._data) % 1024 == 0:
            now = time.monotonic()
            for key, (_, expires) in list(self._data.items()):
                if expires is not None and expires < now:
                    self._data.pop(key, None)

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def ttl(self, key: str) -> int:
        value, expires = self._data.get(key, (None, None))
        if value is None:
            return -2
        return -1 if expires is None else int(expires - time.monotonic())

    @contextmanager
    def lock(self, name: str, timeout: int = 30, wait: float = 10):
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=wait):
            raise TimeoutError(f"lock {name} busy")
        try:
            yield
        finally:
            lock.release()


def get_cache() -> RedisCache | MemoryCache:
    app = current_app._get_current_object()
    cache = app.extensions.get("kaidian_cache")
    if cache is None:
        client = get_redis()
        cache = RedisCache(client) if client is not None else MemoryCache()
        app.extensions["kaidian_cache"] = cache
    return cache
