"""The ``/wxa/*`` endpoints (and the two privacy endpoints under ``/cgi-bin/component/``) over
:mod:`wxa` and :mod:`wxa_audit`, plus the sandbox's own levers for them under ``/sandbox/wxa/``.

Fault names for ``POST /sandbox/faults`` are WeChat's endpoint names (``commit``, ``submit_audit``,
``get_latest_auditstatus``, ``release``, ``revertcoderelease``, ``getversioninfo``, ``undocodeaudit``,
``modify_domain`` …; ``mode: "applied"`` does the call and then answers the fault's errcode — a lost
answer) and
``wxa.audit_event`` for the pushed audit events (``mode``: ``lose`` / ``duplicate``).
"""

from __future__ import annotations

import copy
import time

from flask import Blueprint, Response, jsonify, request

from kaidian.sandbox import wxa, wxa_audit
from kaidian.sandbox.accounts import MINI_PROGRAM
from kaidian.sandbox.api import _body, _component_token
from kaidian.sandbox.errors import ApiError, error_payload
from kaidian.sandbox.faults import wechat_endpoint
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import new_secret

bp = Blueprint("sandbox_wxa", __name__)

OK = {"errcode": 0, "errmsg": "ok"}
MAX_NEW_ACCOUNTS = 2000
PROGRAM_FUNCS = [17, 18, 19, 25, 30, 31]


def _token() -> str | None:
    return request.args.get("access_token")


# --- the template library (component token) ------------------------------------------------------------


@bp.get("/wxa/gettemplatedraftlist")
@wechat_endpoint("gettemplatedraftlist")
def gettemplatedraftlist():
    return wxa.draft_list(current_sandbox(), _component_token())


@bp.post("/wxa/addtotemplate")
@wechat_endpoint("addtotemplate")
def addtotemplate():
    return wxa.add_to_template(current_sandbox(), _component_token(), _body())


@bp.get("/wxa/gettemplatelist")
@wechat_endpoint("gettemplatelist")
def gettemplatelist():
    return wxa.template_list(current_sandbox(), _component_token(), request.args.get("template_type"))


@bp.post("/wxa/deletetemplate")
@wechat_endpoint("deletetemplate")
def deletetemplate():
    return wxa.delete_template(current_sandbox(), _component_token(), _body())


# --- an authorizer's code --------------------------------------------------------------------------------


@bp.post("/wxa/commit")
@wechat_endpoint("commit")
def commit():
    return wxa.commit(current_sandbox(), _token(), _body())


@bp.get("/wxa/get_page")
@wechat_endpoint("get_page")
def get_page():
    return wxa.pages(current_sandbox(), _token())


@bp.get("/wxa/get_category")
@wechat_endpoint("get_category")
def get_category():
    return wxa.categories(current_sandbox(), _token())


@bp.get("/wxa/get_qrcode")
@wechat_endpoint("get_qrcode")
def get_qrcode():
    png = wxa.qrcode_png(current_sandbox(), _token(), request.args.get("path", ""))
    return Response(png, mimetype="image/png")


@bp.post("/wxa/modify_domain")
@wechat_endpoint("modify_domain")
def modify_domain():
    return wxa.modify_domain(current_sandbox(), _token(), _body())


@bp.post("/wxa/setwebviewdomain")
@wechat_endpoint("setwebviewdomain")
def setwebviewdomain():
    return wxa.set_webview_domain(current_sandbox(), _token(), _body())


@bp.post("/cgi-bin/component/setprivacysetting")
@wechat_endpoint("setprivacysetting")
def setprivacysetting():
    return wxa.set_privacy(current_sandbox(), _token(), _body())


@bp.post("/cgi-bin/component/getprivacysetting")
@wechat_endpoint("getprivacysetting")
def getprivacysetting():
    return wxa.get_privacy(current_sandbox(), _token())


# --- audit ------------------------------------------------------------------------------------------------


@bp.post("/wxa/submit_audit")
@wechat_endpoint("submit_audit")
def submit_audit():
    return wxa_audit.submit(current_sandbox(), _token(), _body())


@bp.post("/wxa/get_auditstatus")
@wechat_endpoint("get_auditstatus")
def get_auditstatus():
    return wxa_audit.audit_status(current_sandbox(), _token(), _body())


@bp.get("/wxa/get_latest_auditstatus")
@wechat_endpoint("get_latest_auditstatus")
def get_latest_auditstatus():
    return wxa_audit.latest_audit_status(current_sandbox(), _token())


@bp.get("/wxa/undocodeaudit")
@wechat_endpoint("undocodeaudit")
def undocodeaudit():
    return wxa_audit.undo(current_sandbox(), _token())


@bp.post("/wxa/release")
@wechat_endpoint("release")
def release():
    if not request.get_data(cache=True).strip():
        raise ApiError(44002)  # WeChat wants the body {}
    _body()
    return wxa_audit.release(current_sandbox(), _token())


@bp.get("/wxa/revertcoderelease")
@wechat_endpoint("revertcoderelease")
def revertcoderelease():
    return wxa_audit.revert(current_sandbox(), _token())


@bp.post("/wxa/getversioninfo")
@wechat_endpoint("getversioninfo")
def getversioninfo():
    if not request.get_data(cache=True).strip():
        raise ApiError(44002)  # WeChat wants the body {}
    _body()
    return wxa_audit.version_info(current_sandbox(), _token())


@bp.post("/cgi-bin/material/get_material")
@wechat_endpoint("get_material")
def get_material():
    return Response(wxa_audit.material(current_sandbox(), _token(), _body()), mimetype="image/png")


# --- the sandbox's levers ------------------------------------------------------------------------------


def _params() -> dict:
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


def _answer(call):
    try:
        return jsonify({**OK, **call()})
    except ApiError as error:
        return jsonify(error.payload()), 400


@bp.post("/sandbox/wxa/drafts")
def add_draft():
    """A new draft in the template drafts box, as if uploaded from WeChat's developer tools."""
    params = _params()
    return _answer(lambda: {"draft": wxa.add_draft(current_sandbox(), params.get("user_version") or "1.0.0",
                                                   params.get("user_desc") or "")})


@bp.post("/sandbox/wxa/audit_rules")
def audit_rules():
    """``{rules: [{field, contains, action, reason}]}`` replaces the review's rules (``[]``: approve all)."""
    return _answer(lambda: {"rules": wxa_audit.set_rules(current_sandbox(), _params().get("rules"))})


@bp.post("/sandbox/wxa/decide")
def decide():
    """``{appid, auditid?, outcome: approve|reject|delay|auto, reason?}``: decide an audit now."""
    params = _params()
    try:
        auditid = int(params["auditid"]) if params.get("auditid") else None
    except (TypeError, ValueError):
        return jsonify(error_payload(47001, "auditid must be an integer")), 400
    return _answer(lambda: wxa_audit.decide(current_sandbox(), str(params.get("appid", "")), auditid,
                                            str(params.get("outcome") or "auto"), str(params.get("reason") or "")))


@bp.get("/sandbox/wxa/programs/<appid>")
def program_state(appid: str):
    data = current_sandbox().state.read()
    return jsonify({**OK, "program": wxa.wxa(data)["programs"].get(appid)})


@bp.post("/sandbox/wxa/accounts")
def add_accounts():
    """``{count, prefix}``: that many mini programs, already authorized to the component (benchmarks and
    demos): ``[{appid, user_name, refresh_token}]``."""
    params = _params()
    try:
        count = int(params.get("count", 1))
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_NEW_ACCOUNTS:
        return jsonify(error_payload(47001, f"count must be 1..{MAX_NEW_ACCOUNTS}")), 400
    prefix = "".join(ch for ch in str(params.get("prefix") or "b") if ch.isalnum())[:4].lower() or "b"
    made = []
    with current_sandbox().state.transaction() as data:
        for number in range(count):
            random_part = new_secret(size=12).lower()[:14 - len(prefix)]
            made.append(_new_program(data, f"wx{prefix}{random_part}{number:02x}"[:18]))
    return jsonify({**OK, "accounts": made})


def _new_program(data: dict, appid: str) -> dict:
    user_name = f"gh_{appid[2:14]}"
    data["accounts"][appid] = {
        "appid": appid, "kind": MINI_PROGRAM, "user_name": user_name, "nick_name": f"小程序 {appid[-6:]}",
        "alias": "", "principal_name": "基准测试有限公司", "signature": "", "service_type": 0, "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "mini_program_info": {"network": {"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [],
                                          "DownloadDomain": []},
                              "categories": [{"first": "商家自营", "second": "服装/鞋/箱包"}], "visit_status": 0},
        "color": [87, 107, 149],
    }
    refresh_token = new_secret("refreshtoken@@@")
    data["authorizers"][appid] = {"access_tokens": {}, "revoked": False, "func_ids": copy.copy(PROGRAM_FUNCS),
                                  "authorized_at": time.time(), "refresh_token": refresh_token}
    return {"appid": appid, "user_name": user_name, "refresh_token": refresh_token}
