"""An SMS gateway stand-in: ``POST /sandbox/sms/send`` records a text message to a mainland mobile
number, ``GET /sandbox/sms/inbox?mobile=…`` gives the last ones sent to it (newest last), so tests and a
developer can read the login code a store sent. Nothing leaves the machine."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import now

bp = Blueprint("sandbox_sms", __name__)

MAX_SMS = 200  # kept in all
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_TEXT = 500


@bp.post("/sandbox/sms/send")
def send():
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    mobile, text = body.get("mobile"), body.get("text")
    if not isinstance(mobile, str) or not MOBILE.match(mobile):
        return jsonify({"ok": False, "error": "invalid mobile"}), 400
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        return jsonify({"ok": False, "error": "invalid text"}), 400
    with current_sandbox().state.transaction() as data:
        messages = data.setdefault("sms", [])
        messages.append({"mobile": mobile, "text": text, "sign": str(body.get("sign", ""))[:40], "at": now()})
        del messages[:-MAX_SMS]
    return jsonify({"ok": True})


@bp.get("/sandbox/sms/inbox")
def inbox():
    mobile = request.args.get("mobile", "")
    messages = [m for m in current_sandbox().state.read().get("sms", []) if m["mobile"] == mobile]
    return jsonify({"mobile": mobile, "messages": messages[-20:]})
