"""Alipay partner mode (第三方应用授权): a store authorizes the platform's Alipay third-party app
(``ALIPAY_PLATFORM_*``) instead of pasting its own app's keys.

1. ``authorization_url`` sends the merchant to ``ALIPAY_AUTH_URL`` with the platform's app id, our callback
   and a ``state``: this store, this staff member and a nonce, signed and timed by ``itsdangerous`` (the
   project's signer for links). It lives ``STATE_SECONDS``.
2. Alipay comes back with ``app_auth_code`` and ``state``. ``complete_authorization`` refuses a state that
   is forged or another store's or user's, expired, or already used (a cache marker added once), before
   anything is called or stored; then exchanges the code (``alipay.open.auth.token.app``, through
   ``python-alipay-sdk``'s ``ISVAliPay``) and stores the grant on the store's Alipay settings: mode
   ``partner``, ``sub_mchid`` = the merchant's ``auth_app_id`` (its app: the sub-merchant, as in WeChat Pay's
   partner mode), ``mchid`` = its ``user_id``, and the tokens with their expiries encrypted with
   ``DATA_KEY`` in ``grant_encrypted``. The
   direct-mode fields (app id, private key, public key) are kept, so the store can switch back.
3. Authorizing again replaces the grant; ``revoke`` forgets it (mode back to ``direct``).
4. ``tasks.refresh_alipay_grants`` (daily) renews a token ending within ``REFRESH_BEFORE`` with its refresh
   token (``refresh``); a refusal is kept on the settings check, telling the merchant to authorize again.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.cache import get_cache
from kaidian.platform.errors import AppError
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.secrets import decrypt_secret, encrypt_secret
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import atomic

from .alipay import AlipayCredentials, exchange_auth_code, refresh_grant
from .errors import NotConfigured
from .models import PaymentSettings

PLATFORM_SETTINGS = ("ALIPAY_PLATFORM_APP_ID", "ALIPAY_PLATFORM_PRIVATE_KEY", "ALIPAY_PLATFORM_PUBLIC_KEY")
STATE_SECONDS = 600
_USED_KEY = "payments:alipay-auth-used:"


class AuthorizationRefused(AppError):
    status = 400
    code = "alipay_authorization_refused"


def available() -> bool:
    """Whether partner mode is offered: the platform's third-party app is configured."""
    return all(current_app.config.get(name) for name in PLATFORM_SETTINGS)


def _require_available() -> None:
    if not available():
        raise NotConfigured(_("The platform has no Alipay third-party app: Alipay authorization is not offered."))


def _settings() -> PaymentSettings | None:
    return db.session.execute(select(PaymentSettings).filter_by(provider="alipay")).scalar_one_or_none()


# --- the state -----------------------------------------------------------------------------------------

def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian.payments.alipay-app-auth")


def new_state(tenant_id: uuid.UUID, user_id) -> str:
    return _signer().dumps({"store": str(tenant_id), "user": str(user_id), "nonce": secrets.token_hex(16)})


def take_state(state: str, tenant_id: uuid.UUID, user_id) -> None:
    """Accept ``state`` once, for this store and user, within ``STATE_SECONDS``; else AuthorizationRefused."""
    try:
        data = _signer().loads(state, max_age=STATE_SECONDS)
    except SignatureExpired:
        raise AuthorizationRefused(_("This Alipay authorization took too long and expired. Nothing was changed; "
                                     "start again from the payment settings.")) from None
    except BadData:
        data = None
    if not isinstance(data, dict) or (data.get("store"), data.get("user")) != (str(tenant_id), str(user_id)):
        raise AuthorizationRefused(_("This Alipay authorization was not started by you in this store (or the link "
                                     "was altered). Nothing was changed; start again from the payment settings."))
    if not get_cache().add(_USED_KEY + str(data.get("nonce")), "1", ttl=STATE_SECONDS + 60):
        raise AuthorizationRefused(_("This Alipay authorization was already used. Nothing was changed; "
                                     "start again from the payment settings."))


# --- the flow ------------------------------------------------------------------------------------------

def authorization_url(tenant_id: uuid.UUID, user_id, callback_url: str) -> str:
    """Alipay's authorization page for the platform's third-party app, coming back to ``callback_url``."""
    _require_available()
    query = {"app_id": current_app.config["ALIPAY_PLATFORM_APP_ID"], "redirect_uri": callback_url,
             "state": new_state(tenant_id, user_id)}
    return f"{current_app.config['ALIPAY_AUTH_URL']}?{urlencode(query)}"


@atomic
def complete_authorization(state: str, code: str, user_id, actor=None) -> PaymentSettings:
    """Alipay came back: check the state, exchange ``code`` and store the grant (replacing any other)."""
    _require_available()
    take_state(state, current_tenant_id(), user_id)
    if not code:
        raise AuthorizationRefused(_("Alipay sent no authorization code: the authorization was not completed."))
    c = current_app.config
    grant = exchange_auth_code(c["ALIPAY_PLATFORM_APP_ID"], c["ALIPAY_PLATFORM_PRIVATE_KEY"],
                               c["ALIPAY_PLATFORM_PUBLIC_KEY"], code)
    settings = _settings() or PaymentSettings(tenant_id=current_tenant_id(), provider="alipay")
    with _changing_payee(settings):
        _keep(settings, grant)
    db.session.add(settings)
    audit.record("payments.alipay_authorized", f"auth_app_id={settings.sub_mchid}", actor=actor)
    db.session.flush()
    return settings


def _changing_payee(settings: PaymentSettings):
    from .configuration import changing_payee  # configuration imports this module: the rule stays there

    return changing_payee(settings)


def _keep(settings: PaymentSettings, grant: dict) -> None:
    """Store Alipay's grant on the store's settings: mode partner, the tokens encrypted with their ends."""
    now = utcnow()
    tokens = {"app_auth_token": str(grant["app_auth_token"]),
              "app_refresh_token": str(grant.get("app_refresh_token", "")),
              "expires_at": _after(now, grant.get("expires_in")),
              "re_expires_at": _after(now, grant.get("re_expires_in"))}
    settings.mode, settings.sub_mchid = "partner", str(grant["auth_app_id"])[:32]
    settings.mchid = str(grant.get("user_id", ""))[:32]
    settings.grant_encrypted = encrypt_secret(json.dumps(tokens))
    settings.checked_at, settings.check_ok, settings.check_message = None, False, ""


def _after(now: datetime, seconds) -> str:
    """When a token given for ``seconds`` ends ("" when Alipay gave no lifetime: it does not expire here)."""
    try:
        return (now + timedelta(seconds=int(seconds))).isoformat() if seconds else ""
    except (TypeError, ValueError):
        return ""


@atomic
def revoke(actor=None) -> PaymentSettings | None:
    """Forget the store's authorization (mode back to direct; the direct-mode fields are kept)."""
    settings = _settings()
    if settings is None or settings.mode != "partner":
        return settings
    with _changing_payee(settings):
        settings.mode, settings.sub_mchid, settings.mchid, settings.grant_encrypted = "direct", "", "", ""
    settings.checked_at, settings.check_ok, settings.check_message = None, False, ""
    audit.record("payments.alipay_revoked", "", actor=actor)
    return settings


# --- keeping the grant alive ------------------------------------------------------------------------------

REFRESH_BEFORE = timedelta(days=30)  # Alipay's tokens last a year; the refresh token a little longer


def due_for_refresh() -> list[uuid.UUID]:
    """Stores (all tenants: the caller opens ``all_tenants``) whose token ends within ``REFRESH_BEFORE``."""
    if not available():
        return []
    rows = db.session.execute(select(PaymentSettings).where(PaymentSettings.provider == "alipay",
                                                            PaymentSettings.mode == "partner")).scalars()
    horizon = utcnow() + REFRESH_BEFORE
    due = []
    for settings in rows:
        try:
            ends = grant_of(settings).get("expires_at")
        except NotConfigured:
            continue
        if ends and datetime.fromisoformat(ends) < horizon:
            due.append(settings.tenant_id)
    return due


@atomic
def refresh() -> bool:
    """Refresh the current store's grant with its refresh token. False when Alipay refuses (the refresh
    token expired or was revoked): the settings check then says to authorize again, the grant is kept."""
    from .errors import ProviderFailed

    settings = _settings()
    if settings is None or settings.mode != "partner":
        return False
    c = current_app.config
    try:
        grant = refresh_grant(c["ALIPAY_PLATFORM_APP_ID"], c["ALIPAY_PLATFORM_PRIVATE_KEY"],
                              c["ALIPAY_PLATFORM_PUBLIC_KEY"], grant_of(settings).get("app_refresh_token", ""))
    except (ProviderFailed, NotConfigured) as error:
        settings.checked_at, settings.check_ok = utcnow(), False
        with force_locale(_store_locale(settings)):  # a job: the merchant reads it in the store's language
            settings.check_message = _("Alipay did not renew the store's authorization (%(detail)s): authorize the "
                                       "platform again in the payment settings.",
                                       detail=getattr(error, "detail", "") or str(error.message))[:500]
        audit.record("payments.alipay_refresh_failed", settings.check_message[:200])
        return False
    _keep(settings, grant)
    audit.record("payments.alipay_refreshed", f"auth_app_id={settings.sub_mchid}")
    return True


def _store_locale(settings: PaymentSettings) -> str:
    tenant = db.session.get(Tenant, settings.tenant_id)
    return tenant.default_locale if tenant is not None else "zh"


# --- what the other modules read -----------------------------------------------------------------------

def grant_of(settings: PaymentSettings) -> dict:
    """The stored tokens (``app_auth_token``, ``app_refresh_token``, ``expires_at``…); NotConfigured when
    there are none or they cannot be decrypted."""
    if not (settings.sub_mchid and settings.grant_encrypted):
        raise NotConfigured(_("This store has not authorized the platform on Alipay yet."))
    try:
        return json.loads(decrypt_secret(settings.grant_encrypted))
    except ValueError:
        raise NotConfigured(_("The stored Alipay authorization cannot be decrypted; authorize again.")) from None


def credentials(settings: PaymentSettings) -> AlipayCredentials:
    """The platform's app credentials with the store's ``app_auth_token``."""
    _require_available()
    grant = grant_of(settings)
    if grant.get("expires_at") and datetime.fromisoformat(grant["expires_at"]) < utcnow():
        raise NotConfigured(_("The store's Alipay authorization has expired; authorize the platform again."))
    c = current_app.config
    return AlipayCredentials(app_id=c["ALIPAY_PLATFORM_APP_ID"], app_private_key_pem=c["ALIPAY_PLATFORM_PRIVATE_KEY"],
                             alipay_public_key_pem=c["ALIPAY_PLATFORM_PUBLIC_KEY"], mode="partner", partner=True,
                             app_auth_token=grant["app_auth_token"], auth_app_id=settings.sub_mchid)


def view(settings: PaymentSettings | None) -> dict:
    """What the settings page shows of the authorization (never the tokens)."""
    if settings is None or settings.mode != "partner" or not settings.sub_mchid:
        return {"authorized": False}
    try:
        expires_at = grant_of(settings).get("expires_at", "")
    except NotConfigured:
        expires_at = ""
    return {"authorized": True, "auth_app_id": settings.sub_mchid, "user_id": settings.mchid,
            "expires_at": expires_at[:10]}
