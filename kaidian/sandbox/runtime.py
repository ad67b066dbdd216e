"""The sandbox's per-app objects, reachable from a request as ``current_sandbox()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from kaidian.sandbox.state import SandboxState

if TYPE_CHECKING:
    from kaidian.sandbox.pusher import Pusher

EXTENSION = "kaidian_sandbox"


@dataclass
class Sandbox:
    config: dict
    state: SandboxState
    pusher: Pusher
    pay_notifier: object = None  # kaidian.sandbox.pay_notify.PayNotifier


def current_sandbox() -> Sandbox:
    return current_app.extensions[EXTENSION]
