"""Fault injection and call recording for the emulated WeChat endpoints.

``POST /sandbox/faults {endpoint, errcode, count=1, latency_ms=0, http_status=200}`` makes the next
``count`` calls of ``endpoint`` wait ``latency_ms`` and then answer ``errcode`` (0: answer normally after
the wait). ``DELETE /sandbox/faults`` clears them all. WeChat Pay endpoints (``pay.*``, see ``pay.py``)
answer ``{"code": errmsg, …}`` with ``http_status`` instead of an errcode, and the notification lever
``pay.notify`` takes ``mode``: ``lose`` (never sent), ``duplicate`` (sent twice) or a ``latency_ms`` delay;
``pay.refund_result`` with ``mode=abnormal`` makes the next refund end ``ABNORMAL``. A WeChat endpoint's
fault with ``mode=applied`` does the call first and then answers the errcode (WeChat did it; the answer was
lost). With ``rate`` (0–1)
a fault hits each call with that probability instead (only the calls it hits use up ``count``), and the
endpoint ``*`` stands for every emulated endpoint without a fault of its own — "20 % of calls answer -1"
is ``{endpoint: "*", errcode: -1, rate: 0.2, count: 1000000}``. Every emulated
endpoint is wrapped by :func:`wechat_endpoint`, which also counts calls for ``GET /sandbox/state``.
"""

from __future__ import annotations

import functools
import random
import time

from flask import Blueprint, jsonify, request

from kaidian.sandbox.errors import ApiError, error_payload
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import MAX_CALLS, SandboxState, now

bp = Blueprint("sandbox_faults", __name__)

APPLIED = "applied"  # a fault's mode: the call is done, then answered with the fault (a lost answer)

MAX_LOGGED_CHARS = 300  # of each parameter in the call log (an ext_json need not be kept whole a thousand times)


def use_fault(data: dict, key: str) -> dict | None:
    """The fault set for exactly ``key`` with one of its uses consumed, or None (inside the caller's state
    transaction; no rate, no ``*``): the SMS emulators' faults by call and by number."""
    fault = data["faults"].get(key)
    if fault is None:
        return None
    fault["count"] -= 1
    if fault["count"] <= 0:
        del data["faults"][key]
    return dict(fault)


def begin_call(state: SandboxState, endpoint: str, params: dict) -> dict | None:
    """Count and log one call; return the fault to apply to it, if any (consuming one of its uses)."""
    with state.transaction() as data:
        data["call_counts"][endpoint] = data["call_counts"].get(endpoint, 0) + 1
        logged = {key: value[:MAX_LOGGED_CHARS] if isinstance(value, str) else value for key, value in params.items()}
        data["calls"].append({"endpoint": endpoint, "params": logged, "at": now()})
        del data["calls"][:-MAX_CALLS]
        key = endpoint if endpoint in data["faults"] else "*"
        fault = data["faults"].get(key)
        if fault is None or (fault.get("rate") and random.random() >= fault["rate"]):
            return None
        fault["count"] -= 1
        if fault["count"] <= 0:
            del data["faults"][key]
        return dict(fault)


def _request_params() -> dict:
    params = request.args.to_dict()
    if request.method != "POST":
        return params
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        params.update(request.form.to_dict())
    else:
        body = request.get_json(force=True, silent=True)
        params.update(body if isinstance(body, dict) else {})
    return params


def _fault_response(fault: dict):
    if fault.get("latency_ms"):
        time.sleep(fault["latency_ms"] / 1000)
    if not fault.get("errcode"):
        return None
    return jsonify(error_payload(fault["errcode"], fault.get("errmsg"))), fault.get("http_status", 200)


def wechat_endpoint(name: str):
    """Record the call, apply an injected fault, and turn ApiError / dict results into JSON."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            fault = begin_call(current_sandbox().state, name, _request_params())
            applied = bool(fault) and fault.get("mode") == APPLIED
            response = _fault_response(fault) if fault and not applied else None
            if response is not None:
                return response
            try:
                result = view(*args, **kwargs)
            except ApiError as error:
                return jsonify(error.payload())
            if applied:  # done, but the answer is lost: the caller sees the fault's errcode
                return _fault_response(fault) or (jsonify(result) if isinstance(result, dict) else result)
            return jsonify(result) if isinstance(result, dict) else result

        return wrapper

    return decorate


def _int_field(body: dict, name: str, default: int) -> int:
    try:
        return int(body.get(name, default))
    except (TypeError, ValueError):
        raise ApiError(47001, f"{name} must be an integer") from None


def _rate(body: dict) -> float:
    try:
        rate = float(body.get("rate") or 0)
    except (TypeError, ValueError):
        raise ApiError(47001, "rate must be a number") from None
    if not 0 <= rate <= 1:
        raise ApiError(47001, "rate must be between 0 and 1")
    return rate


@bp.post("/sandbox/faults")
def add_fault():
    body = request.get_json(force=True, silent=True) or {}
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return jsonify(error_payload(47001, "endpoint is required")), 400
    try:
        fault = {
            "errcode": _int_field(body, "errcode", 0),
            "count": max(1, _int_field(body, "count", 1)),
            "latency_ms": max(0, _int_field(body, "latency_ms", 0)),
            "http_status": _int_field(body, "http_status", 200),
            "errmsg": body.get("errmsg"),
            "mode": str(body.get("mode") or ""),  # "applied"; WeChat Pay: "lose", "duplicate", "abnormal"
            "rate": _rate(body),
        }
    except ApiError as error:
        return jsonify(error.payload()), 400
    with current_sandbox().state.transaction() as data:
        data["faults"][endpoint] = fault
    return jsonify({"errcode": 0, "errmsg": "ok", "fault": {"endpoint": endpoint, **fault}})


@bp.delete("/sandbox/faults")
def clear_faults():
    with current_sandbox().state.transaction() as data:
        data["faults"].clear()
    return jsonify({"errcode": 0, "errmsg": "ok"})


@bp.get("/sandbox/faults")
def list_faults():
    return jsonify({"faults": current_sandbox().state.read()["faults"]})
