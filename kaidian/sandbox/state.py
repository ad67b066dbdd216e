"""The sandbox's durable state: one JSON document, guarded by a thread lock and a file lock.

Every change happens inside :meth:`SandboxState.transaction`; an exception inside it discards the change
(nothing half-done reaches the file). The document is re-read when another process or app instance wrote
it, so two sandbox instances on the same path, or a restarted one, see the same tickets, tokens and
authorizations.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kaidian.sandbox.accounts import seed_accounts, seed_shoppers

try:  # POSIX; elsewhere the thread lock alone guards one process.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

MAX_CALLS = 1000
MAX_PUSHES = 200
MAX_CUSTOM_MESSAGES = 200
MAX_TEMPLATE_MESSAGES = 500
STATE_VERSION = 1


def now() -> float:
    return time.time()


def new_secret(prefix: str = "", size: int = 32) -> str:
    """A random opaque token in WeChat's style (``prefix@@@…`` for codes and tickets)."""
    return prefix + secrets.token_urlsafe(size).replace("-", "").replace("_", "")


def fresh_state() -> dict:
    return {
        "version": STATE_VERSION,
        "tickets": [],
        "ticket_issued_at": {},
        "component_tokens": {},
        "pre_auth_codes": {},
        "auth_codes": {},
        "authorizers": {},
        "accounts": seed_accounts(),
        "shoppers": seed_shoppers(),
        "oauth_codes": {},
        "sns_tokens": {},
        "menus": {},
        "faults": {},
        "call_counts": {},
        "calls": [],
        "pushes": [],
        "custom_messages": [],
        "sms": [],
        "templates": {},
        "template_messages": [],
        "template_msgid_seq": 200163840,
        "express": {},
        "web_auth_domains": {},
        "pay": fresh_pay_state(),
        "alipay": {"key": None, "apps": {}, "trades": {}, "auth_codes": {}, "auth_tokens": {}},
    }


def fresh_pay_state() -> dict:
    """WeChat Pay's side: its signing key (made on first use), merchants, transactions, refunds and the
    log of notifications sent (see ``kaidian/sandbox/pay.py``)."""
    return {"key": None, "merchants": {}, "transactions": {}, "refunds": {}, "notifications": []}


def _upgraded(data: dict) -> dict:
    """A document written by an older sandbox gains the keys added since (its contents are kept)."""
    for key, value in fresh_state().items():
        data.setdefault(key, value)
    for appid, account in seed_accounts().items():
        data["accounts"].setdefault(appid, account)
    return data


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SandboxState:
    """Thread-safe, persisted sandbox state (see module docstring)."""

    def __init__(self, path: str | os.PathLike, seed=None) -> None:
        """``seed(data)`` adds what must always be there (the demo stores' accounts); it keeps what exists."""
        self.path = Path(path)
        self._seed = seed
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = threading.RLock()
        self._data: dict | None = None
        self._stamp: tuple[int, int] | None = None

    @contextmanager
    def transaction(self) -> Iterator[dict]:
        """Yield the live document; it is saved on success and discarded on an exception."""
        with self._lock, _file_lock(self._lock_path):
            data = self._load()
            try:
                yield data
            except BaseException:
                self._data = None
                raise
            self._save(data)

    def read(self) -> dict:
        """A deep copy of the current document (a JSON round trip: the document is JSON, and this is several
        times faster than ``copy.deepcopy`` once it holds hundreds of accounts)."""
        with self._lock, _file_lock(self._lock_path):
            return json.loads(json.dumps(self._load(), ensure_ascii=False))

    def reset(self) -> None:
        with self.transaction() as data:
            pay_key = data.get("pay", {}).get("key")  # the providers' key pairs outlive a reset, like theirs
            alipay_key = data.get("alipay", {}).get("key")
            data.clear()
            data.update(self._seeded(fresh_state()))
            data["pay"]["key"], data["alipay"]["key"] = pay_key, alipay_key

    def record_push(self, entry: dict) -> None:
        with self.transaction() as data:
            data["pushes"].append(entry)
            del data["pushes"][:-MAX_PUSHES]

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _load(self) -> dict:
        stamp = self._stat()
        if stamp is None:
            if self._data is None:
                self._data = self._seeded(fresh_state())
            return self._data
        if self._data is None or stamp != self._stamp:
            self._data = self._seeded(_upgraded(json.loads(self.path.read_text("utf-8"))))
            self._stamp = stamp
        return self._data

    def _seeded(self, data: dict) -> dict:
        if self._seed is not None:
            self._seed(data)
        return data

    def _save(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # one-shot and compact: json.dumps then uses the C encoder (json.dump never does), which keeps a
            # save of a state holding a thousand mini programs in milliseconds
            handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        os.replace(tmp, self.path)
        self._data = data
        self._stamp = self._stat()
