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

Accepted pushes are answered with the literal ``success``.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, abort, current_app, request

from kaidian.platform.cache import get_cache

from . import authorizers, events
from .crypto import MessageCrypto, PayloadTooLarge, SignatureError, WeChatCryptoError
from .errors import WeChatError

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


def _handle(dispatch, *args) -> Response:
    """Dispatch a verified push once: a copy within the window is answered ``success`` unhandled."""
    if not first_sight():
        log.info("push replayed within the window: answered, not handled again")
        return _success()
    try:
        dispatch(*args)
    except WeChatError as error:
        get_cache().delete(_seen_key())  # let WeChat's retry be handled
        return _retry_later(error)
    except BaseException:
        get_cache().delete(_seen_key())
        raise
    return _success()


def _success() -> Response:
    return Response("success", mimetype="text/plain")


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
    authorizer = authorizers.find_by_appid(appid)
    if authorizer is None:  # genuine, but for an account no store holds any more
        return _success()
    if message.get("ToUserName") != authorizer.user_name:
        abort(400)
    return _handle(events.dispatch_authorizer, authorizer, message)
