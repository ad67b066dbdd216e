"""The first ticket after ``make run`` reaches the platform even though the sandbox started first: an
undelivered ticket push is retried with backoff until the platform answers ``success``."""

import socket
import time

import pytest
from sandbox_helpers import sandbox_config

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher
from kaidian.sandbox.config import load_config
from kaidian.sandbox.pusher import TicketPusher, retry_delays
from kaidian.sandbox.testing import run_wsgi_in_thread


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_ticket_pushed_before_the_platform_listens_arrives_once_it_does(state_path, receiver):
    port = _free_port()  # nothing listens here yet: the app is still starting
    config = {**sandbox_config(state_path, f"http://127.0.0.1:{port}"), "TICKET_PUSH_INTERVAL": 3600,
              "TICKET_RETRY_DELAYS": "0.05,0.1"}
    app = create_sandbox_app(config)
    pusher = start_ticket_pusher(app)
    stop_platform = None
    try:
        _until(lambda: pusher.attempts >= 3)
        pushes = app.extensions["kaidian_sandbox"].state.read()["pushes"]
        assert pushes and all(p["error"] and not p["answered_success"] for p in pushes)
        assert pusher.delivered == 0
        _, stop_platform = run_wsgi_in_thread(receiver, port=port)  # the app now listens
        message = receiver.wait_for(InfoType="component_verify_ticket")
        _until(lambda: pusher.delivered == 1)
        tickets = app.extensions["kaidian_sandbox"].state.read()["tickets"]
        assert tickets == [message["ComponentVerifyTicket"]]  # the same ticket, sent again
        attempts = pusher.attempts
    finally:
        pusher.stop()
        if stop_platform:
            stop_platform()
    assert pusher.attempts == attempts  # delivered: no more pushes until the next interval
    assert len(receiver.messages(InfoType="component_verify_ticket")) == 1


class _Platform:
    """Answers each push from a script of replies (False: not delivered)."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = []

    def __call__(self, label):
        self.calls.append(label)
        ok = self.replies.pop(0) if self.replies else True
        if ok is None:
            raise ConnectionError("refused")
        return {"answered_success": ok}


@pytest.mark.parametrize(("replies", "calls"), [
    ([True], ["issue"]),
    ([False, True], ["issue", "resend"]),
    ([None, False, None, True], ["issue", "resend", "resend", "resend"]),
], ids=["first-try", "one-retry", "errors-and-refusals"])
def test_retries_until_delivered_then_waits_for_the_interval(replies, calls):
    platform = _Platform(replies)
    pusher = TicketPusher(lambda: platform("issue"), lambda: platform("resend"), 3600, [0.01, 0.02])
    pusher.thread.start()
    try:
        _until(lambda: pusher.delivered == 1)
    finally:
        pusher.stop()
    assert platform.calls == calls


def test_retry_delays_parse_and_never_spin():
    assert retry_delays("5,10, 20") == [5.0, 10.0, 20.0]
    assert retry_delays("") == [60.0] and retry_delays("0") == [60.0]


def test_one_port_each_is_enough_for_the_sandbox():
    config = load_config(environ={"PORT": "5301", "SANDBOX_PORT": "5401"})
    assert config["PLATFORM_EVENT_URL"] == "http://127.0.0.1:5301/wechat/component/events"
    assert config["PLATFORM_MESSAGE_URL_TEMPLATE"] == "http://127.0.0.1:5301/wechat/authorizers/$APPID$/events"
    assert config["PUBLIC_BASE"] == "http://127.0.0.1:5401" and config["SANDBOX_PORT"] == 5401
    explicit = load_config(environ={"PORT": "5301", "PLATFORM_EVENT_URL": "https://x.example/e"})
    assert explicit["PLATFORM_EVENT_URL"] == "https://x.example/e"
    assert load_config(environ={})["PLATFORM_EVENT_URL"] == "http://127.0.0.1:5000/wechat/component/events"
