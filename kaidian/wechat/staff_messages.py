"""The ``wechat`` notification channel: a template message from the store's own official account to the
merchant, registered into ``kaidian.notifications.channels`` (so notifications and billing send through
it without importing wechat).

Who the merchant is on WeChat: Kaidian keeps no binding of a staff member to an openid yet. The one
openid it can trust for the store's owner is that of the store's customer whose mobile number is the
store's contact phone — the number the SMS channel writes to, so the WeChat message reaches the same
person the SMS does. Without an authorized official account, or without such a customer, the channel
says ``skipped: …`` (a final outcome, not retried). The message is recorded and sent by
``template_messages`` (its own job and retries); recording it counts as this channel's success.
"""

from __future__ import annotations

from sqlalchemy import select

from kaidian.customers.models import Customer
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow

from . import template_messages
from .models import Authorizer, AuthorizerKind, AuthorizerStatus

KIND = "staff_notice"
# 业务提醒: a general-purpose library template (the sandbox's library lists it; pick the live account's
# equivalent from WeChat's library when going live).
TEMPLATE = template_messages.TemplateKind("OPENTM415437052", ("业务内容", "提醒时间"))


def _official_account(tenant: Tenant) -> Authorizer | None:
    return db.session.execute(select(Authorizer).where(
        Authorizer.tenant_id == tenant.id, Authorizer.kind == AuthorizerKind.OFFICIAL_ACCOUNT,
        Authorizer.status == AuthorizerStatus.AUTHORIZED).order_by(Authorizer.authorized_at.desc())).scalars().first()


def merchant_openid(tenant: Tenant, account: Authorizer) -> str | None:
    """The openid of the store's owner on ``account``: the customer whose mobile is the contact phone."""
    if not tenant.contact_phone:
        return None
    return db.session.execute(select(Customer.openid).where(
        Customer.tenant_id == tenant.id, Customer.mobile == tenant.contact_phone,
        Customer.authorizer_appid == account.appid, Customer.openid.is_not(None))).scalars().first()


def send(tenant: Tenant, subject: str, text: str, topic: str = "") -> str:
    """The channel: record the template message (sent by its own job after the commit)."""
    account = _official_account(tenant)
    if account is None:
        return "skipped: no official account"
    openid = merchant_openid(tenant, account)
    if openid is None:
        return "skipped: merchant's openid unknown"
    data = {"first": subject, "keyword1": text, "keyword2": utcnow().strftime("%Y-%m-%d %H:%M UTC"), "remark": ""}
    message_id = template_messages.send_template_message(tenant.id, openid, KIND, data, appid=account.appid)
    return f"queued: {message_id}"


def register() -> None:
    from kaidian.notifications import channels

    template_messages.register_kind(KIND, TEMPLATE)
    channels.register_channel("wechat", send)
