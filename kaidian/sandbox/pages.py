"""The browser-facing pages WeChat shows: merchant authorization (mp.weixin.qq.com) and shopper OAuth
(open.weixin.qq.com).

For automated tests both can confirm without a form: ``sandbox_appid=<appid>`` (and optionally
``sandbox_funcs=1,15``) on the authorization page, ``sandbox_user=<id>`` on the OAuth page, and
``sandbox_snapshot=1`` to open the OAuth page as WeChat does in snapshot mode (a virtual user).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from kaidian.sandbox import component, oauth
from kaidian.sandbox.accounts import DEFAULT_SHOPPER, MINI_PROGRAM, func_sets_for, selectable_accounts
from kaidian.sandbox.errors import PageError
from kaidian.sandbox.faults import wechat_endpoint
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.urls import add_query

bp = Blueprint("sandbox_pages", __name__, template_folder="templates")

AUTH_FIELDS = ("component_appid", "pre_auth_code", "redirect_uri", "auth_type", "biz_appid")
OAUTH_FIELDS = ("appid", "redirect_uri", "response_type", "scope", "state", "component_appid")


def error_page(message: str, status: int = 400):
    return render_template("sandbox/error.html", message=message), status


def _account_view(account: dict, public_base: str) -> dict:
    if account["kind"] == MINI_PROGRAM:
        kind = "小程序"
    else:
        kind = "服务号" if account["service_type"] == 2 else "订阅号"
    return {
        "appid": account["appid"], "nick_name": account["nick_name"], "kind": kind,
        "verified": account["verify_type"] != -1, "principal_name": account["principal_name"],
        "head_img": f"{public_base}/sandbox/img/{account['appid']}.png",
        "func_sets": func_sets_for(account["kind"]),
    }


def _confirm(form: dict, func_ids: list):
    try:
        return redirect(component.confirm_authorization(current_sandbox(), form, func_ids), 302)
    except PageError as error:
        return error_page(error.message, error.status)


def _auto_funcs(args: dict) -> list:
    if args.get("sandbox_funcs"):
        return [item for item in args["sandbox_funcs"].split(",") if item.strip()]
    account = current_sandbox().state.read()["accounts"].get(args["sandbox_appid"])
    return [item["id"] for item in func_sets_for(account["kind"])] if account else []


@bp.get("/cgi-bin/componentloginpage")
@bp.get("/safe/bindcomponent")
@wechat_endpoint("componentloginpage")
def authorization_page():
    sandbox, args = current_sandbox(), request.args.to_dict()
    if args.get("sandbox_appid"):
        return _confirm({**args, "appid": args["sandbox_appid"]}, _auto_funcs(args))
    data = sandbox.state.read()
    problem = component.pre_auth_problem(sandbox, data, args.get("component_appid", ""),
                                         args.get("pre_auth_code", ""))
    if problem:
        return error_page(problem)
    offered = selectable_accounts(data["accounts"], args.get("auth_type", "3"), args.get("biz_appid", ""))
    views = [_account_view(account, sandbox.config["PUBLIC_BASE"]) for account in offered]
    fields = {name: args.get(name, "") for name in AUTH_FIELDS}
    return render_template("sandbox/authorize.html", accounts=views, fields=fields)


@bp.post("/sandbox/authorize")
def confirm_authorization():
    form = request.form.to_dict()
    appid = form.get("appid", "")
    return _confirm(form, request.form.getlist(f"func_{appid}") or request.form.getlist("func"))


def _shopper_views(public_base: str) -> list[dict]:
    shoppers = current_sandbox().state.read()["shoppers"]
    return [
        {"id": user_id, "nickname": shopper["nickname"], "city": shopper["city"],
         "headimgurl": f"{public_base}/sandbox/img/user-{user_id}.png"}
        for user_id, shopper in shoppers.items() if not user_id.startswith("custom-")
    ]


def _issue(args: dict, user_id: str, nickname: str = "", snapshot: bool = False):
    try:
        return redirect(oauth.issue_code(current_sandbox(), args, user_id, nickname, snapshot=snapshot), 302)
    except PageError as error:
        return error_page(error.message, error.status)


@bp.get("/connect/oauth2/authorize")
@wechat_endpoint("oauth2_authorize")
def oauth_page():
    sandbox, args = current_sandbox(), request.args.to_dict()
    data = sandbox.state.read()
    problem = oauth.authorize_problem(sandbox, data, args)
    if problem:
        return error_page(problem)
    if args.get("sandbox_snapshot") == "1":  # the page was opened in snapshot mode (from Moments)
        return _issue(args, DEFAULT_SHOPPER, snapshot=True)
    if args.get("sandbox_user") or args.get("scope") == "snsapi_base":
        return _issue(args, args.get("sandbox_user") or DEFAULT_SHOPPER)
    account = _account_view(data["accounts"][args["appid"]], sandbox.config["PUBLIC_BASE"])
    fields = {name: args.get(name, "") for name in OAUTH_FIELDS}
    shoppers = _shopper_views(sandbox.config["PUBLIC_BASE"])
    return render_template("sandbox/oauth.html", account=account, shoppers=shoppers, fields=fields)


@bp.post("/connect/oauth2/authorize")
def oauth_confirm():
    form = request.form.to_dict()
    if form.get("action") == "snapshot":
        return _issue(form, DEFAULT_SHOPPER, snapshot=True)
    if form.get("action") != "deny":
        return _issue(form, form.get("user") or DEFAULT_SHOPPER, form.get("nickname", ""))
    sandbox = current_sandbox()
    problem = oauth.authorize_problem(sandbox, sandbox.state.read(), form)
    if problem:
        return error_page(problem)
    return redirect(add_query(form["redirect_uri"], state=form.get("state", "")), 302)
