"""What each WeChat answer means for a mini-program step — the one place the retry policy lives.

* ``RETRY``: it clears by itself soon (-1 busy, 45011 per-minute quota, network, expired token). The
  client already retried the call a few times within a second; the step is then run again after
  ``MINIPROGRAM_RETRY_SECONDS`` (a growing list, the last one repeating) up to
  ``MINIPROGRAM_MAX_ATTEMPTS`` attempts, and only then stops with the message.
* ``WAIT``: it clears, but not soon — 45009 (the daily quota: ``MINIPROGRAM_QUOTA_WAIT_SECONDS``) and
  61039 (WeChat's privacy scan of the uploaded code has not finished: ``MINIPROGRAM_SCAN_WAIT_SECONDS``).
  The step waits (``retry_at``) and the sweep runs it again; the person sees it waiting and why.
* ``STOP``: only a person can fix it (85019/85020 nothing releasable, 87013 withdraw quota, 85009 another
  version under review, 87011/87012 nothing to roll back to, a refused domain or ext_json, a lost
  authorization, any code not listed). The step stops and the message says what to do.

WeChat reuses a code across endpoints with other meanings (87012: nothing to withdraw for
``undocodeaudit``, no previous version for ``revertcoderelease``): ``BY_ENDPOINT`` (the endpoint's name,
the last part of its path, as the error carries it) comes before ``BY_CODE``. Before a rollback's 87012
stops it, ``steps.roll_back`` asks ``getversioninfo`` whether an earlier call (its answer lost) already did it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from kaidian.platform.i18n import stored
from kaidian.wechat.errors import (
    Busy,
    DailyQuotaExceeded,
    MinuteQuotaExceeded,
    NotAuthorized,
    NotGranted,
    RefreshTokenInvalid,
    TokenExpired,
    WeChatError,
    WeChatUnavailable,
)


class Action(enum.StrEnum):
    RETRY = "retry"
    WAIT = "wait"
    STOP = "stop"


@dataclass(frozen=True)
class Rule:
    action: Action
    message: object  # a lazy string: shown to the merchant or the platform admin
    wait_setting: str = ""


BUSY = Rule(Action.RETRY, _l("WeChat is busy; Kaidian retries automatically."))
AUTHORIZE_AGAIN = Rule(Action.STOP, _l("The mini program is no longer authorized to Kaidian. Authorize it "
                                       "again under WeChat, then retry."))

BY_CLASS: tuple[tuple[type[WeChatError], Rule], ...] = (
    (Busy, BUSY),
    (MinuteQuotaExceeded, Rule(Action.RETRY, _l("WeChat's per-minute call quota is used up; Kaidian retries "
                                                "automatically in a moment."))),
    (WeChatUnavailable, Rule(Action.RETRY, _l("WeChat could not be reached; Kaidian retries automatically."))),
    (TokenExpired, BUSY),
    (DailyQuotaExceeded, Rule(Action.WAIT, _l("WeChat's daily call quota is used up; Kaidian retries "
                                              "automatically when it is back (the platform team was alerted)."),
                              "MINIPROGRAM_QUOTA_WAIT_SECONDS")),
    (NotGranted, Rule(Action.STOP, _l("The mini program did not grant Kaidian the development permission set "
                                      "(开发管理). Authorize it again with that permission set ticked."))),
    (NotAuthorized, AUTHORIZE_AGAIN),
    (RefreshTokenInvalid, AUTHORIZE_AGAIN),
)

BY_CODE: dict[int, Rule] = {
    61039: Rule(Action.WAIT, _l("WeChat's privacy scan of the uploaded code has not finished yet; Kaidian "
                                "submits it again in a minute."), "MINIPROGRAM_SCAN_WAIT_SECONDS"),
    85009: Rule(Action.STOP, _l("Another version is already under review. Withdraw it or wait for the "
                                "decision, then submit again.")),
    85019: Rule(Action.STOP, _l("There is no approved version to release. Submit a version for review first.")),
    85020: Rule(Action.STOP, _l("The latest version is not approved, so it cannot be released. Wait for "
                                "the review or submit again.")),
    85052: Rule(Action.STOP, _l("This version is already released.")),
    87013: Rule(Action.STOP, _l("WeChat allows 5 withdrawals a day and 10 a month, and they are used up. "
                                "Wait for the review, or withdraw tomorrow.")),
    87012: Rule(Action.STOP, _l("Nothing is under review any more, so there is nothing to withdraw.")),
    86001: Rule(Action.STOP, _l("No code has been uploaded to this mini program yet. Commit the template first.")),
    85013: Rule(Action.STOP, _l("WeChat refused the store's configuration (ext_json). Check the store's "
                                "name and settings, then commit again.")),
    85014: Rule(Action.STOP, _l("The template is no longer in WeChat's template library. The platform team "
                                "must sync the library and mark a current template.")),
    85015: Rule(Action.STOP, _l("WeChat refused a server domain: it must be HTTPS and registered on the "
                                "platform's Open Platform account. The platform team has to fix it.")),
    89021: Rule(Action.STOP, _l("WeChat refused the store's web-view domain: it must be one of the "
                                "platform's business domains. The platform team has to fix it.")),
    86000: Rule(Action.STOP, _l("This account is not a mini program authorized to Kaidian.")),
}

BY_ENDPOINT: dict[tuple[str, int], Rule] = {
    ("revertcoderelease", 87011): Rule(Action.STOP, _l("The online version was released by gray release, and "
                                                        "WeChat cannot roll it back. Release a new version "
                                                        "instead.")),
    ("revertcoderelease", 87012): Rule(Action.STOP, _l("There is no previous version to roll back to: WeChat "
                                                        "goes back one release only, once. Nothing was changed; "
                                                        "release a new version instead.")),
}

OTHER = Rule(Action.STOP, _l("WeChat refused the request. Check the message, fix it, then retry."))


def rule_for(error: WeChatError) -> Rule:
    if (error.endpoint, error.errcode) in BY_ENDPOINT:
        return BY_ENDPOINT[(error.endpoint, error.errcode)]
    if error.errcode in BY_CODE:
        return BY_CODE[error.errcode]
    return next((rule for kind, rule in BY_CLASS if isinstance(error, kind)), OTHER)


def describe(error: WeChatError) -> str:
    """The message a person reads: what to do, then WeChat's own words (its errcode and message) — as
    stored (``i18n.stored``: pages show it in the reader's language with ``shown``)."""
    return f"{stored(rule_for(error).message)} (errcode {error.errcode}: {error.errmsg.split(' rid:')[0][:200]})"


def retry_delay(attempts: int) -> float:
    delays = [float(x) for x in str(current_app.config["MINIPROGRAM_RETRY_SECONDS"]).split(",") if x.strip()]
    return delays[min(max(attempts - 1, 0), len(delays) - 1)] if delays else 30.0


def wait_seconds(rule: Rule) -> float:
    return float(current_app.config[rule.wait_setting])


def max_attempts() -> int:
    return int(current_app.config["MINIPROGRAM_MAX_ATTEMPTS"])
