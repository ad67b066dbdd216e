"""Shopper login inside a store's mini program: ``wx.login`` code → ``jscode2session`` → the store's customer.

``POST /api/mp/login {"appid", "code", "store"}`` on the platform host (every store's mini program calls
the one API host; ``store`` and ``appid`` come from the mini program's ext config). In order:

1. the input is checked (shapes, lengths, no control characters) — a 422 before anything is looked up;
2. the appid must be a **bound mini program of that store** (the authorizer records; a mini program is bound
   to one store at most), and the store open — otherwise 403, the same answer whatever was wrong, and the
   code is not spent;
3. WeChat exchanges the code with the component's token (``ComponentClient.jscode2session``): a wrong,
   expired (5 minutes) or used code is a 400 ``wechat_login_code_invalid``;
4. one transaction finds or creates the customer for (store, appid, openid) — the unique constraint
   ``(tenant_id, authorizer_appid, openid)`` plus a savepoint makes two simultaneous first logins one
   customer (``shoppers.remember_customer``) — and issues the mini-program session token
   (``customers.app_sessions.issue``), returned once.

**session_key is not kept.** It only serves to decrypt data the mini program gets with ``wx.getUserInfo`` /
``wx.getPhoneNumber``'s old encrypted form, which Kaidian does not use (the phone number now comes from
``getuserphonenumber`` with its own code, and profile data from the shopper's own input), and WeChat asks
that it never travel over the network. Keeping it would be a secret at rest with nothing that reads it;
it is dropped as soon as the answer is read. If a feature ever needs it, it gets a column encrypted
with ``DATA_KEY`` (``platform/secrets.py``), as the refresh tokens are.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.customers import app_sessions
from kaidian.customers.schemas import CustomerOut
from kaidian.platform.errors import StoreReadOnly
from kaidian.platform.extensions import db
from kaidian.platform.fields import Text
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import activate, current_tenant_id
from kaidian.platform.unit import atomic
from kaidian.platform.validation import InputSchema, load

from . import authorizers, tokens
from .errors import BadCode, MiniProgramCodeInvalid, MiniProgramNotAuthorized, WeChatError, WeChatRefused
from .models import Authorizer
from .shoppers import remember_customer

APPID_PATTERN = r"wx[0-9a-zA-Z]{6,30}"
CODE_PATTERN = r"[0-9A-Za-z_\-]{1,128}"
STORE_PATTERN = r"[a-z0-9](?:-?[a-z0-9])+"


class MiniProgramLogin(InputSchema):
    appid = Text(32, 8, pattern=APPID_PATTERN, pattern_error=_l("Not a mini program AppID."), required=True)
    code = Text(128, 1, pattern=CODE_PATTERN, pattern_error=_l("Not a WeChat login code."), required=True)
    store = Text(30, 3, pattern=STORE_PATTERN, pattern_error=_l("Not a store address."), required=True)


def log_in(data) -> dict:
    """Log a mini program's shopper in (see the module docstring): ``{"token", "expires_in", "customer"}``."""
    values = load(MiniProgramLogin(), data)
    authorizer = _store_mini_program(values["appid"], values["store"])
    activate(authorizer.tenant_id)  # the rest of this request acts for that store
    grant = _exchange(values["appid"], values["code"])
    return _remember(values["appid"], grant)


def _store_mini_program(appid: str, slug: str) -> Authorizer:
    row = authorizers.find_by_appid(appid)
    tenant = db.session.get(Tenant, row.tenant_id) if row is not None else None
    if tenant is None or tenant.slug != slug or not authorizers.serves_shoppers(row):
        raise MiniProgramNotAuthorized()
    if not tenant.is_open():
        raise StoreReadOnly()
    return row


def payable_mini_program() -> str | None:
    """The current store's mini program whose shoppers can pay in it (the rule they log in by): its AppID.
    Registered with payments, for the pay page's hand-off to the mini program's pay page."""
    tenant_id = current_tenant_id()
    row = authorizers.shop_mini_program(tenant_id) if tenant_id is not None else None
    return row.appid if row is not None else None


def _exchange(appid: str, code: str) -> dict:
    try:
        answer = tokens.client().jscode2session(appid, code)
    except BadCode as error:
        raise MiniProgramCodeInvalid() from error
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    openid = str(answer.get("openid") or "")
    if not openid or len(openid) > 64:
        raise WeChatRefused()
    return {"openid": openid, "unionid": str(answer.get("unionid") or "")[:64]}  # session_key: dropped


@atomic
def _remember(appid: str, grant: dict) -> dict:
    customer = remember_customer(appid, grant, {})
    token, row = app_sessions.issue(customer, appid)
    expires_in = int((row.expires_at - row.created_at).total_seconds())
    return {"token": token, "expires_in": expires_in, "customer": CustomerOut().dump(customer)}
