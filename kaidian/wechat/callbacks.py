"""The URLs WeChat pushes to (on the platform host): the authorization event URL and the authorizer
message URL (configured at WeChat as ``…/wechat/authorizers/$APPID$/events``).

Each push is checked before anything is done with it, and a refused push changes nothing:

* a body over ``WECHAT_MAX_PUSH_BYTES`` (by Content-Length, then by what is actually read) → 413;
* no signature parameters, or ``msg_signature`` not matching → 403;
* malformed XML, a DTD, entities or external references (parsed by :mod:`.xmlmsg`, all refused), a
  message that does not decrypt, or one sealed for / addressed to another appid → 400;
* a ``timestamp`` more than ``PUSH_WINDOW_SECONDS`` (5 minutes) from now, either way → 403.

Replays: WeChat stamps each push with its current time and a random nonce, both covered by the
signature. Five minutes is far wider than WeChat's own retries (three, about 5 s apart) plus the clock
skew of two NTP-synchronised servers, and short enough that a captured push is worthless soon after.
Within the window each push is remembered by its timestamp and nonce (Redis ``SET NX`` with the
window as TTL, or the in-process cache without Redis): a second copy is answered ``success`` and not
handled again — what WeChat expects for a retry. A push whose handling failed is forgotten again, so
WeChat's retry of it is handled. Handlers stay idempotent regardless.

Accepted pushes are answered with the literal ``success``, or — for a message to an authorizer that a
handler answers — with an encrypted passive reply (:mod:`.replies`). Messages from WeChat's
full-release test accounts are answered by :mod:`.release`, whatever store holds what.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, abort, current_app, request

from kaidian.platform.cache import get_cache

from . import authorizers, events, release
from .crypto import MessageCrypto, PayloadTooLarge, SignatureError, WeChatCryptoError
from .errors import WeChatError
from .replies import TextReply

log = logging.getLogger(__name__)

bp = Blueprint("wechat_events", __name__, url_prefix="/wechat")

SIGNATURE_ARGS = ("timestamp", "nonce", "msg_signature")
PUSH_WINDOW_SECONDS = 300  # why five minutes: see the module docstring


def _crypto() -> MessageCrypto:
    config = current_app.config
    keys = [key for key in (config["WECHAT_COMPONENT_AES_KEY"], config["WECHAT_COMPONENT_AES_KEY_PREVIOUS"]) if key]
    return MessageCrypto(config["WECHAT_COMPONENT_TOKEN"], keys, config["WECHAT_COMPONENT_APPID"],
                         max_body_bytes=config["WECHAT_MAX_PUSH_BYTES"])


def _read_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        abort(413)
    return body


def open_push() -> dict[str, str]:
    """The decrypted inner message of this request, or abort with 413 / 403 / 400."""
    body = _read_body(current_app.config["WECHAT_MAX_PUSH_BYTES"])
    if not all(request.args.get(name) for name in SIGNATURE_ARGS):
        abort(403)
    if not is_fresh(request.args["timestamp"]):
        log.info("push refused: timestamp %.20s outside the window", request.args["timestamp"])
        abort(403)
    try:
        return _crypto().open_push(body, timestamp=request.args["timestamp"], nonce=request.args["nonce"],
                                   msg_signature=request.args["msg_signature"])
    except PayloadTooLarge:
        abort(413)
    except SignatureError:
        abort(403)
    except WeChatCryptoError as error:  # malformed or unsafe XML, undecryptable, sealed for another appid
        log.info("push refused: %s", error)
        abort(400)


def is_fresh(timestamp: str, now: float | None = None) -> bool:
    """Is the push's ``timestamp`` (seconds since the epoch) within the window around now?"""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    now = time.time() if now is None else now
    return abs(int(timestamp) - now) <= PUSH_WINDOW_SECONDS


def _seen_key() -> str:
    return f"wechat:push:{request.args['timestamp']}:{request.args['nonce'][:64]}"


def first_sight() -> bool:
    """Remember this (already verified) push for the window; False when it was seen before."""
    return get_cache().add(_seen_key(), "1", ttl=2 * PUSH_WINDOW_SECONDS)


def _handle(dispatch, *args, replying_to: dict | None = None) -> Response:
    """Dispatch a verified push once: a copy within the window is answered ``success`` unhandled.
    With ``replying_to`` (a message to an authorizer), a passive reply the handlers return is sent."""
    if not first_sight():
        log.info("push replayed within the window: answered, not handled again")
        return _success()
    try:
        reply = dispatch(*args)
    except WeChatError as error:
        get_cache().delete(_seen_key())  # let WeChat's retry be handled
        return _retry_later(error)
    except BaseException:
        get_cache().delete(_seen_key())
        raise
    return _success() if replying_to is None or reply is None else _reply(replying_to, reply)


def _release_answer(message: dict) -> Response:
    """A full-release test account's message: its reply, or an empty answer (none is expected)."""
    if not first_sight():
        return _success()
    return _reply(message, release.answer(message))


def _success() -> Response:
    return Response("success", mimetype="text/plain")


def _reply(message: dict, reply: TextReply | None) -> Response:
    """The passive reply, sealed with the component's key; an empty body when there is none."""
    if reply is None:
        return Response("", mimetype="text/plain")
    return Response(_crypto().sealed_xml(reply.to_xml(message)), mimetype="application/xml")


def _retry_later(error: WeChatError) -> Response:
    """WeChat retries a push that is not answered ``success``: right for a transient failure."""
    log.warning("push handling failed, WeChat will retry: %s", error)
    return Response("retry", status=503, mimetype="text/plain")


@bp.post("/component/events")
def component_events():
    message = open_push()
    if message.get("AppId") != current_app.config["WECHAT_COMPONENT_APPID"]:
        abort(400)
    return _handle(events.dispatch_component, message)


@bp.post("/authorizers/<appid>/events")
def authorizer_events(appid: str):
    message = open_push()
    if release.is_test_account(appid):
        if not release.addressed_to(appid, message):
            abort(400)
        return _release_answer(message)
    authorizer = authorizers.find_by_appid(appid)
    if authorizer is None:  # genuine, but for an account no store holds any more
        return _success()
    if message.get("ToUserName") != authorizer.user_name:
        abort(400)
    return _handle(events.dispatch_authorizer, authorizer, message, replying_to=message)
