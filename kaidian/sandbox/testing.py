"""Helpers for tests: run the sandbox (or any WSGI app) on a loopback port, and receive its pushes.

    base_url, stop = run_sandbox_in_thread({"SANDBOX_STATE_PATH": str(tmp_path / "s.json"),
                                            "PLATFORM_EVENT_URL": platform_url + "/wechat/component/events"})
    try: ...  # point the platform's WeChat base URLs at base_url
    finally: stop()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from kaidian.sandbox.app import create_sandbox_app
from kaidian.wechat.crypto import MessageCrypto, WeChatCryptoError


def run_wsgi_in_thread(app, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` from a daemon thread; return its base URL and a ``stop()`` that waits for it."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"wsgi-{server.server_port}", daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return f"http://{host}:{server.server_port}", stop


@dataclass
class SandboxServer:
    base_url: str
    app: Flask
    stop: Callable[[], None]


def start_sandbox(config: dict | None = None) -> SandboxServer:
    """The sandbox on a free loopback port, PUBLIC_BASE set to it, no ticket thread unless asked."""
    holder: dict[str, Flask] = {}

    def dispatch(environ, start_response):
        return holder["app"](environ, start_response)

    base_url, stop = run_wsgi_in_thread(dispatch)
    holder["app"] = create_sandbox_app({"PUBLIC_BASE": base_url, "TICKET_PUSH_INTERVAL": 0, "DEMO_ACCOUNTS": 0,
                                         **(config or {})})
    return SandboxServer(base_url, holder["app"], stop)


def run_sandbox_in_thread(config: dict | None = None) -> tuple[str, Callable[[], None]]:
    server = start_sandbox(config)
    return server.base_url, server.stop


@dataclass
class PushReceiver:
    """A stand-in for the platform's callback URLs: opens each push with MessageCrypto and records it.

    ``reply`` is what it answers (WeChat wants the literal ``success``); each record has ``path``,
    ``query``, ``body`` and either ``message`` (the decrypted inner dict) or ``error``.
    """

    crypto: MessageCrypto
    reply: str = "success"
    base_url: str = ""  # set by whoever serves it, for building the sandbox's PLATFORM_* URLs
    records: list[dict] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ, start_response):
        request = Request(environ)
        record = {"path": request.path, "query": request.args.to_dict(), "body": request.get_data()}
        try:
            record["message"] = self.crypto.open_push(
                record["body"], timestamp=request.args.get("timestamp", ""),
                nonce=request.args.get("nonce", ""), msg_signature=request.args.get("msg_signature", ""),
            )
        except WeChatCryptoError as exc:
            record["error"] = exc
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()
        return Response(self.reply, mimetype="text/plain")(environ, start_response)

    def messages(self, **match: str) -> list[dict]:
        """Decrypted messages whose fields equal ``match`` (e.g. ``InfoType="authorized"``)."""
        found = [r["message"] for r in self.records if "message" in r]
        return [m for m in found if all(m.get(k) == v for k, v in match.items())]

    def wait_for(self, timeout: float = 5, **match: str) -> dict:
        """The first message matching ``match``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.messages(**match):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no push matching {match}")
                self._changed.wait(remaining)
            return self.messages(**match)[0]
