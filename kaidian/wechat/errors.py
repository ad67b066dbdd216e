"""WeChat's error codes as exceptions, and the errors the WeChat package shows to merchants.

WeChat answers HTTP 200 with ``{"errcode": N, "errmsg": "… rid: …"}``; the message carries a request
id, so only ``errcode`` is ever compared. ``error_for(payload)`` picks the class from ``ERRORS``
(a registry: one line per code, no ``if`` ladder).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError


class WeChatError(Exception):
    """WeChat refused a call (or could not be reached)."""

    def __init__(self, errcode: int = 0, errmsg: str = "", endpoint: str = "") -> None:
        super().__init__(f"{endpoint or 'wechat'}: errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg, self.endpoint = errcode, errmsg, endpoint


class WeChatUnavailable(WeChatError):
    """Network failure, timeout, or an answer that is not WeChat's JSON."""


class TokenExpired(WeChatError):
    """40001 / 40014 / 42001: the access token is wrong or expired; refresh once and retry."""


class Busy(WeChatError):
    """-1: WeChat is busy; retry after a short wait."""


class QuotaExceeded(WeChatError):
    """45009 daily, 45011 per-minute quota."""


class MinuteQuotaExceeded(QuotaExceeded):
    """45011: the per-minute quota; it comes back within a minute, so a short backoff is right."""


class DailyQuotaExceeded(QuotaExceeded):
    """45009: the daily quota is used up. It does not come back in a second: never retried; an operator
    is alerted and may reset it (``clear_quota``, 10 times a month)."""


class NotGranted(WeChatError):
    """48001: the authorizer did not grant the permission set behind this API."""


class NotAuthorized(WeChatError):
    """61003: the account is not (or no longer) authorized to this platform."""


class RefreshTokenInvalid(WeChatError):
    """61023: the authorizer refresh token stopped working; the merchant must authorize again."""


class TicketInvalid(WeChatError):
    """61005 / 61006: the component_verify_ticket is expired or unknown."""


class NoTicketYet(TicketInvalid):
    """No component_verify_ticket has reached the platform yet (a fresh deploy: WeChat pushes every 10 min)."""


class BadCode(WeChatError):
    """40029 / 40163 / 61009 / 61010: an authorization or OAuth code is wrong, used or expired."""


class BadCredentials(WeChatError):
    """40013 / 40125: the component appid or secret is not accepted."""


class IpNotWhitelisted(BadCredentials):
    """61004: this server's outgoing IP is not in the platform's whitelist (Open Platform → 开发资料 →
    白名单IP). Only an operator can fix it: alerted, never retried."""


class UserNotFollowing(WeChatError):
    """43004: the shopper does not follow the official account (or unfollowed it): a template message
    cannot reach them, and will not until they follow again — never retried."""


class InvalidOpenid(WeChatError):
    """40003: the openid is not a user of this account."""


class TemplateGone(WeChatError):
    """40037: the template id is not (or no longer) in the account — the merchant deleted it."""


class TemplateLimit(WeChatError):
    """45026: the account already holds the most templates WeChat allows (25)."""


class ClearQuotaLimit(WeChatError):
    """48006: this month's quota resets (10) are used up."""


# Errors only a platform operator can fix: each raises an operator alert (``alerts``).
OPERATOR_ERRORS: tuple[type[WeChatError], ...] = (IpNotWhitelisted, DailyQuotaExceeded)


ERRORS: dict[int, type[WeChatError]] = {
    -1: Busy,
    40001: TokenExpired, 40014: TokenExpired, 42001: TokenExpired,
    45009: DailyQuotaExceeded, 45011: MinuteQuotaExceeded,
    48006: ClearQuotaLimit,
    43004: UserNotFollowing, 40003: InvalidOpenid, 40037: TemplateGone, 45026: TemplateLimit,
    48001: NotGranted,
    61003: NotAuthorized,
    61023: RefreshTokenInvalid,
    61005: TicketInvalid, 61006: TicketInvalid,
    40029: BadCode, 40163: BadCode, 61009: BadCode, 61010: BadCode,
    40013: BadCredentials, 40125: BadCredentials, 61004: IpNotWhitelisted,
}


def error_for(payload: dict, endpoint: str = "") -> WeChatError:
    errcode = int(payload.get("errcode") or 0)
    return ERRORS.get(errcode, WeChatError)(errcode, str(payload.get("errmsg", "")), endpoint)


# --- what merchants see ------------------------------------------------------------------------

NO_TICKET_YET = _l("Kaidian has not received WeChat's verification ticket yet, so it cannot talk to WeChat. "
                   "WeChat sends it every 10 minutes; after a first deploy it can take up to 10 minutes to "
                   "arrive. Kaidian has asked for one — please try again in a minute.")

# The first matching class wins: subclasses before their parents.
MERCHANT_MESSAGES: dict[type[WeChatError], object] = {
    NoTicketYet: NO_TICKET_YET,
    TicketInvalid: _l("WeChat did not accept Kaidian's verification ticket; a fresh one has been requested. "
                      "Please try again in a few minutes."),
    NotGranted: _l("The account has not granted Kaidian the permission set this needs. "
                   "Authorize it again and tick the missing permission set."),
    NotAuthorized: _l("The account is no longer authorized to Kaidian. Please authorize it again."),
    RefreshTokenInvalid: _l("WeChat no longer accepts this authorization. Please authorize the account again."),
    IpNotWhitelisted: _l("Kaidian's servers are not yet allowed to call WeChat (the platform's IP whitelist). "
                         "The platform team has been alerted; please try again later."),
    DailyQuotaExceeded: _l("WeChat's daily call quota for this account is used up. The platform team has been "
                           "alerted; it comes back tomorrow unless they reset it sooner."),
    QuotaExceeded: _l("WeChat's call quota for this account is used up; please try again later."),
    Busy: _l("WeChat is busy; please try again in a moment."),
    WeChatUnavailable: _l("WeChat could not be reached; please try again in a moment."),
    BadCode: _l("The WeChat authorization has expired or was already used; please start again."),
}


class WeChatRefused(AppError):
    """A WeChat error turned into the platform's one error shape, with a message a merchant can act on."""

    status = 502
    code = "wechat_error"
    message = _l("WeChat refused the request.")

    @classmethod
    def from_error(cls, error: WeChatError) -> WeChatRefused:
        message = next((text for kind, text in MERCHANT_MESSAGES.items() if isinstance(error, kind)), None)
        status = 409 if isinstance(error, NotGranted | NotAuthorized | RefreshTokenInvalid) else 502
        status = 503 if isinstance(error, TicketInvalid) else status
        return cls(message, fields={"errcode": str(error.errcode)}, code=f"wechat_{error.errcode}", status=status)


class AppIdTaken(AppError):
    status = 409
    code = "wechat_appid_taken"
    message = _l("This WeChat account is already bound to another store. "
                 "Unbind it there (or cancel that authorization in WeChat) before binding it here.")


class AuthorizationExpired(AppError):
    status = 400
    code = "wechat_authorization_expired"
    message = _l("This authorization link has expired or belongs to another store; please start again.")


class NoOfficialAccount(AppError):
    status = 409
    code = "wechat_no_official_account"
    message = _l("This store has no authorized WeChat official account with web authorization yet.")


class AccountUnusable(AppError):
    """api_get_authorizer_info says the account is cancelled, banned or frozen: it cannot be bound."""

    status = 409
    code = "wechat_account_unusable"
    message = _l("This WeChat account cannot be bound: WeChat reports it as cancelled, banned or frozen. "
                 "Resolve it in the WeChat Official Accounts Platform first.")


class SnapshotUser(AppError):
    """WeChat opened the page in snapshot mode: the openid belongs to a virtual user, not the shopper."""

    status = 403
    code = "wechat_snapshot_user"
    message = _l("This page is shown as a preview. Tap “Use full service” at the bottom of the screen to log in.")


class MiniProgramNotAuthorized(AppError):
    """The login names a mini program that is not an authorized mini program of the named store (or no
    such store): the same answer in every case, so nothing is learned about other stores."""

    status = 403
    code = "wechat_mini_program_not_authorized"
    message = _l("This mini program is not connected to this store.")


class MiniProgramCodeInvalid(AppError):
    """WeChat refused the ``wx.login`` code: wrong, expired (5 minutes) or already used."""

    status = 400
    code = "wechat_login_code_invalid"
    message = _l("The WeChat login has expired. Please try again.")
