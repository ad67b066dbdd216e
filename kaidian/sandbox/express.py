"""A stand-in for a parcel-tracking service (快递查询): ``GET /sandbox/express/trace?carrier=&no=``.

The first query of a (carrier, number) starts its parcel's clock; from then on the trace gains a step
every ``EXPRESS_STEP_SECONDS`` (picked up, at the origin hub, on its way, at the destination hub, out for
delivery, signed for) — so a shopper watching an order sees it move. ``POST /sandbox/express/advance
{carrier, no, steps}`` moves a parcel's clock forward by whole steps (tests, demos). Answers
``{"carrier", "no", "state", "traces": [{time, text}, …]}`` newest first, as tracking services do;
times are ``YYYY-MM-DD HH:MM:SS`` in China time. The platform's client is ``kaidian/platform/shipping_trace.py``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify, request

from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import now

bp = Blueprint("sandbox_express", __name__)

CARRIERS = {"SF": "顺丰速运", "ZTO": "中通快递", "YTO": "圆通速递", "YD": "韵达快递", "STO": "申通快递",
            "JD": "京东物流", "EMS": "中国邮政EMS"}
CITIES = ("上海市", "杭州市", "广州市", "深圳市", "北京市", "成都市", "武汉市", "南京市", "西安市", "厦门市")
TRACKING_NO = re.compile(r"[A-Za-z0-9-]{4,40}")
CHINA = timedelta(hours=8)
STEPS = (
    "【{origin}】{carrier}已揽收，揽收员：李师傅",
    "快件已到达【{origin}转运中心】",
    "快件已从【{origin}转运中心】发出，正在发往【{dest}转运中心】",
    "快件已到达【{dest}转运中心】",
    "【{dest}】快件正在派送中，派送员：王师傅，电话：138****0000",
    "快件已签收，签收人：本人。感谢使用{carrier}，期待再次为您服务",
)
STATES = ("collected", "in_transit", "in_transit", "in_transit", "delivering", "signed")


def _cities(no: str) -> tuple[str, str]:
    digest = hashlib.sha256(no.encode()).digest()
    origin = CITIES[digest[0] % len(CITIES)]
    dest = CITIES[(digest[0] + 1 + digest[1] % (len(CITIES) - 1)) % len(CITIES)]
    return origin, dest


def _checked_args(params) -> tuple[str, str] | None:
    carrier, no = str(params.get("carrier", "")).upper(), str(params.get("no", ""))
    if carrier not in CARRIERS or not TRACKING_NO.fullmatch(no):
        return None
    return carrier, no


def _bad_request():
    return jsonify({"error": "carrier must be one of " + ", ".join(CARRIERS) + " and no 4-40 letters or digits"}), 400


def trace(started_at: float, carrier: str, no: str, at: float, step_seconds: float) -> list[dict]:
    """The steps of parcel ``no`` reached at ``at`` (seconds), newest first."""
    origin, dest = _cities(no)
    reached = min(len(STEPS), 1 + int(max(0.0, at - started_at) // max(step_seconds, 1)))
    rows = []
    for index in range(reached):
        moment = datetime.fromtimestamp(started_at + index * step_seconds, UTC) + CHINA
        text = STEPS[index].format(origin=origin, dest=dest, carrier=CARRIERS[carrier])
        rows.append({"time": moment.strftime("%Y-%m-%d %H:%M:%S"), "text": text})
    return list(reversed(rows))


@bp.get("/sandbox/express/trace")
def express_trace():
    args = _checked_args(request.args)
    if args is None:
        return _bad_request()
    carrier, no = args
    sandbox = current_sandbox()
    with sandbox.state.transaction() as data:
        started_at = data["express"].setdefault(f"{carrier}:{no}", now())
    rows = trace(started_at, carrier, no, now(), sandbox.config["EXPRESS_STEP_SECONDS"])
    return jsonify({"carrier": carrier, "no": no, "state": STATES[len(rows) - 1], "traces": rows})


@bp.post("/sandbox/express/advance")
def express_advance():
    params = request.get_json(force=True, silent=True) or {}
    args = _checked_args(params)
    steps = params.get("steps", 1)
    if args is None or not isinstance(steps, int) or not 0 < steps <= len(STEPS):
        return _bad_request()
    sandbox = current_sandbox()
    key = "{}:{}".format(*args)
    with sandbox.state.transaction() as data:
        data["express"][key] = data["express"].get(key, now()) - steps * sandbox.config["EXPRESS_STEP_SECONDS"]
    return jsonify({"errcode": 0, "errmsg": "ok"})
