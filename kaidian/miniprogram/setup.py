"""The setup WeChat requires before a mini program can be reviewed, as a checklist of steps.

Each step (``STEPS``) is one WeChat call that makes the mini program match the store; running it again
sets the same values (idempotent):

* ``domains`` — ``modify_domain`` ``set``: the platform's API host as request / upload / download domain
  (``https://PLATFORM_HOST``; ``MINIPROGRAM_SERVER_DOMAINS`` overrides) and its ``wss://`` twin;
* ``webview`` — ``setwebviewdomain`` ``set``: the store's own site (``https://SLUG.STORE_DOMAIN``), which the
  template's ``web-view`` opens; WeChat answering "unchanged" (89019) counts as done;
* ``privacy`` — ``setprivacysetting``: the store's contact and what the template collects (profile for
  login, address and phone number for delivery);
* ``category`` — ``get_category``: a service category must exist (it is added in WeChat's own admin with
  qualification papers, so Kaidian can only check it); the first one is what submissions declare.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from kaidian.platform.models import Tenant, utcnow
from kaidian.wechat.errors import WeChatError
from kaidian.wechat.models import Authorizer

from . import wxa
from .errors import NoContact

STEPS: dict[str, object] = {
    "domains": _l("Server domains"),
    "webview": _l("Web-view (business) domains"),
    "privacy": _l("Privacy settings"),
    "category": _l("Service category"),
}
HINTS: dict[str, object] = {
    "domains": _l("The platform's API address, so the mini program may call it."),
    "webview": _l("The store's site, which the mini program shows in a web-view."),
    "privacy": _l("Who to contact and what the mini program collects (profile, address, phone number)."),
    "category": _l("Add a service category in WeChat's mini program admin (mp.weixin.qq.com → 设置 → 服务类目), "
                   "then check again."),
}
# What WeChat shows the shopper in the mini program's privacy notice (and its reviewers): written in
# the language of WeChat's mainland users, whatever the language of the person or job that sends it.
WECHAT_LOCALE = "zh"
PRIVACY_ITEMS = (
    ("UserInfo", _l("To log you in and show your member information")),
    ("Address", _l("To fill in and manage your delivery addresses")),
    ("PhoneNumber", _l("To contact you about delivering your orders")),
)
NOTICE_METHOD = _l("A pop-up notice")
UNCHANGED = 89019  # setwebviewdomain: the domains are already these


def server_domains() -> dict[str, list[str]]:
    configured = current_app.config["MINIPROGRAM_SERVER_DOMAINS"]
    hosts = [item.strip() for item in configured.split(",") if item.strip()] or \
        [f"https://{current_app.config['PLATFORM_HOST']}"]
    https = [host if "://" in host else f"https://{host}" for host in hosts]
    wss = ["wss://" + urlsplit(host).netloc for host in https]
    return {"requestdomain": https, "wsrequestdomain": wss, "uploaddomain": https, "downloaddomain": https}


def webview_domains(tenant: Tenant) -> list[str]:
    host = f"{tenant.slug}.{current_app.config['STORE_DOMAIN'].lower()}"
    return [f"https://{host}"]


def privacy_settings(tenant: Tenant) -> dict:
    if not (tenant.contact_email or tenant.contact_phone):
        raise NoContact()
    with force_locale(WECHAT_LOCALE):
        owner = {"notice_method": str(NOTICE_METHOD)}
        items = [{"privacy_key": key, "privacy_text": str(text)} for key, text in PRIVACY_ITEMS]
    if tenant.contact_email:
        owner["contact_email"] = tenant.contact_email
    if tenant.contact_phone:
        owner["contact_phone"] = tenant.contact_phone
    return {"privacy_ver": 2, "owner_setting": owner,
            "setting_list": items}


def _webview(authorizer: Authorizer, tenant: Tenant) -> dict:
    try:
        wxa.set_webview_domains(authorizer, webview_domains(tenant))
    except WeChatError as error:
        if error.errcode != UNCHANGED:
            raise
    return {}


def _category(authorizer: Authorizer, tenant: Tenant) -> dict:
    found = wxa.categories(authorizer)
    if not found:
        return {"missing": True}
    first = found[0]
    keys = ("first_class", "second_class", "third_class", "first_id", "second_id", "third_id")
    return {"value": {key: first[key] for key in keys if key in first}}


RUNNERS = {
    "domains": lambda authorizer, tenant: wxa.set_server_domains(authorizer, server_domains()) and {},
    "webview": _webview,
    "privacy": lambda authorizer, tenant: wxa.set_privacy(authorizer, privacy_settings(tenant)) and {},
    "category": _category,
}


def run(step: str, authorizer: Authorizer, tenant: Tenant) -> dict:
    """Make the WeChat call of ``step``; the step's new record (``done_at`` set unless something is missing)."""
    extra = RUNNERS[step](authorizer, tenant) or {}
    if extra.pop("missing", False):
        return {"done_at": None, "errcode": None, "error": str(HINTS["category"]), **extra}
    return {"done_at": utcnow().isoformat(), "errcode": None, "error": "", **extra}


def checklist(program) -> list[dict]:
    """Each step with whether it is done, for the page (a program not set up yet: all to do)."""
    setup = (program.setup if program else None) or {}
    return [{"step": step, "label": STEPS[step], "hint": HINTS[step], "done": bool(setup.get(step, {}).get("done_at")),
             "error": setup.get(step, {}).get("error", ""), "waiting": bool(setup.get(step, {}).get("waiting"))}
            for step in STEPS]


def complete(program) -> bool:
    return all(item["done"] for item in checklist(program))


def category_item(program) -> dict:
    return dict((program.setup or {}).get("category", {}).get("value") or {})
