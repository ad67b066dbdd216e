"""A store's payment settings: saving them (secrets encrypted with ``DATA_KEY``, write-only), turning them
into provider credentials, and the "test" button that checks them against the provider and says exactly
what is wrong.

Modes: ``direct`` — the store's own merchant number with its APIv3 key, merchant private key and
certificate serial, and WeChat Pay's public key with its id; ``partner`` — the platform is the service
provider (``WECHATPAY_SP_*`` settings) and the store enters only its ``sub_mchid`` (and optionally the
AppID its shoppers pay from, sent as ``sub_appid``).
"""

from __future__ import annotations

import secrets as _secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from kaidian.platform import audit
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.secrets import decrypt_secret, encrypt_secret
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import atomic

from . import alipay_partner
from .alipay import AUTH_TOKEN_CODES, AlipayCredentials, AlipayProvider
from .errors import NotConfigured, ProviderFailed, SettingsInUse
from .models import Payment, PaymentSettings, PaymentStatus
from .schemas import AlipaySettingsSchema, SettingsSchema, load
from .wechatpay import Credentials, WeChatPayProvider, private_key_problem, public_key_problem, verify_signature

PROVIDER = "wechatpay"
SP_SETTINGS = ("WECHATPAY_SP_MCHID", "WECHATPAY_SP_APPID", "WECHATPAY_SP_APIV3_KEY", "WECHATPAY_SP_PRIVATE_KEY",
               "WECHATPAY_SP_CERT_SERIAL", "WECHATPAY_SP_PUBLIC_KEY", "WECHATPAY_SP_PUBLIC_KEY_ID")


# Purposes paid to the platform's own merchant account rather than the store's (billing's plans).
PLATFORM_PURPOSES = frozenset({"subscription"})
PLATFORM_SETTINGS = ("WECHATPAY_PLATFORM_MCHID", "WECHATPAY_PLATFORM_APPID", "WECHATPAY_PLATFORM_APIV3_KEY",
                     "WECHATPAY_PLATFORM_PRIVATE_KEY", "WECHATPAY_PLATFORM_CERT_SERIAL",
                     "WECHATPAY_PLATFORM_PUBLIC_KEY", "WECHATPAY_PLATFORM_PUBLIC_KEY_ID")
_SANDBOX_PLATFORM_KEY = "payments:platform-sandbox-merchant"


def platform_credentials() -> Credentials:
    """The platform's own merchant account (``WECHATPAY_PLATFORM_*``, mode "platform", called like a
    direct merchant). Unset against the sandbox: a sandbox test merchant, registered once and kept in
    the cache."""
    c = current_app.config
    if all(c.get(name) for name in PLATFORM_SETTINGS):
        return Credentials(mode="platform", mchid=c["WECHATPAY_PLATFORM_MCHID"], appid=c["WECHATPAY_PLATFORM_APPID"],
                           apiv3_key=c["WECHATPAY_PLATFORM_APIV3_KEY"],
                           private_key_pem=c["WECHATPAY_PLATFORM_PRIVATE_KEY"],
                           cert_serial=c["WECHATPAY_PLATFORM_CERT_SERIAL"],
                           public_key_pem=c["WECHATPAY_PLATFORM_PUBLIC_KEY"],
                           public_key_id=c["WECHATPAY_PLATFORM_PUBLIC_KEY_ID"])
    from .services import is_sandbox

    if not is_sandbox():
        raise NotConfigured(_("The platform's WeChat Pay merchant account is not configured."))
    import json

    from kaidian.platform.cache import get_cache

    cached = get_cache().get(_SANDBOX_PLATFORM_KEY)
    merchant = json.loads(cached) if cached else None
    if merchant is None:
        merchant = _sandbox_merchant("开店平台")
        get_cache().set(_SANDBOX_PLATFORM_KEY, json.dumps(merchant), ttl=30 * 86400)
    return Credentials(mode="platform", mchid=merchant["mchid"], appid="wxsandboxpay00001",
                       apiv3_key=merchant["apiv3_key"], private_key_pem=merchant["private_key"],
                       cert_serial=merchant["serial_no"], public_key_pem=merchant["wechatpay_public_key"],
                       public_key_id=merchant["wechatpay_public_key_id"])


def platform_provider() -> WeChatPayProvider:
    from .providers import PROVIDERS

    return PROVIDERS[PROVIDER](platform_credentials())




def store_settings(provider: str = PROVIDER) -> PaymentSettings | None:
    return db.session.execute(select(PaymentSettings).filter_by(provider=provider)).scalar_one_or_none()


def partner_available() -> bool:
    return all(current_app.config.get(name) for name in SP_SETTINGS)


def partner_credentials(sub_mchid: str = "", sub_appid: str = "") -> Credentials:
    """The platform's service-provider credentials (from the environment)."""
    if not partner_available():
        raise NotConfigured(_("The platform is not set up as a WeChat Pay service provider."))
    c = current_app.config
    return Credentials(mode="partner", mchid=c["WECHATPAY_SP_MCHID"], appid=c["WECHATPAY_SP_APPID"],
                       apiv3_key=c["WECHATPAY_SP_APIV3_KEY"], private_key_pem=c["WECHATPAY_SP_PRIVATE_KEY"],
                       cert_serial=c["WECHATPAY_SP_CERT_SERIAL"], public_key_pem=c["WECHATPAY_SP_PUBLIC_KEY"],
                       public_key_id=c["WECHATPAY_SP_PUBLIC_KEY_ID"], sub_mchid=sub_mchid, sub_appid=sub_appid)


def credentials(settings: PaymentSettings | None) -> Credentials | AlipayCredentials:
    """The credentials of ``settings``; NotConfigured (saying what is missing) when they are incomplete."""
    if settings is None:
        raise NotConfigured()
    if settings.provider == "alipay":
        return alipay_credentials(settings)
    if settings.mode == "partner":
        if not settings.sub_mchid:
            raise NotConfigured(_("The sub-merchant number (sub_mchid) is missing."))
        return partner_credentials(settings.sub_mchid, settings.appid)
    missing = [label for label, value in (
        ("AppID", settings.appid), (_("merchant number"), settings.mchid),
        (_("certificate serial number"), settings.cert_serial), (_("APIv3 key"), settings.apiv3_key_encrypted),
        (_("merchant private key"), settings.private_key_encrypted),
        (_("WeChat Pay public key"), settings.public_key_pem), (_("WeChat Pay public key id"), settings.public_key_id),
    ) if not value]
    if missing:
        raise NotConfigured(_("Payment settings are incomplete: %(fields)s.", fields=", ".join(missing)))
    try:
        apiv3_key = decrypt_secret(settings.apiv3_key_encrypted)
        private_key = decrypt_secret(settings.private_key_encrypted)
    except ValueError:
        raise NotConfigured(_("The stored payment keys cannot be decrypted; enter them again.")) from None
    return Credentials(mode="direct", mchid=settings.mchid, appid=settings.appid, apiv3_key=apiv3_key,
                       private_key_pem=private_key, cert_serial=settings.cert_serial,
                       public_key_pem=settings.public_key_pem, public_key_id=settings.public_key_id)


def alipay_credentials(settings: PaymentSettings) -> AlipayCredentials:
    if settings.mode == "partner":
        return alipay_partner.credentials(settings)
    if not (settings.appid and settings.private_key_encrypted and settings.public_key_pem):
        raise NotConfigured(_("Alipay settings are incomplete: the app id, the app private key and Alipay's "
                              "public key are all needed."))
    try:
        private_key = decrypt_secret(settings.private_key_encrypted)
    except ValueError:
        raise NotConfigured(_("The stored payment keys cannot be decrypted; enter them again.")) from None
    return AlipayCredentials(app_id=settings.appid, app_private_key_pem=private_key,
                             alipay_public_key_pem=settings.public_key_pem)


def provider_for(settings: PaymentSettings | None):
    """The provider object of ``settings`` (the registry in ``providers.py``)."""
    from .providers import PROVIDERS

    return PROVIDERS[settings.provider if settings else PROVIDER](credentials(settings))


def _payee(settings: PaymentSettings | None) -> tuple[str, str, str] | None:
    """Who a payment made with ``settings`` pays — (mode, merchant, sub-merchant), as the payment records
    them — or None when the settings cannot take payments."""
    try:
        given = credentials(settings)
    except NotConfigured:
        return None
    return given.mode, given.mchid, given.sub_mchid


@contextmanager
def changing_payee(settings: PaymentSettings | None):
    """Around a change of ``settings``: refuse it (``SettingsInUse``; the unit rolls back) when it changes who
    is paid while payments made the old way are still open — those can only be closed, queried and have
    their notifications verified with the credentials they were made with (closing one with other
    credentials would "close" a trade that stays payable at the provider)."""
    before = _payee(settings)
    yield
    if before is None or _payee(settings) == before:
        return
    mode, mchid, sub_mchid = before
    still_open = db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.provider == settings.provider, Payment.mode == mode, Payment.mchid == mchid,
        Payment.sub_mchid == sub_mchid, Payment.status == PaymentStatus.CREATED))
    if still_open:
        raise SettingsInUse()


@atomic
def save_settings(data: dict, actor=None) -> PaymentSettings:
    """Validate and store the form; blank secrets keep the stored ones."""
    values = load(SettingsSchema(), data)
    settings = store_settings() or PaymentSettings(tenant_id=current_tenant_id(), provider=PROVIDER)
    with changing_payee(settings):
        settings.mode = values["mode"]
        for name in ("appid", "mchid", "cert_serial", "public_key_id", "sub_mchid"):
            setattr(settings, name, values[name])
        if values["public_key"]:
            settings.public_key_pem = values["public_key"].strip() + "\n"
        if values["apiv3_key"]:
            settings.apiv3_key_encrypted = encrypt_secret(values["apiv3_key"])
        if values["private_key"]:
            settings.private_key_encrypted = encrypt_secret(values["private_key"].strip() + "\n")
    settings.checked_at, settings.check_ok, settings.check_message = None, False, ""
    db.session.add(settings)
    audit.record("payments.settings_saved", f"mode={settings.mode}", actor=actor)
    db.session.flush()
    return settings


@atomic
def use_sandbox_merchant(name: str, appid: str = "", actor=None) -> PaymentSettings:
    """Development and demos only: have the WeChat Pay sandbox hand out a test merchant and store it as this
    store's direct-mode settings (an HTTP call to the sandbox, which this package never imports)."""
    from .services import is_sandbox

    if not is_sandbox():
        raise NotConfigured(_("Test merchants exist only in the WeChat Pay sandbox."))
    merchant = _sandbox_merchant(name)
    return save_settings({"mode": "direct", "appid": appid or "wxsandboxpay00001", "mchid": merchant["mchid"],
                          "cert_serial": merchant["serial_no"], "apiv3_key": merchant["apiv3_key"],
                          "private_key": merchant["private_key"], "public_key_id": merchant["wechatpay_public_key_id"],
                          "public_key": merchant["wechatpay_public_key"]}, actor=actor)


def _sandbox_merchant(name: str) -> dict:
    base = current_app.config["WECHATPAY_BASE_URL"].rstrip("/")
    try:
        response = requests.post(f"{base}/sandbox/pay/merchants", json={"name": name[:40]},
                                 timeout=current_app.config["WECHATPAY_HTTP_TIMEOUT"])
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderFailed(detail=f"sandbox: {exc.__class__.__name__}") from exc


@atomic
def save_alipay_settings(data: dict, actor=None) -> PaymentSettings:
    """Validate and store the Alipay form (app id, app private key — write-only —, Alipay public key)."""
    values = load(AlipaySettingsSchema(), data)
    settings = store_settings("alipay") or PaymentSettings(tenant_id=current_tenant_id(), provider="alipay")
    with changing_payee(settings):
        settings.mode, settings.appid = "direct", values["app_id"]
        if values["alipay_public_key"]:
            settings.public_key_pem = values["alipay_public_key"].strip() + "\n"
        if values["app_private_key"]:
            settings.private_key_encrypted = encrypt_secret(values["app_private_key"].strip() + "\n")
    settings.checked_at, settings.check_ok, settings.check_message = None, False, ""
    db.session.add(settings)
    audit.record("payments.alipay_saved", f"app_id={settings.appid}", actor=actor)
    db.session.flush()
    return settings


@atomic
def use_sandbox_alipay_app(name: str, actor=None) -> PaymentSettings:
    """Development and demos only: an app handed out by the sandbox's Alipay, stored as this store's."""
    from .services import is_sandbox

    if not is_sandbox():
        raise NotConfigured(_("Test merchants exist only in the WeChat Pay sandbox."))
    base = current_app.config["ALIPAY_GATEWAY_URL"].rsplit("/", 1)[0]
    try:
        response = requests.post(f"{base}/sandbox/alipay/apps", json={"name": name[:40]},
                                 timeout=current_app.config["WECHATPAY_HTTP_TIMEOUT"])
        response.raise_for_status()
        app = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderFailed(detail=f"sandbox: {exc.__class__.__name__}") from exc
    return save_alipay_settings({"app_id": app["app_id"], "app_private_key": app["app_private_key"],
                                 "alipay_public_key": app["alipay_public_key"]}, actor=actor)


def alipay_view(settings: PaymentSettings | None) -> dict:
    if settings is None:
        return {"private_key_set": False, "mode": "direct", "partner": alipay_partner.view(None)}
    return {"mode": settings.mode, "partner": alipay_partner.view(settings),
            "app_id": settings.appid, "alipay_public_key": settings.public_key_pem,
            "private_key_set": bool(settings.private_key_encrypted), "checked_at": settings.checked_at,
            "check_ok": settings.check_ok, "check_message": settings.check_message}


def _check_alipay(creds: AlipayCredentials, result: CheckResult) -> None:
    if private_key_problem(creds.app_private_key_pem):
        result.fail(_("The platform's app private key (ALIPAY_PLATFORM_PRIVATE_KEY) is not a PEM RSA private key "
                      "of at least 2048 bits.") if creds.partner
                    else _("The app private key is not a PEM RSA private key of at least 2048 bits."))
    if public_key_problem(creds.alipay_public_key_pem):
        result.fail(_("Alipay's public key for the platform's app (ALIPAY_PLATFORM_PUBLIC_KEY) is not a PEM RSA "
                      "public key.") if creds.partner else _("Alipay's public key is not a PEM RSA public key."))
    if not result.ok:
        return
    provider = AlipayProvider(creds)
    try:
        found = provider.query("KDCHECK" + _secrets.token_hex(12).upper())
    except ProviderFailed as exc:
        if "signature does not verify" in exc.detail:
            result.fail(_("Alipay's answer does not verify with the configured Alipay public key."))
        elif "invalid-signature" in exc.detail:
            result.fail(_("Alipay refused the signature: the app id and the app private key do not belong together."))
        elif "invalid-app-id" in exc.detail:
            result.fail(_("Alipay does not know this app id."))
        elif exc.provider_code in AUTH_TOKEN_CODES:
            result.fail(_("Alipay refused the store's authorization (%(detail)s): authorize the platform again.",
                          detail=exc.detail))
        else:
            result.fail(_("Alipay answered: %(detail)s", detail=exc.detail))
        return
    if found is None and creds.partner:
        result.passed.append(_("Alipay accepted the platform's app, its signature and the store's authorization "
                               "(app %(app)s), and its answer verifies with the configured public key.",
                               app=creds.auth_app_id))
    elif found is None:
        result.passed.append(_("Alipay accepted the app id and the signature, and its answer verifies with the "
                               "configured public key."))


@atomic
def check_alipay_settings(actor=None) -> CheckResult:
    settings = store_settings("alipay")
    result = CheckResult()
    try:
        _check_alipay(alipay_credentials(settings) if settings else alipay_credentials_missing(), result)
    except NotConfigured as exc:
        result.fail(str(exc.message))
    if settings is not None:
        settings.checked_at, settings.check_ok = utcnow(), result.ok
        settings.check_message = " ".join(result.problems)[:500]
        audit.record("payments.alipay_checked", "ok" if result.ok else settings.check_message, actor=actor)
    return result


def alipay_credentials_missing():
    raise NotConfigured(_("Alipay is not set up for this store."))


def settings_view(settings: PaymentSettings | None) -> dict:
    """What the page shows: plain fields, and secrets only as "set" with a mask."""
    if settings is None:
        return {"mode": "direct", "apiv3_key_set": False, "private_key_set": False}
    return {"mode": settings.mode, "appid": settings.appid, "mchid": settings.mchid,
            "cert_serial": settings.cert_serial, "public_key_id": settings.public_key_id,
            "public_key": settings.public_key_pem, "sub_mchid": settings.sub_mchid,
            "apiv3_key_set": bool(settings.apiv3_key_encrypted),
            "private_key_set": bool(settings.private_key_encrypted),
            "checked_at": settings.checked_at, "check_ok": settings.check_ok,
            "check_message": settings.check_message}


# --- the "test" button -------------------------------------------------------------------------------

@dataclass
class CheckResult:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)


def _check_formats(c: Credentials, result: CheckResult) -> None:
    if len(c.apiv3_key.encode()) != 32:
        result.fail(_("The APIv3 key must be exactly 32 characters (it has %(n)s).", n=len(c.apiv3_key.encode())))
    problem = private_key_problem(c.private_key_pem)
    if problem == "not_pem":
        result.fail(_("The merchant private key is not a PEM private key (apiclient_key.pem, "
                      "starting with -----BEGIN PRIVATE KEY-----)."))
    elif problem:
        result.fail(_("The merchant private key must be an RSA key of at least 2048 bits."))
    problem = public_key_problem(c.public_key_pem)
    if problem:
        result.fail(_("The WeChat Pay public key is not a PEM RSA public key (pub_key.pem, "
                      "starting with -----BEGIN PUBLIC KEY-----)."))
    if not c.public_key_id.startswith("PUB_KEY_ID_"):
        result.fail(_("The WeChat Pay public key id must start with PUB_KEY_ID_."))


def _check_call(provider: WeChatPayProvider, result: CheckResult) -> None:
    """A real signed call: a query of an order that cannot exist. 404 ORDER_NOT_EXIST means WeChat Pay
    accepted the merchant number, the serial and the signature; its answer's signature then checks the
    WeChat Pay public key and its id."""
    c = provider.credentials
    try:
        status, payload, headers, body = provider.signed_probe("KDCHECK" + _secrets.token_hex(12).upper())
    except requests.RequestException as exc:
        result.fail(_("WeChat Pay could not be reached (%(error)s).", error=exc.__class__.__name__))
        return
    code, message = str(payload.get("code", "")), str(payload.get("message", ""))
    if status == 401:
        result.fail(_("WeChat Pay refused the signature: the merchant number, the certificate serial number "
                      "and the private key do not belong together (%(code)s: %(message)s).",
                      code=code, message=message))
        return
    if status == 400 and code in ("INVALID_REQUEST", "PARAM_ERROR") and c.partner:
        result.fail(_("WeChat Pay refused the sub-merchant: %(message)s", message=message))
        return
    if status != 404 or code != "ORDER_NOT_EXIST":
        result.fail(_("WeChat Pay answered %(status)s %(code)s: %(message)s", status=status, code=code,
                      message=message))
        return
    result.passed.append(_("WeChat Pay accepted the merchant number, certificate serial number and signature."))
    lower = {k.lower(): v for k, v in headers.items()}
    serial = lower.get("wechatpay-serial", "")
    if serial != c.public_key_id:
        result.fail(_("WeChat Pay signs with public key id %(serial)s, not %(configured)s.", serial=serial,
                      configured=c.public_key_id))
    elif not verify_signature(c.public_key_pem, lower.get("wechatpay-timestamp", ""),
                              lower.get("wechatpay-nonce", ""), body, lower.get("wechatpay-signature", "")):
        result.fail(_("WeChat Pay's answer does not verify with the configured public key: "
                      "it is not the key of %(serial)s.", serial=serial))
    else:
        result.passed.append(_("WeChat Pay's signature verifies with the configured public key."))


@atomic
def check_settings(actor=None) -> CheckResult:
    """Check the stored settings against the provider; the outcome is kept on the settings."""
    settings = store_settings()
    result = CheckResult()
    try:
        creds = credentials(settings)
    except NotConfigured as exc:
        result.fail(str(exc.message))
    else:
        _check_formats(creds, result)
        if result.ok:
            try:
                _check_call(WeChatPayProvider(creds), result)
            except ProviderFailed as exc:
                result.fail(exc.detail or str(exc.message))
    if settings is not None:
        settings.checked_at, settings.check_ok = utcnow(), result.ok
        settings.check_message = " ".join(result.problems)[:500]
        audit.record("payments.settings_checked", "ok" if result.ok else settings.check_message, actor=actor)
    return result
