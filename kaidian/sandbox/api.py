"""The api.weixin.qq.com side: thin JSON views over :mod:`component`, :mod:`menus` and :mod:`oauth`.

Endpoint names (for call counts and ``POST /sandbox/faults``) are given to ``wechat_endpoint``.
"""

from __future__ import annotations

import json
import threading

from flask import Blueprint, request

from kaidian.sandbox import component, menus, messages, oauth, template_messages
from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.faults import wechat_endpoint
from kaidian.sandbox.runtime import current_sandbox

bp = Blueprint("sandbox_api", __name__)


def _body() -> dict:
    """The JSON body (whatever the Content-Type, as WeChat reads it); 47001 when it is not an object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(47001) from None
    if not isinstance(body, dict):
        raise ApiError(47001)
    return body


def _component_token() -> str | None:
    """The component token: ``component_access_token`` on the older endpoints, ``access_token`` in the
    newer documentation of the same endpoints; WeChat accepts either name."""
    return request.args.get("component_access_token") or request.args.get("access_token")


@bp.post("/cgi-bin/component/api_start_push_ticket")
@wechat_endpoint("api_start_push_ticket")
def api_start_push_ticket():
    sandbox = current_sandbox()
    component.check_component_secret(sandbox.config, _body(), "component_secret")
    threading.Thread(target=component.issue_ticket, args=(sandbox,), daemon=True).start()
    return {"errcode": 0, "errmsg": "ok"}


@bp.post("/cgi-bin/component/api_component_token")
@wechat_endpoint("api_component_token")
def api_component_token():
    return component.component_token(current_sandbox(), _body())


@bp.post("/cgi-bin/component/api_create_preauthcode")
@wechat_endpoint("api_create_preauthcode")
def api_create_preauthcode():
    return component.create_preauthcode(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/component/api_query_auth")
@wechat_endpoint("api_query_auth")
def api_query_auth():
    return component.query_auth(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/component/api_authorizer_token")
@wechat_endpoint("api_authorizer_token")
def api_authorizer_token():
    return component.authorizer_token(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/component/api_get_authorizer_info")
@wechat_endpoint("api_get_authorizer_info")
def api_get_authorizer_info():
    return component.get_authorizer_info(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/component/api_get_authorizer_list")
@wechat_endpoint("api_get_authorizer_list")
def api_get_authorizer_list():
    return component.get_authorizer_list(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/component/clear_quota")
@wechat_endpoint("component_clear_quota")
def component_clear_quota():
    return component.component_clear_quota(current_sandbox(), _component_token(), _body())


@bp.post("/cgi-bin/clear_quota")
@wechat_endpoint("clear_quota")
def clear_quota():
    return component.authorizer_clear_quota(current_sandbox(), request.args.get("access_token"), _body())


@bp.post("/cgi-bin/message/custom/send")
@wechat_endpoint("message_custom_send")
def message_custom_send():
    return messages.send_custom_message(current_sandbox(), request.args.get("access_token"), _body())


@bp.post("/cgi-bin/template/api_add_template")
@wechat_endpoint("api_add_template")
def api_add_template():
    return template_messages.add_template(current_sandbox(), request.args.get("access_token"), _body())


@bp.post("/cgi-bin/message/template/send")
@wechat_endpoint("message_template_send")
def message_template_send():
    return template_messages.send_template_message(current_sandbox(), request.args.get("access_token"), _body())


@bp.post("/cgi-bin/menu/create")
@wechat_endpoint("menu_create")
def menu_create():
    return menus.create_menu(current_sandbox(), request.args.get("access_token"), _body())


@bp.get("/cgi-bin/menu/get")
@wechat_endpoint("menu_get")
def menu_get():
    return menus.get_menu(current_sandbox(), request.args.get("access_token"))


@bp.get("/cgi-bin/menu/delete")
@wechat_endpoint("menu_delete")
def menu_delete():
    return menus.delete_menu(current_sandbox(), request.args.get("access_token"))


@bp.get("/sns/oauth2/component/access_token")
@wechat_endpoint("sns_component_access_token")
def sns_component_access_token():
    return oauth.exchange_code(current_sandbox(), request.args.to_dict())


@bp.get("/sns/userinfo")
@wechat_endpoint("sns_userinfo")
def sns_userinfo():
    return oauth.userinfo(current_sandbox(), request.args.to_dict())
