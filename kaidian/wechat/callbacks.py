"""The URLs WeChat pushes to (on the platform host): the authorization event URL and the authorizer
message URL (configured at WeChat as ``…/wechat/authorizers/$APPID$/events``).

Each push is checked before anything is done with it, and a refused push changes nothing:

* a body over ``WECHAT_MAX_PUSH_BYTES`` (by Content-Length, then by what is actually read) → 413;
* no signature parameters, or ``msg_signature`` not matching → 403;
* malformed XML, a DTD, entities or external references (parsed by :mod:`.xmlmsg`, all refused), a
  message that does not decrypt, or one sealed for / addressed to another appid → 400.

Accepted pushes are answered with the literal ``success``, or — for a message to an authorizer that a
handler answers — with an encrypted passive reply (:mod:`.replies`). Messages from WeChat's
full-release test accounts are answered by :mod:`.release`, whatever store holds what.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from . import authorizers, events, release
from .crypto import MessageCrypto, PayloadTooLarge, SignatureError, WeChatCryptoError
from .errors import WeChatError
from .replies import TextReply

log = logging.getLogger(__name__)

bp = Blueprint("wechat_events", __name__, url_prefix="/wechat")

SIGNATURE_ARGS = ("timestamp", "nonce", "msg_signature")


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
    try:
        events.dispatch_component(message)
    except WeChatError as error:
        return _retry_later(error)
    return _success()


@bp.post("/authorizers/<appid>/events")
def authorizer_events(appid: str):
    message = open_push()
    if release.is_test_account(appid):
        if not release.addressed_to(appid, message):
            abort(400)
        return _reply(message, release.answer(message))
    authorizer = authorizers.find_by_appid(appid)
    if authorizer is None:  # genuine, but for an account no store holds any more
        return _success()
    if message.get("ToUserName") != authorizer.user_name:
        abort(400)
    try:
        reply = events.dispatch_authorizer(authorizer, message)
    except WeChatError as error:
        return _retry_later(error)
    return _success() if reply is None else _reply(message, reply)
