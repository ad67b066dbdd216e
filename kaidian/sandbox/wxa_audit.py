"""Mini-program review (代码审核) as WeChat runs it: submit, decisions, events, withdraw, release.

* ``submit_audit {item_list[≤5], version_desc?, …}`` (authorizer token) audits the committed trial version:
  ``{auditid}``. 86001 before any commit; 85009 while another audit is under review or delayed.
* **Decisions by rule** (``state["wxa"]["audit_rules"]``, set with ``POST /sandbox/wxa/audit_rules``):
  each rule ``{field: user_desc|ext_json|any, contains, action: reject|delay, reason}``; the first rule
  whose text occurs in the field decides, otherwise the audit is approved. A rejection carries the rule's
  reason and screenshot media ids (``a|b``), fetched with ``/cgi-bin/material/get_material``. A decision is
  taken ``WXA_AUDIT_SECONDS`` after the submission (0: only when asked, ``POST /sandbox/wxa/decide``); a
  delayed audit is decided again after another such wait (delay rules no longer apply).
* Each decision is pushed, encrypted, to the authorizer message URL: ``weapp_audit_success`` (``SuccTime``),
  ``weapp_audit_fail`` (``Reason``, ``FailTime``, ``ScreenShot``), ``weapp_audit_delay`` (``Reason``,
  ``DelayTime``). The fault lever ``wxa.audit_event`` takes ``mode``: ``lose`` (never sent) or
  ``duplicate`` (sent twice).
* ``get_auditstatus {auditid}`` / ``get_latest_auditstatus``: ``status`` 0 approved, 1 rejected (``reason``,
  ``screenshot``), 2 under review, 3 withdrawn, 4 delayed; 85012 for an unknown auditid.
* ``undocodeaudit``: withdraws the audit under review; ``WXA_UNDO_PER_DAY`` (5) a day and
  ``WXA_UNDO_PER_MONTH`` (10) a month, then 87013; 87012 (a sandbox choice) when nothing is under review.
* ``release`` with the body ``{}`` (an empty body is 44002): releases the approved version; 85019 with no
  approved audit, 85020 when the latest audit is not approved, 85052 when it is already released. The
  version it replaces is kept (``previous_release``) for a rollback.
* ``revertcoderelease`` (GET, no body): the previous release is online again, one step only — the version
  rolled back to cannot be rolled back in its turn; 87012 when there is no previous version (one release
  only, or already rolled back), as WeChat's docs list it (87011, a version released by gray release,
  does not arise here: the sandbox has no gray release).
* ``getversioninfo`` (POST, body ``{}``; an empty body is 44002): ``exp_info`` {exp_time, exp_version,
  exp_desc} — the committed trial version — and ``release_info`` {release_time, release_version,
  release_desc} — the version online, after releases and rollbacks (a rolled-back-to version keeps its own
  release time); each left out while there is none.
"""

from __future__ import annotations

import logging
import threading
import time

from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.faults import begin_call
from kaidian.sandbox.state import now
from kaidian.sandbox.wxa import program, require_program, wxa

log = logging.getLogger(__name__)

APPROVED, REJECTED, AUDITING, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4
OPEN = (AUDITING, DELAYED)
MAX_ITEMS = 5
RULE_FIELDS = ("user_desc", "ext_json", "any")
RULE_ACTIONS = ("reject", "delay")
MAX_RULES = 50
OUTCOMES = ("approve", "reject", "delay")


# --- submitting ---------------------------------------------------------------------------------------


def _items(body: dict) -> list:
    items = body.get("item_list", [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS or not all(isinstance(i, dict) for i in items):
        raise ApiError(47001)
    return items


def submit(sb, token: str | None, body: dict) -> dict:
    items = _items(body)
    with sb.state.transaction() as data:
        appid, record = require_program(data, token)
        if record["commit"] is None:
            raise ApiError(86001, "no code committed")
        latest = _latest(record)
        if latest is not None and latest["status"] in OPEN:
            raise ApiError(85009, "already has an audit under review")
        store = wxa(data)
        store["audit_seq"] += 1
        auditid = store["audit_seq"]
        commit = record["commit"]
        record["audits"][str(auditid)] = {
            "auditid": auditid, "status": AUDITING, "reason": "", "screenshot": "",
            "user_version": commit["user_version"], "user_desc": commit["user_desc"],
            "ext_json": commit["ext_json"], "template_id": commit["template_id"], "item_list": items,
            "version_desc": str(body.get("version_desc", ""))[:500], "submit_audit_time": int(now()),
            "released": False, "delayed_once": False,
        }
        record["latest_auditid"] = auditid
    _schedule(sb, appid, auditid)
    return {"errcode": 0, "errmsg": "ok", "auditid": auditid}


def _latest(record: dict) -> dict | None:
    auditid = record.get("latest_auditid")
    return record["audits"].get(str(auditid)) if auditid else None


def _schedule(sb, appid: str, auditid: int) -> None:
    delay = float(sb.config["WXA_AUDIT_SECONDS"])
    if delay > 0:
        timer = threading.Timer(delay, decide_quietly, args=(sb, appid, auditid))
        timer.daemon = True
        timer.start()


# --- status ---------------------------------------------------------------------------------------------


def _status_of(audit: dict) -> dict:
    return {"errcode": 0, "errmsg": "ok", "status": audit["status"], "reason": audit["reason"],
            "screenshot": audit["screenshot"]}


def audit_status(sb, token: str | None, body: dict) -> dict:
    data = sb.state.read()
    _appid, record = require_program(data, token)
    audit = record["audits"].get(str(body.get("auditid", "")))
    if audit is None:
        raise ApiError(85012, "invalid audit id")
    return _status_of(audit)


def latest_audit_status(sb, token: str | None) -> dict:
    data = sb.state.read()
    _appid, record = require_program(data, token)
    audit = _latest(record)
    if audit is None:
        raise ApiError(85012, "no audit")
    return {**_status_of(audit), "auditid": audit["auditid"], "user_version": audit["user_version"],
            "user_desc": audit["user_desc"], "submit_audit_time": audit["submit_audit_time"]}


# --- decisions ------------------------------------------------------------------------------------------


def set_rules(sb, rules) -> list[dict]:
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise ApiError(47001, "rules must be a list")
    checked = []
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("field", "any") not in RULE_FIELDS \
                or rule.get("action", "reject") not in RULE_ACTIONS \
                or not isinstance(rule.get("contains"), str) or not rule["contains"]:
            raise ApiError(47001, "each rule needs contains, field (user_desc|ext_json|any), action (reject|delay)")
        checked.append({"field": rule.get("field", "any"), "contains": rule["contains"],
                        "action": rule.get("action", "reject"),
                        "reason": str(rule.get("reason") or "小程序内容不符合规范")[:500]})
    with sb.state.transaction() as data:
        wxa(data)["audit_rules"] = checked
    return checked


def _by_rules(rules: list[dict], audit: dict) -> tuple[str, str]:
    for rule in rules:
        if rule["action"] == "delay" and audit["delayed_once"]:
            continue
        texts = {"user_desc": audit["user_desc"], "ext_json": audit["ext_json"]}
        fields = texts.values() if rule["field"] == "any" else [texts[rule["field"]]]
        if any(rule["contains"] in text for text in fields):
            return rule["action"], rule["reason"]
    return "approve", ""


def decide(sb, appid: str, auditid: int | None = None, outcome: str = "auto", reason: str = "") -> dict:
    """Decide the audit (by default the latest) now and push its event; the push entry (None when lost)."""
    if outcome not in (*OUTCOMES, "auto"):
        raise ApiError(47001, "outcome must be approve, reject, delay or auto")
    with sb.state.transaction() as data:
        record = program(data, appid)
        audit = record["audits"].get(str(auditid)) if auditid else _latest(record)
        if audit is None or audit["status"] not in OPEN:
            raise ApiError(85012, "no audit under review")
        if outcome == "auto":
            outcome, reason = _by_rules(wxa(data)["audit_rules"], audit)
        event = _apply(data, audit, outcome, reason or "小程序内容不符合规范")
    if outcome == "delay":
        _schedule(sb, appid, audit["auditid"])
    return {"auditid": audit["auditid"], "outcome": outcome, "push": push_event(sb, appid, event)}


def _apply(data: dict, audit: dict, outcome: str, reason: str) -> dict:
    at = int(now())
    if outcome == "approve":
        audit.update(status=APPROVED, reason="", screenshot="", decided_at=at)
        return {"Event": "weapp_audit_success", "SuccTime": str(at)}
    if outcome == "delay":
        audit.update(status=DELAYED, reason=reason, delayed_once=True)
        return {"Event": "weapp_audit_delay", "Reason": reason, "DelayTime": str(at)}
    shots = [f"sbshot{audit['auditid']}n{i}" for i in (1, 2)]
    for media_id in shots:
        wxa(data)["media"][media_id] = audit["auditid"]
    audit.update(status=REJECTED, reason=reason, screenshot="|".join(shots), decided_at=at)
    return {"Event": "weapp_audit_fail", "Reason": reason, "FailTime": str(at), "ScreenShot": audit["screenshot"]}


def push_event(sb, appid: str, event: dict) -> dict | None:
    """Push an audit event unless the ``wxa.audit_event`` fault loses it (or sends it twice)."""
    fault = begin_call(sb.state, "wxa.audit_event", {"appid": appid, **event}) or {}
    if fault.get("mode") == "lose":
        log.info("sandbox: audit event %s for %s lost on purpose", event["Event"], appid)
        return None
    entry = sb.pusher.push_authorizer_event(appid, event)
    if fault.get("mode") == "duplicate":
        entry = sb.pusher.push_authorizer_event(appid, event)
    return entry


def decide_quietly(sb, appid: str, auditid: int) -> None:
    """The automatic decision (a timer thread), unless the audit was decided or withdrawn meanwhile."""
    try:
        decide(sb, appid, auditid)
    except ApiError:
        return
    except Exception:  # a timer thread: nobody to raise to
        log.exception("sandbox audit decision for %s failed", appid)


# --- withdraw and release -------------------------------------------------------------------------------


def undo(sb, token: str | None) -> dict:
    day, month = time.strftime("%Y-%m-%d"), time.strftime("%Y-%m")
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        used = record["undo"]
        if used.get(day, 0) >= sb.config["WXA_UNDO_PER_DAY"] or used.get(month, 0) >= sb.config["WXA_UNDO_PER_MONTH"]:
            raise ApiError(87013, "no quota to undo code")
        audit = _latest(record)
        if audit is None or audit["status"] not in OPEN:
            raise ApiError(87012, "no audit under review to undo")
        audit["status"] = WITHDRAWN
        used[day], used[month] = used.get(day, 0) + 1, used.get(month, 0) + 1
    return {"errcode": 0, "errmsg": "ok"}


def release(sb, token: str | None) -> dict:
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        audit = _latest(record)
        approved = [a for a in record["audits"].values() if a["status"] == APPROVED]
        if not approved:
            raise ApiError(85019, "no audit version")
        if audit["status"] != APPROVED:
            raise ApiError(85020, "status not allowed to release")
        if audit["released"]:
            raise ApiError(85052, "app is already released")
        audit["released"] = True
        record["previous_release"] = record.get("release")
        record["release"] = {"auditid": audit["auditid"], "user_version": audit["user_version"],
                             "user_desc": audit["user_desc"], "template_id": audit["template_id"], "at": now()}
    return {"errcode": 0, "errmsg": "ok"}


def revert(sb, token: str | None) -> dict:
    with sb.state.transaction() as data:
        _appid, record = require_program(data, token)
        previous = record.get("previous_release")
        if not record.get("release") or not previous:
            raise ApiError(87012, "no previous version to revert to")
        record["reverted"] = record["release"]
        record["release"], record["previous_release"] = {**previous, "reverted_at": now()}, None
    return {"errcode": 0, "errmsg": "ok"}


def version_info(sb, token: str | None) -> dict:
    data = sb.state.read()
    _appid, record = require_program(data, token)
    answer = {"errcode": 0, "errmsg": "ok"}
    trial, online = record.get("commit"), record.get("release")
    if trial:
        answer["exp_info"] = {"exp_time": int(trial["at"]), "exp_version": trial["user_version"],
                              "exp_desc": trial["user_desc"]}
    if online:
        answer["release_info"] = {"release_time": int(online["at"]), "release_version": online["user_version"],
                                  "release_desc": online["user_desc"]}
    return answer


def material(sb, token: str | None, body: dict) -> bytes:
    """A rejection screenshot's image (``/cgi-bin/material/get_material {media_id}``)."""
    from kaidian.sandbox.images import colour_for, solid_png

    data = sb.state.read()
    require_program(data, token)
    media_id = body.get("media_id")
    if not isinstance(media_id, str) or media_id not in wxa(data)["media"]:
        raise ApiError(40007)
    return solid_png(*colour_for(media_id), size=120)
