"""An official account's custom menu: the default, WeChat's limits checked here, saving and publishing.

WeChat's rules (checked before any call, so a refused menu costs no quota): 1–3 top buttons; a top
button either is a leaf or has 1–5 sub-buttons; names at most 16 UTF-8 bytes on top and 60 below;
types ``view`` (``url``), ``click`` (``key`` ≤ 128 bytes) and ``miniprogram`` (``appid``, ``pagepath``
and a fallback ``url``); URLs http(s) and at most 1024 bytes. Only the fields of each type are kept.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import Conflict, ValidationFailed
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.sites import store_url
from kaidian.platform.unit import atomic

from . import tokens
from .errors import NotAuthorized, NotGranted, WeChatError, WeChatRefused
from .models import Authorizer, AuthorizerKind

TOP_BUTTONS, SUB_BUTTONS = 3, 5
NAME_BYTES = {"top": 16, "sub": 60}
KEY_BYTES, URL_BYTES = 128, 1024
TYPE_FIELDS = {"view": ("url",), "click": ("key",), "miniprogram": ("url", "appid", "pagepath")}
DEFAULT_PAGES = (("Home", "/"), ("Shop", "/products"), ("Me", "/member"))
MENU_NOT_GRANTED = _l("WeChat refused: the account has not granted Kaidian the “Custom menu” permission set. "
                      "Authorize the account again and tick that set, then publish.")


def default_menu(tenant: Tenant) -> dict:
    """首页 / 商城 / 我的 to the storefront, named in the merchant's language when the menu is created."""
    names = {"Home": _("Home"), "Shop": _("Shop"), "Me": _("Me")}
    return {"button": [{"type": "view", "name": names[label], "url": store_url(tenant, path)}
                       for label, path in DEFAULT_PAGES]}


def menu_of(authorizer: Authorizer, tenant: Tenant) -> dict:
    return authorizer.menu or default_menu(tenant)


# --- validation ----------------------------------------------------------------------------------


def _bytes(value) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def _check_url(value, field: str, errors: dict) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        errors[field] = [_l("Enter a web address starting with http:// or https://.")]
    elif _bytes(value) > URL_BYTES:
        errors[field] = [_l("A web address may have at most %(n)s bytes.", n=URL_BYTES)]


def _check_required(button: dict, fields: tuple[str, ...], prefix: str, errors: dict) -> None:
    for name in fields:
        if not str(button.get(name) or "").strip():
            errors[f"{prefix}.{name}"] = [_l("This field is required.")]


def _clean_leaf(button: dict, prefix: str, errors: dict) -> dict:
    kind = button.get("type")
    if kind not in TYPE_FIELDS:
        errors[f"{prefix}.type"] = [_l("Choose a web page, a click or a mini program.")]
        return {}
    _check_required(button, TYPE_FIELDS[kind], prefix, errors)
    if "url" in TYPE_FIELDS[kind] and button.get("url"):
        _check_url(button.get("url"), f"{prefix}.url", errors)
    if kind == "click" and _bytes(button.get("key")) > KEY_BYTES:
        errors[f"{prefix}.key"] = [_l("A key may have at most %(n)s bytes.", n=KEY_BYTES)]
    return {"type": kind, **{name: str(button.get(name) or "").strip() for name in TYPE_FIELDS[kind]}}


def _clean_name(button: dict, level: str, prefix: str, errors: dict) -> str:
    name = str(button.get("name") or "").strip()
    if not name:
        errors[f"{prefix}.name"] = [_l("Give the button a name.")]
    elif _bytes(name) > NAME_BYTES[level]:
        errors[f"{prefix}.name"] = [_l("The name is too long: at most %(n)s bytes (a Chinese character takes 3).",
                                       n=NAME_BYTES[level])]
    return name


def _clean_button(button, level: str, prefix: str, errors: dict) -> dict:
    if not isinstance(button, dict):
        errors[prefix] = [_l("Each button must be an object.")]
        return {}
    name = _clean_name(button, level, prefix, errors)
    subs = button.get("sub_button") or []
    if level == "sub" or not subs:
        return {"name": name, **_clean_leaf(button, prefix, errors)}
    if not isinstance(subs, list) or len(subs) > SUB_BUTTONS:
        errors[f"{prefix}.sub_button"] = [_l("A menu has 1 to %(n)s sub-buttons.", n=SUB_BUTTONS)]
        return {}
    cleaned = [_clean_button(sub, "sub", f"{prefix}.sub_button.{i}", errors) for i, sub in enumerate(subs)]
    return {"name": name, "sub_button": cleaned}


def validate(menu) -> dict:
    """The menu with only the allowed fields, or ValidationFailed naming each problem."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= TOP_BUTTONS:
        raise ValidationFailed(fields={"button": [_l("A menu has 1 to %(n)s top buttons.", n=TOP_BUTTONS)]})
    errors: dict = {}
    cleaned = [_clean_button(button, "top", f"button.{i}", errors) for i, button in enumerate(buttons)]
    if errors:
        raise ValidationFailed(fields=errors)
    return {"button": cleaned}


# --- saving and publishing -----------------------------------------------------------------------


def _require_official_account(authorizer: Authorizer) -> None:
    if authorizer.kind != AuthorizerKind.OFFICIAL_ACCOUNT:
        raise Conflict(_l("Only an official account has a custom menu."))


@atomic
def save(authorizer: Authorizer, menu) -> dict:
    _require_official_account(authorizer)
    authorizer.menu = validate(menu)
    return authorizer.menu


@atomic
def publish(authorizer: Authorizer, tenant: Tenant, menu=None) -> dict:
    """Validate ``menu`` (default: the saved draft, else the default menu), then ``menu/create`` for the
    account; the published menu becomes the draft."""
    _require_official_account(authorizer)
    menu = validate(menu_of(authorizer, tenant) if menu is None else menu)
    if not authorizer.is_bound:
        raise WeChatRefused.from_error(NotAuthorized(61003, "not bound", "menu_create"))
    try:
        tokens.client().authorizer_call(tokens.authorizer_token_getter(authorizer), "POST", "/cgi-bin/menu/create",
                                        body=menu, appid=authorizer.appid)
    except NotGranted as error:
        raise WeChatRefused(MENU_NOT_GRANTED, fields={"errcode": "48001"}, code="wechat_48001", status=409) from error
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    authorizer.menu, authorizer.menu_published_at = menu, utcnow()
    return menu


@atomic
def mark_published(authorizer: Authorizer, menu) -> dict:
    """Record ``menu`` as the account's published menu without calling WeChat: only for an account that
    already shows it (the sandbox's demo accounts are seeded with their menu; see ``wechat/demo.py``)."""
    _require_official_account(authorizer)
    authorizer.menu, authorizer.menu_published_at = validate(menu), utcnow()
    return authorizer.menu
