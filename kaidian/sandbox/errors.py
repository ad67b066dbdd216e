"""WeChat's error answers: HTTP 200 with ``{"errcode": N, "errmsg": "… rid: …"}``."""

from __future__ import annotations

import secrets

ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40022: "invalid sub button level",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40097: "invalid args",
    40054: "invalid sub button url domain",
    40055: "invalid button url domain",
    40125: "invalid appsecret",
    40163: "code been used",
    40165: "invalid weapp pagepath",
    40166: "invalid weapp appid",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    46003: "menu no exist",
    47001: "data format error",
    44002: "empty post data",
    48001: "api unauthorized",
    48006: "forbid to clear quota because of reaching the limit",
    61003: "component is not authorized by this account",
    61004: "access clientip is not registered",
    61005: "component ticket is expired",
    61006: "component ticket is invalid",
    61009: "code is invalid",
    61010: "code is expired",
    61011: "invalid component",
    61023: "refresh_token is invalid",
    10003: "redirect_uri domain mismatch",
}


class ApiError(Exception):
    """Raised by a sandbox service; the endpoint turns it into WeChat's error JSON."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")

    def payload(self) -> dict:
        return error_payload(self.errcode, self.errmsg)


def error_payload(errcode: int, errmsg: str | None = None) -> dict:
    """WeChat appends a request id to every error message; clients must key on ``errcode`` only."""
    message = errmsg or ERRMSG.get(errcode, "error")
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"}


class PageError(Exception):
    """Shown as WeChat's error page (an HTML page, not JSON)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
