"""Resetting a daily API quota (``clear_quota``) on an operator's request.

WeChat allows 10 resets per account per month (48006 past that). The count kept here (cache, per
account and month) lets the console say how many are left before anyone clicks; WeChat's own answer
stays the authority.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import gettext as _

from kaidian.platform.cache import get_cache
from kaidian.platform.errors import AppError, NotFound

from . import alerts, authorizers, tokens
from .errors import ClearQuotaLimit, WeChatError, WeChatRefused

CLEARS_PER_MONTH = 10


class ClearQuotaUsedUp(AppError):
    status = 409
    code = "wechat_clear_quota_limit"

    def __init__(self) -> None:
        super().__init__(_("This account's %(n)s quota resets for this month are used up.", n=CLEARS_PER_MONTH))


def _count_key(subject: str) -> str:
    return f"wechat:quota_clears:{subject}:{time.strftime('%Y-%m')}"


def clears_this_month(subject: str) -> int:
    return int(get_cache().get(_count_key(subject)) or 0)


def _is_component(subject: str) -> bool:
    return subject == current_app.config["WECHAT_COMPONENT_APPID"]


def clear_quota(subject: str) -> None:
    """Reset the daily quota of the component or of authorizer ``subject``; resolves its alert."""
    if clears_this_month(subject) >= CLEARS_PER_MONTH:
        raise ClearQuotaUsedUp()
    client = tokens.client()
    try:
        if _is_component(subject):
            client.component_call("clear_quota", {"appsecret": current_app.config["WECHAT_COMPONENT_SECRET"]})
        else:
            authorizer = authorizers.find_by_appid(subject)
            if authorizer is None:
                raise NotFound()
            client.authorizer_call(tokens.authorizer_token_getter(authorizer), "POST", "/cgi-bin/clear_quota",
                                   body={"appid": subject}, appid=subject)
    except ClearQuotaLimit as error:
        get_cache().set(_count_key(subject), str(CLEARS_PER_MONTH), ttl=32 * 86400)
        raise ClearQuotaUsedUp() from error
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    get_cache().set(_count_key(subject), str(clears_this_month(subject) + 1), ttl=32 * 86400)
    alerts.resolve(alerts.DAILY_QUOTA, subject)
