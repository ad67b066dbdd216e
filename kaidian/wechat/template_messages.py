"""Template messages from a store's official account to its shoppers (订单支付成功, 发货提醒, 退款通知).

* **Kinds** (``KINDS``, a registry): each names the library template (``short_id`` and the keywords
  picked) Kaidian adds to a store's account. The first message of a kind adds it
  (``api_add_template``, authorizer token) under a per-account lock and records the ``template_id``
  (``AccountTemplate``), so each store's account gets each template once — WeChat hands out a new id
  (and uses one of 25 slots) on every call.
* **Sending**: :func:`send_template_message` records a ``TemplateMessage`` (queued) and enqueues
  :func:`kaidian.wechat.tasks.deliver_template_message` after the commit; it never calls WeChat in the
  caller's transaction, so a failure never touches what triggered it (an order). A repeated request
  (same ``dedupe_key``) is the same message.
* **Delivery** (:func:`deliver`): sends with the authorizer's access token. What WeChat answers decides
  what happens next (``PERMANENT`` / ``TRANSIENT``): -1, 45011, a network failure or an expired token are
  retried by RQ (``SEND_RETRY``, up to ``MAX_ATTEMPTS``); 43004 (the shopper does not follow the
  account), 40003, 48001, 61003 fail the message at once; 45009 (the account's daily quota) fails it
  without retry — retrying blindly would only burn tomorrow's quota (the operator is alerted by the
  client); 40037 (the merchant deleted the template) forgets the stored id so the retry adds it again.
* **Delivery reports**: ``TEMPLATESENDJOBFINISH`` (``on_send_job_finish``) moves a sent message to
  delivered / user_blocked / failed by (account, ``msgid``, openid); an unknown msgid changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from rq import Retry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.platform import jobs
from kaidian.platform.cache import get_cache
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import current_tenant_id, tenant_context
from kaidian.platform.unit import unit

from . import tokens
from .errors import (
    Busy,
    DailyQuotaExceeded,
    InvalidOpenid,
    MinuteQuotaExceeded,
    NotAuthorized,
    NotGranted,
    TemplateGone,
    TemplateLimit,
    TokenExpired,
    UserNotFollowing,
    WeChatError,
    WeChatUnavailable,
)
from .models import Authorizer, AuthorizerKind, AuthorizerStatus
from .template_models import AccountTemplate, MessageStatus, TemplateMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SEND_RETRY_INTERVALS = [30, 120, 600, 1800]  # seconds between RQ's retries of a transient failure
MAX_VALUE_CHARS = 200  # WeChat's limit per data value (classic templates)
TRANSIENT: tuple[type[WeChatError], ...] = (Busy, MinuteQuotaExceeded, WeChatUnavailable, TokenExpired, TemplateGone)
PERMANENT: tuple[type[WeChatError], ...] = (UserNotFollowing, InvalidOpenid, NotGranted, NotAuthorized,
                                            DailyQuotaExceeded, TemplateLimit)


@dataclass(frozen=True)
class TemplateKind:
    short_id: str  # the library template (模板库编号)
    keywords: tuple[str, ...]  # keyword_name_list given to api_add_template


KINDS: dict[str, TemplateKind] = {
    "paid": TemplateKind("TM00015", ("订单编号", "商品名称", "支付金额")),
    "shipped": TemplateKind("OPENTM200565259", ("订单编号", "快递公司", "快递单号")),
    "refund": TemplateKind("TM00004", ("订单编号", "退款金额")),
}


def register_kind(name: str, kind: TemplateKind) -> None:
    KINDS.setdefault(name, kind)


class RetryLater(Exception):
    """The send failed for a reason that clears (raised so RQ runs the job again)."""


def send_retry() -> Retry:
    return Retry(max=MAX_ATTEMPTS - 1, interval=SEND_RETRY_INTERVALS)


# --- recording a message ---------------------------------------------------------------------------


def _payload(data: dict, url: str) -> dict:
    values = {}
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else item
        values[str(key)] = {"value": str(value)[:MAX_VALUE_CHARS]}
    return {"data": values, "url": url or ""}


def _account_for(appid: str | None) -> Authorizer | None:
    query = select(Authorizer).where(Authorizer.kind == AuthorizerKind.OFFICIAL_ACCOUNT,
                                     Authorizer.status == AuthorizerStatus.AUTHORIZED)
    if appid:
        query = query.where(Authorizer.appid == appid)
    return db.session.execute(query.order_by(Authorizer.authorized_at.desc())).scalars().first()


def send_template_message(tenant_id: uuid.UUID, openid: str, kind: str, data: dict, url: str = "", *,
                          appid: str | None = None, reference: str = "", dedupe_key: str | None = None) -> uuid.UUID:
    """Record a message of ``kind`` to ``openid`` (of account ``appid``, default the store's official
    account) and send it after the commit; the message's id. A unit of work. Idempotent per ``dedupe_key``
    (default ``kind:reference``, or a fresh one without a reference)."""
    if kind not in KINDS:
        raise ValueError(f"unknown template message kind {kind!r}")
    key = dedupe_key or (f"{kind}:{reference}" if reference else f"{kind}:{uuid.uuid4()}")
    with tenant_context(tenant_id), unit():
        existing = _by_dedupe_key(key)
        if existing is not None:
            return existing.id
        account = _account_for(appid)
        row = TemplateMessage(kind=kind, openid=openid, reference=reference[:64], dedupe_key=key[:160],
                              appid=account.appid if account else (appid or ""), payload=_payload(data, url))
        if account is None:
            row.status, row.errmsg = MessageStatus.FAILED, "no bound official account"
        try:
            with unit(savepoint=True):
                db.session.add(row)
                db.session.flush()
                if account is not None:
                    from .tasks import deliver_template_message

                    jobs.enqueue(deliver_template_message, tenant_id, row.id, queue="default", retry=send_retry(),
                                 job_id=f"wechat-template-message-{row.id}")
        except IntegrityError:  # the same request recorded meanwhile
            return _by_dedupe_key(key).id
        return row.id


def _by_dedupe_key(key: str) -> TemplateMessage | None:
    return db.session.execute(select(TemplateMessage).where(TemplateMessage.dedupe_key == key)).scalar_one_or_none()


# --- templates of an account -------------------------------------------------------------------------


def _stored_template(appid: str, kind: str) -> AccountTemplate | None:
    return db.session.execute(select(AccountTemplate).where(AccountTemplate.appid == appid,
                                                            AccountTemplate.kind == kind)).scalar_one_or_none()


def template_id_for(authorizer: Authorizer, kind: str) -> str:
    """The account's template id for ``kind``, adding the library template first if it has none (once:
    one adder per account and kind across processes)."""
    stored = _stored_template(authorizer.appid, kind)
    if stored is not None:
        return stored.template_id
    with get_cache().lock(f"wechat:template:{authorizer.appid}:{kind}", timeout=60, wait=30):
        db.session.expire_all()
        stored = _stored_template(authorizer.appid, kind)
        if stored is not None:
            return stored.template_id
        spec = KINDS[kind]
        body = {"template_id_short": spec.short_id, "keyword_name_list": list(spec.keywords)}
        answer = tokens.client().authorizer_call(tokens.authorizer_token_getter(authorizer), "POST",
                                                 "/cgi-bin/template/api_add_template", body=body,
                                                 appid=authorizer.appid)
        db.session.add(AccountTemplate(appid=authorizer.appid, kind=kind, short_id=spec.short_id,
                                       template_id=answer["template_id"]))
        db.session.commit()
        return answer["template_id"]


def add_templates(authorizer: Authorizer) -> dict[str, str]:
    """Every kind's template id for ``authorizer`` (added where missing)."""
    return {kind: template_id_for(authorizer, kind) for kind in KINDS}


def forget_template(appid: str, kind: str) -> None:
    stored = _stored_template(appid, kind)
    if stored is not None:
        db.session.delete(stored)
        db.session.commit()


# --- delivering ----------------------------------------------------------------------------------------


def deliver(message_id: uuid.UUID) -> MessageStatus | None:
    """Send the queued message ``message_id`` of the current store (see the module docstring for what each
    answer does); its status. Raises :class:`RetryLater` when the job should run again."""
    row = db.session.get(TemplateMessage, _key(message_id))
    if row is None or row.status != MessageStatus.QUEUED:
        return row.status if row else None
    account = _account_for(row.appid)
    if account is None:
        return _fail(row, NotAuthorized(61003, "the official account is no longer bound", "template_send"))
    try:
        _send(account, row)
    except PERMANENT as error:
        return _fail(row, error)
    except TRANSIENT as error:
        if isinstance(error, TemplateGone):
            forget_template(account.appid, row.kind)
        return _attempt_failed(row, error)
    except WeChatError as error:  # an errcode Kaidian does not know: recorded, not retried blindly
        return _fail(row, error)
    return row.status


def _key(message_id: uuid.UUID) -> tuple:
    return (current_tenant_id(), message_id)


def _send(account: Authorizer, row: TemplateMessage) -> None:
    row.attempts += 1
    body = {"touser": row.openid, "template_id": template_id_for(account, row.kind), "data": row.payload["data"]}
    if row.payload.get("url"):
        body["url"] = row.payload["url"]
    answer = tokens.client().authorizer_call(tokens.authorizer_token_getter(account), "POST",
                                             "/cgi-bin/message/template/send", body=body, appid=account.appid)
    row.status, row.msgid, row.sent_at = MessageStatus.SENT, int(answer["msgid"]), utcnow()
    row.errcode, row.errmsg = 0, ""
    db.session.commit()


def _record_error(row: TemplateMessage, error: WeChatError) -> None:
    row.errcode, row.errmsg = error.errcode, (error.errmsg or error.__class__.__name__)[:200]


def _fail(row: TemplateMessage, error: WeChatError) -> MessageStatus:
    log.info("template message %s failed for good: %s", row.id, error)
    _record_error(row, error)
    row.status = MessageStatus.FAILED
    db.session.commit()
    return row.status


def _attempt_failed(row: TemplateMessage, error: WeChatError) -> MessageStatus:
    _record_error(row, error)
    if row.attempts >= MAX_ATTEMPTS:
        row.status = MessageStatus.FAILED
        db.session.commit()
        return row.status
    db.session.commit()
    raise RetryLater(f"template message {row.id}: {error}") from error


# --- delivery reports (TEMPLATESENDJOBFINISH) ---------------------------------------------------------

FINISH_STATUSES: dict[str, MessageStatus] = {
    "success": MessageStatus.DELIVERED,
    "failed:user block": MessageStatus.USER_BLOCKED,
    "failed: system failed": MessageStatus.FAILED,
}


def on_send_job_finish(authorizer: Authorizer, message: dict) -> None:
    """A delivery report for one of this account's messages (runs with the account's store current)."""
    try:
        msgid = int(message.get("MsgID", ""))
    except ValueError:
        return None
    row = db.session.execute(select(TemplateMessage).where(
        TemplateMessage.appid == authorizer.appid, TemplateMessage.msgid == msgid,
        TemplateMessage.openid == message.get("FromUserName", ""))).scalar_one_or_none()
    said = " ".join(str(message.get("Status", "")).split()).replace("failed: user", "failed:user")
    status = FINISH_STATUSES.get(said)
    if row is None or status is None or row.status != MessageStatus.SENT:
        log.info("TEMPLATESENDJOBFINISH for msgid %s ignored (unknown, or already reported)", msgid)
        return None
    row.status, row.finished_at = status, utcnow()
    if status == MessageStatus.FAILED:
        row.errmsg = str(message.get("Status"))[:200]
    db.session.commit()
    return None


def messages_for(openid: str) -> list[TemplateMessage]:
    """The current store's messages to ``openid``, newest first."""
    query = select(TemplateMessage).where(TemplateMessage.openid == openid).order_by(TemplateMessage.created_at.desc())
    return list(db.session.execute(query).scalars())


__all__ = ["KINDS", "RetryLater", "TemplateKind", "add_templates", "deliver", "on_send_job_finish",
           "send_template_message", "template_id_for"]
