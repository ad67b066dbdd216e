"""What Kaidian does with a push once it is verified and decrypted.

Component pushes (``InfoType``) have one handler each in ``COMPONENT_HANDLERS``. Messages to an
authorizer (``Event``, or ``MsgType`` for plain messages) go to the handlers other packages register
with ``register_event_handler`` (the mini-program audit events, for instance); each runs under the
authorizer's store as the current tenant. Every handler must be idempotent: WeChat retries, and a
replayed push must change nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from kaidian.platform.tenancy import tenant_context

from . import authorization, tokens
from .models import Authorizer
from .replies import TextReply

log = logging.getLogger(__name__)

AuthorizerHandler = Callable[[Authorizer, dict], "TextReply | None"]

EVENT_HANDLERS: dict[str, list[AuthorizerHandler]] = {}


def register_event_handler(event_name: str, func: AuthorizerHandler) -> None:
    """Call ``func(authorizer, message)`` for each authorizer push whose Event (or MsgType) is ``event_name``;
    it may return a :class:`~.replies.TextReply` to answer the fan passively."""
    handlers = EVENT_HANDLERS.setdefault(event_name, [])
    if func not in handlers:
        handlers.append(func)


def on_ticket(message: dict) -> None:
    ticket = message.get("ComponentVerifyTicket", "")
    if not ticket:
        return
    if not tokens.save_ticket(ticket, _create_time(message)):
        log.info("an older component_verify_ticket push was ignored")


def _create_time(message: dict) -> int:
    try:
        return int(message["CreateTime"])
    except (KeyError, ValueError):
        return int(datetime.now(UTC).timestamp())


COMPONENT_HANDLERS: dict[str, Callable[[dict], None]] = {
    "component_verify_ticket": on_ticket,
    "authorized": authorization.on_authorized,
    "updateauthorized": authorization.on_authorized,
    "unauthorized": authorization.on_unauthorized,
}


def dispatch_component(message: dict) -> None:
    handler = COMPONENT_HANDLERS.get(message.get("InfoType", ""))
    if handler is None:
        log.info("component push %r has no handler", message.get("InfoType"))
        return
    handler(message)


def dispatch_authorizer(authorizer: Authorizer, message: dict) -> TextReply | None:
    """Run every handler of the message; the first passive reply a handler returns is answered."""
    name = message.get("Event") or message.get("MsgType") or ""
    reply = None
    with tenant_context(authorizer.tenant_id):
        for handler in EVENT_HANDLERS.get(name, []):
            reply = reply or handler(authorizer, message)
    return reply
