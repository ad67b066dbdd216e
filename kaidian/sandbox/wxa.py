"""Mini-program code management as WeChat's ``/wxa/*`` endpoints answer it (third-party platform mode).

* **Template library** (component token): drafts uploaded from the developer tools
  (``gettemplatedraftlist``; ``POST /sandbox/wxa/drafts`` adds one, as an upload from the IDE would),
  ``addtotemplate {draft_id, template_type}``, ``gettemplatelist?template_type=``,
  ``deletetemplate {template_id}`` — 85064 for an unknown template, 85065 past ``MAX_TEMPLATES`` (200).
* **An authorizer's code** (authorizer token, permission set 18): ``commit {template_id, ext_json (a JSON
  *string*), user_version, user_desc}`` makes the trial version (85014 unknown template, 85013 an
  ``ext_json`` that is not a JSON object string or names another ``extAppid``); ``get_page``;
  ``get_category``; ``get_qrcode?path=`` answers a real PNG of the trial version's QR code.
* **Setup**: ``modify_domain {action: set|add|delete|get, requestdomain[], wsrequestdomain[], uploaddomain[],
  downloaddomain[]}`` (85015 a domain that is not https/wss, or not under the component's server domains
  ``WXA_SERVER_DOMAINS``), ``setwebviewdomain {action, webviewdomain[]}`` (89021 a domain not under the
  component's business domains ``WXA_WEBVIEW_DOMAINS``), ``setprivacysetting`` / ``getprivacysetting``
  (``/cgi-bin/component/…``, authorizer token).

Submission, audit decisions, events, withdraw and release live in :mod:`kaidian.sandbox.wxa_audit`. All
of it sits in ``state["wxa"]``: ``drafts``, ``templates``, and ``programs[appid]`` per mini program.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote, urlsplit

from kaidian.sandbox.accounts import MINI_PROGRAM
from kaidian.sandbox.component import require_authorizer_token, require_component
from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.state import now

DEV_FUNC_ID = 18  # 开发管理与数据分析权限: code management and audit
MAX_TEMPLATES = 200  # per template library (ordinary / standard)
TEMPLATE_TYPES = (0, 1)  # 0 ordinary, 1 standard
DOMAIN_KINDS = {"requestdomain": "https", "wsrequestdomain": "wss", "uploaddomain": "https",
                "downloaddomain": "https"}
DOMAIN_ACTIONS = ("set", "add", "delete", "get")
MAX_DOMAINS = 200
MAX_EXT_JSON = 65536
TEMPLATE_PAGES = ["pages/index/index", "pages/login/login", "pages/webview/webview", "pages/pay/pay"]
PRIVACY_KEYS = {"UserInfo", "Location", "Address", "Invoice", "RunData", "Record", "Album", "Camera",
                "PhoneNumber", "Contact", "DeviceInfo", "EXIDNumber", "EXOrderInfo", "EXUserPublishContent",
                "EXUserFollowAcct", "EXUserOpLog", "AlbumWriteOnly", "LicensePlate", "BlueTooth",
                "CalendarWriteOnly", "Email", "MessageFile", "ChooseLocation", "Accelerometer", "Compass",
                "DeviceMotion", "Gyroscope", "Clipboard"}


def fresh_wxa() -> dict:
    """The part of the sandbox state this module owns (two drafts waiting, as after a first upload)."""
    return {
        "drafts": [_draft(1, "1.0.0", "开店小程序模板 首个版本"), _draft(2, "1.1.0", "开店小程序模板 支付与登录")],
        "draft_seq": 2, "templates": {}, "template_seq": 100, "programs": {}, "audit_seq": 400000000,
        "audit_rules": [], "media": {},
    }


def _draft(draft_id: int, version: str, desc: str) -> dict:
    return {"draft_id": draft_id, "user_version": version, "user_desc": desc, "create_time": int(now()),
            "source_miniprogram_appid": "wxsandboxtemplate001", "source_miniprogram": "开店模板开发小程序",
            "developer": "kaidian-dev", "pages": list(TEMPLATE_PAGES)}


def wxa(data: dict) -> dict:
    return data.setdefault("wxa", fresh_wxa())


def program(data: dict, appid: str) -> dict:
    """The mini program's code-management record (made on first use)."""
    return wxa(data)["programs"].setdefault(appid, {
        "domains": {kind: [] for kind in DOMAIN_KINDS}, "webviewdomain": [], "privacy": None,
        "commit": None, "audits": {}, "latest_auditid": None, "release": None,
        "previous_release": None, "undo": {},
    })


def require_program(data: dict, token: str | None) -> tuple[str, dict]:
    """(appid, its record) for an authorizer token of a mini program granted permission set 18."""
    appid, auth = require_authorizer_token(data, token)
    if data["accounts"].get(appid, {}).get("kind") != MINI_PROGRAM:
        raise ApiError(86000, "should be called only from third party")  # not a mini program
    if DEV_FUNC_ID not in auth["func_ids"]:
        raise ApiError(48001)
    return appid, program(data, appid)


# --- the template library (component token) ------------------------------------------------------------


def draft_list(sb, token: str | None) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, sb.config["COMPONENT_APPID"])
        drafts = [{k: v for k, v in d.items() if k != "pages"} for d in wxa(data)["drafts"]]
    return {"errcode": 0, "errmsg": "ok", "draft_list": drafts}


def add_draft(sb, user_version: str, user_desc: str) -> dict:
    """A developer uploaded a new version from the IDE to the platform's development mini program."""
    with sb.state.transaction() as data:
        store = wxa(data)
        store["draft_seq"] += 1
        draft = _draft(store["draft_seq"], str(user_version)[:64], str(user_desc)[:200])
        store["drafts"].append(draft)
    return draft


def add_to_template(sb, token: str | None, body: dict) -> dict:
    template_type = _int(body.get("template_type", 0), 40097)
    if template_type not in TEMPLATE_TYPES:
        raise ApiError(40097)
    with sb.state.transaction() as data:
        require_component(sb, data, token, sb.config["COMPONENT_APPID"])
        store = wxa(data)
        draft_id = _int(body.get("draft_id"), 85064)
        draft = next((d for d in store["drafts"] if d["draft_id"] == draft_id), None)
        if draft is None:
            raise ApiError(85064, "template not found")
        if sum(1 for t in store["templates"].values() if t["template_type"] == template_type) >= MAX_TEMPLATES:
            raise ApiError(85065, "template list is full")
        store["template_seq"] += 1
        template_id = store["template_seq"]
        store["templates"][str(template_id)] = {
            "template_id": template_id, "template_type": template_type, "user_version": draft["user_version"],
            "user_desc": draft["user_desc"], "create_time": int(now()), "draft_id": draft_id,
            "source_miniprogram_appid": draft["source_miniprogram_appid"],
            "source_miniprogram": draft["source_miniprogram"], "developer": draft["developer"],
            "pages": draft["pages"], "category_list": [], "audit_status": 0, "reason": "",
        }
    return {"errcode": 0, "errmsg": "ok"}


def template_list(sb, token: str | None, template_type: str | None) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, sb.config["COMPONENT_APPID"])
        rows = list(wxa(data)["templates"].values())
    if template_type not in (None, ""):
        wanted = _int(template_type, 40097)
        rows = [row for row in rows if row["template_type"] == wanted]
    listed = [{k: v for k, v in row.items() if k not in ("pages", "draft_id")} for row in rows]
    return {"errcode": 0, "errmsg": "ok", "template_list": listed}


def delete_template(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, sb.config["COMPONENT_APPID"])
        key = str(_int(body.get("template_id"), 85064))
        if wxa(data)["templates"].pop(key, None) is None:
            raise ApiError(85064, "template not found")
    return {"errcode": 0, "errmsg": "ok"}


def _int(value, errcode: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(errcode) from None
    if isinstance(value, bool) or not -2**31 <= number < 2**31:
        raise ApiError(errcode)
    return number


# --- an authorizer's code ---------------------------------------------------------------------------


def _ext_json(raw, appid: str) -> dict:
    if not isinstance(raw, str) or len(raw) > MAX_EXT_JSON:
        raise ApiError(85013, "invalid custom config")
    try:
        ext = json.loads(raw)
    except ValueError:
        raise ApiError(85013, "invalid custom config") from None
    if not isinstance(ext, dict) or ext.get("extAppid", appid) != appid:
        raise ApiError(85013, "invalid custom config")
    return ext


def commit(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        appid, record = require_program(data, token)
        template = wxa(data)["templates"].get(str(body.get("template_id", "")))
        if template is None:
            raise ApiError(85014, "invalid template id")
        _ext_json(body.get("ext_json", "{}"), appid)
        version, desc = body.get("user_version"), body.get("user_desc", "")
        if not isinstance(version, str) or not version or len(version) > 64 or not isinstance(desc, str):
            raise ApiError(47001)
        record["commit"] = {"template_id": template["template_id"], "ext_json": body.get("ext_json", "{}"),
                            "user_version": version, "user_desc": desc[:500], "at": now(),
                            "pages": template["pages"]}
    return {"errcode": 0, "errmsg": "ok"}


def pages(sb, token: str | None) -> dict:
    data = sb.state.read()
    _appid, record = require_program(data, token)
    if record["commit"] is None:
        raise ApiError(86001, "no code committed")
    return {"errcode": 0, "errmsg": "ok", "page_list": list(record["commit"]["pages"])}


def categories(sb, token: str | None) -> dict:
    data = sb.state.read()
    appid, _record = require_program(data, token)
    rows = data["accounts"][appid].get("mini_program_info", {}).get("categories", [])
    listed = []
    for index, row in enumerate(rows, start=1):
        listed.append({"first_class": row["first"], "second_class": row["second"],
                       "first_id": 100 + index, "second_id": 1000 + index})
    return {"errcode": 0, "errmsg": "ok", "category_list": listed}


def qrcode_png(sb, token: str | None, path: str) -> bytes:
    """The trial version's QR code (a real PNG): what a tester scans with WeChat."""
    import segno

    data = sb.state.read()
    appid, record = require_program(data, token)
    if record["commit"] is None:
        raise ApiError(86001, "no code committed")
    target = (f"https://open.weixin.qq.com/sns/getexpappinfo?appid={appid}"
              f"&path={quote(path or '', safe='')}#wechat-redirect")
    out = io.BytesIO()
    segno.make(target, error="m").save(out, kind="png", scale=4)
    return out.getvalue()


# --- setup: server domains, web-view domains, privacy ----------------------------------------------------


def _allowed(host: str, allowed: str) -> bool:
    names = [name.strip().lower() for name in allowed.split(",") if name.strip()]
    return any(host == name or host.endswith("." + name) for name in names)


def _check_domain(url, scheme: str, allowed: str, errcode: int) -> str:
    if not isinstance(url, str) or len(url) > 256:
        raise ApiError(errcode)
    parts = urlsplit(url)
    if parts.scheme != scheme or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ApiError(errcode)
    if not _allowed(parts.hostname, allowed):
        raise ApiError(errcode)
    return f"{scheme}://{parts.netloc.lower()}"


def _domain_lists(body: dict, allowed: str) -> dict[str, list[str]]:
    lists = {}
    for kind, scheme in DOMAIN_KINDS.items():
        values = body.get(kind, [])
        if not isinstance(values, list) or len(values) > MAX_DOMAINS:
            raise ApiError(47001)
        lists[kind] = [_check_domain(value, scheme, allowed, 85015) for value in values]
    return lists


def _apply(current: list[str], values: list[str], action: str) -> list[str]:
    if action == "set":
        return list(dict.fromkeys(values))
    if action == "add":
        return list(dict.fromkeys(current + values))
    if action == "delete":
        return [value for value in current if value not in values]
    return current


def modify_domain(sb, token: str | None, body: dict) -> dict:
    action = body.get("action", "get")
    if action not in DOMAIN_ACTIONS:
        raise ApiError(40097)
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        if action != "get":
            lists = _domain_lists(body, sb.config["WXA_SERVER_DOMAINS"])
            for kind in DOMAIN_KINDS:
                record["domains"][kind] = _apply(record["domains"][kind], lists[kind], action)
        current = {kind: list(values) for kind, values in record["domains"].items()}
    return {"errcode": 0, "errmsg": "ok", **current}


def set_webview_domain(sb, token: str | None, body: dict) -> dict:
    action = body.get("action", "get")
    if action not in DOMAIN_ACTIONS:
        raise ApiError(40097)
    values = body.get("webviewdomain", [])
    if not isinstance(values, list) or len(values) > MAX_DOMAINS:
        raise ApiError(47001)
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        if action == "get":
            return {"errcode": 0, "errmsg": "ok", "webviewdomain": list(record["webviewdomain"])}
        checked = [_check_domain(value, "https", sb.config["WXA_WEBVIEW_DOMAINS"], 89021) for value in values]
        updated = _apply(record["webviewdomain"], checked, action)
        if updated == record["webviewdomain"] and action == "set":
            raise ApiError(89019, "webview domain not change")
        record["webviewdomain"] = updated
    return {"errcode": 0, "errmsg": "ok"}


def _privacy_settings(body: dict) -> dict:
    owner, settings = body.get("owner_setting"), body.get("setting_list", [])
    if not isinstance(owner, dict) or not isinstance(settings, list):
        raise ApiError(47001)
    if not (owner.get("contact_email") or owner.get("contact_phone") or owner.get("contact_weixin")):
        raise ApiError(47001, "owner_setting needs a contact")
    if not isinstance(owner.get("notice_method"), str) or not owner["notice_method"]:
        raise ApiError(47001, "owner_setting.notice_method is required")
    for item in settings:
        if not isinstance(item, dict) or item.get("privacy_key") not in PRIVACY_KEYS \
                or not isinstance(item.get("privacy_text"), str) or not item["privacy_text"]:
            raise ApiError(47001, "invalid setting_list")
    return {"owner_setting": owner, "setting_list": settings, "update_time": int(now()),
            "privacy_ver": _int(body.get("privacy_ver", 2), 47001)}


def set_privacy(sb, token: str | None, body: dict) -> dict:
    settings = _privacy_settings(body)
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        record["privacy"] = settings
    return {"errcode": 0, "errmsg": "ok"}


def get_privacy(sb, token: str | None) -> dict:
    data = sb.state.read()
    _appid, record = require_program(data, token)
    privacy = record["privacy"] or {"owner_setting": {}, "setting_list": [], "update_time": 0}
    return {"errcode": 0, "errmsg": "ok", "code_exist": int(record["commit"] is not None),
            "privacy_list": [item["privacy_key"] for item in privacy["setting_list"]],
            "setting_list": privacy["setting_list"], "update_time": privacy["update_time"],
            "owner_setting": privacy["owner_setting"]}
