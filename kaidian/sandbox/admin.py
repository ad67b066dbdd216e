"""The sandbox's own controls under /sandbox/: a small console, state for tests, and test levers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from kaidian.sandbox import component, oauth, release_checks, template_messages
from kaidian.sandbox.errors import ApiError, error_payload
from kaidian.sandbox.images import colour_for, solid_png
from kaidian.sandbox.runtime import current_sandbox

bp = Blueprint("sandbox_admin", __name__, template_folder="templates")

OK = {"errcode": 0, "errmsg": "ok"}


def _from_form() -> bool:
    return request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")


def _params() -> dict:
    if _from_form():
        return request.form.to_dict()
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/sandbox")
@bp.get("/sandbox/")
def index():
    sandbox = current_sandbox()
    data = sandbox.state.read()
    rows = [
        {"appid": appid, "nick_name": data["accounts"][appid]["nick_name"], **auth}
        for appid, auth in data["authorizers"].items()
    ]
    pushes = list(reversed(data["pushes"][-20:]))
    return render_template("sandbox/index.html", settings=sandbox.config, authorizations=rows, pushes=pushes,
                           release_accounts=release_checks.RELEASE_TEST_ACCOUNTS)


@bp.get("/sandbox/state")
def state():
    return jsonify(current_sandbox().state.read())


@bp.post("/sandbox/reset")
def reset():
    current_sandbox().state.reset()
    return jsonify(OK)


@bp.post("/sandbox/push_ticket")
def push_ticket():
    ticket, push = component.issue_ticket(current_sandbox())
    if _from_form():
        return redirect(url_for("sandbox_admin.index"))
    return jsonify({**OK, "ticket": ticket, "push": push})


@bp.post("/sandbox/expire_tokens")
def expire_tokens():
    component.expire_tokens(current_sandbox())
    return jsonify(OK)


@bp.post("/sandbox/revoke")
def revoke_authorization():
    try:
        push = component.revoke(current_sandbox(), _params().get("appid"))
    except ApiError as error:
        return jsonify(error.payload())
    if _from_form():
        return redirect(url_for("sandbox_admin.index"))
    return jsonify({**OK, "push": push})


@bp.post("/sandbox/push_authorizer_event")
def push_authorizer_event():
    params = _params()
    sandbox = current_sandbox()
    known = params.get("appid") in sandbox.state.read()["accounts"]
    if not known or not isinstance(params.get("event"), dict):
        return jsonify(error_payload(47001, "appid of a sandbox account and an event object are required"))
    return jsonify({**OK, "push": sandbox.pusher.push_authorizer_event(params["appid"], params["event"])})


@bp.post("/sandbox/web_domains")
def web_domains():
    """``{appid, domains: [...]}``: the account's own web-authorization domains (for custom domains)."""
    params = _params()
    domains = params.get("domains")
    if isinstance(domains, str):
        domains = [item for item in domains.replace(",", " ").split()]
    if not isinstance(domains, list):
        return jsonify(error_payload(47001, "domains must be a list"))
    try:
        saved = oauth.set_web_domains(current_sandbox(), params.get("appid", ""), domains)
    except ApiError as error:
        return jsonify(error.payload())
    return jsonify({**OK, "domains": saved})


@bp.post("/sandbox/release_checks")
def run_release_checks():
    """Run WeChat's full-release (全网发布) checks against the platform for one test account."""
    appid = _params().get("appid") or release_checks.DEFAULT_APPID
    if appid not in release_checks.RELEASE_TEST_ACCOUNTS:
        return jsonify(error_payload(40013, "appid must be one of WeChat's full-release test accounts"))
    report = release_checks.run(current_sandbox(), appid)
    if _from_form():
        return render_template("sandbox/release_checks.html", report=report)
    return jsonify({**OK, **report})


@bp.get("/sandbox/template_messages")
def list_template_messages():
    """Template messages sent, newest first (``?appid=``, ``?openid=`` narrow it); HTML for a browser."""
    data = current_sandbox().state.read()
    rows = template_messages.sent(data, request.args.get("appid", ""), request.args.get("openid", ""))
    if request.accept_mimetypes.best == "text/html":
        return render_template("sandbox/template_messages.html", messages=rows, openid=request.args.get("openid", ""))
    return jsonify({**OK, "messages": rows})


@bp.post("/sandbox/template/finish")
def finish_template_message():
    """Push ``TEMPLATESENDJOBFINISH`` for ``{msgid, status}`` now (status: success by default)."""
    params = _params()
    try:
        msgid = int(params.get("msgid", ""))
        push = template_messages.finish(current_sandbox(), msgid, params.get("status") or "success")
    except ValueError:
        return jsonify(error_payload(47001, "msgid must be an integer"))
    except ApiError as error:
        return jsonify(error.payload())
    if _from_form():
        return redirect(url_for("sandbox_admin.list_template_messages"))
    return jsonify({**OK, "push": push})


def _image_colour(name: str) -> tuple[int, int, int]:
    data = current_sandbox().state.read()
    if name in data["accounts"]:
        return tuple(data["accounts"][name]["color"])
    shopper = data["shoppers"].get(name.removeprefix("user-"))
    if name.startswith("user-") and shopper:
        return tuple(shopper["color"])
    return colour_for(name)


@bp.get("/sandbox/img/<name>.png")
def image(name: str):
    response = Response(solid_png(*_image_colour(name)), mimetype="image/png")
    response.cache_control.max_age = 3600
    return response
