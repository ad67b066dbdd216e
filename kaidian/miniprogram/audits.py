"""WeChat's audit decisions reaching a submission: pushed events and polling, applied the same way.

* **Events** (``weapp_audit_success`` / ``weapp_audit_fail`` / ``weapp_audit_delay``, registered with the
  WeChat package's authorizer-event registry) carry no auditid: they concern the mini program's open
  review. One applies to the store's open submission of that appid only when its decision time is not
  older than the moment the submission was requested — an event about an earlier review (late, or
  replayed) finds nothing to change. A duplicate finds the submission already moved and changes nothing.
* **Polling** (:func:`reconcile`): a submission still under review with no event for
  ``MINIPROGRAM_RECONCILE_AFTER`` seconds asks ``get_latest_auditstatus`` (``get_auditstatus`` when the
  latest audit is another one) — events get lost, and polling can lag events: whichever comes first moves
  the submission, the other then changes nothing.
* An approval releases at once when the merchant chose automatic release.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants
from kaidian.platform.unit import unit
from kaidian.wechat.errors import WeChatError
from kaidian.wechat.models import Authorizer

from . import states, wxa
from .models import MiniProgram, Submission

log = logging.getLogger(__name__)

APPROVED, REJECTED, AUDITING, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4
STATUS: dict[int, str] = {APPROVED: "approved", REJECTED: "rejected", WITHDRAWN: "withdrawn", DELAYED: "delayed"}
STATUS_AFTER_SUBMIT = (APPROVED, REJECTED, AUDITING, DELAYED)  # what an adopted audit may be in
EVENTS: dict[str, int] = {"weapp_audit_success": APPROVED, "weapp_audit_fail": REJECTED, "weapp_audit_delay": DELAYED}
EVENT_TIME = {"weapp_audit_success": "SuccTime", "weapp_audit_fail": "FailTime", "weapp_audit_delay": "DelayTime"}
MAX_SCREENSHOTS = 10


def screenshots_of(answer: dict) -> list[str]:
    raw = answer.get("screenshot") or answer.get("ScreenShot") or ""
    return [item.strip()[:128] for item in str(raw).split("|") if item.strip()][:MAX_SCREENSHOTS]


def apply_status(submission: Submission, status: int, reason: str = "", screenshots: list[str] | None = None, *,
                 source: str) -> bool:
    """Move ``submission`` to WeChat's audit ``status`` if that is a move it can make; True when it moved."""
    to = STATUS.get(status)
    if to is None or to == submission.status or not states.can(submission, to):
        return False
    if to in ("rejected", "delayed"):
        submission.reason = (reason or "")[:2000]
    if to == "rejected":
        submission.screenshots = list(screenshots or [])
    if to in ("approved", "rejected"):
        submission.decided_at = utcnow()
    states.move(submission, to, detail=(f"{source}: {reason}" if reason else source)[:500])
    if to == "approved":
        _release_if_automatic(submission)
    return True


def _release_if_automatic(submission: Submission) -> None:
    program = db.session.execute(select(MiniProgram).where(MiniProgram.appid == submission.appid)).scalar_one_or_none()
    if program is not None and program.auto_release:
        start_release(submission, actor_id=None)


def start_release(submission: Submission, actor_id) -> None:
    """Approved → releasing, and the release job after the commit."""
    from .steps import job_options
    from .tasks import release_version

    states.move(submission, "releasing", actor_id=actor_id)
    jobs.enqueue(release_version, submission.tenant_id, submission.id, **job_options())


# --- events ---------------------------------------------------------------------------------------------


def open_submission(appid: str) -> Submission | None:
    return db.session.execute(
        select(Submission).where(Submission.appid == appid, Submission.auditid.is_not(None),
                                 Submission.status.in_(("auditing", "delayed", "withdrawing")))
        .order_by(Submission.requested_at.desc())).scalars().first()


def _event_time(message: dict) -> int:
    for name in (EVENT_TIME.get(message.get("Event", ""), ""), "CreateTime"):
        value = str(message.get(name) or "")
        if value.isdigit() and len(value) <= 12:
            return int(value)
    return 0


def on_audit_event(authorizer: Authorizer, message: dict) -> None:
    """A ``weapp_audit_*`` push for ``authorizer`` (its store is current). Idempotent; see the docstring."""
    status = EVENTS.get(message.get("Event", ""))
    if status is None:
        return None
    with unit():
        submission = open_submission(authorizer.appid)
        if submission is None:
            log.info("%s for %s: no review open (late or duplicate), nothing changes", message["Event"],
                     authorizer.appid)
            return None
        if _event_time(message) < int(submission.requested_at.timestamp()) - 1:
            log.info("%s for %s predates the open review: ignored", message["Event"], authorizer.appid)
            return None
        if apply_status(submission, status, str(message.get("Reason", "")), screenshots_of(message), source="event"):
            submission.last_event_at = utcnow()
    return None


# --- polling ---------------------------------------------------------------------------------------------


def due_for_reconcile(limit: int = 500) -> list[tuple]:
    """(tenant_id, id) of submissions under review that heard nothing for ``MINIPROGRAM_RECONCILE_AFTER``."""
    quiet = utcnow() - timedelta(seconds=int(current_app.config["MINIPROGRAM_RECONCILE_AFTER"]))
    heard = func.coalesce(Submission.last_event_at, Submission.submitted_at)
    with all_tenants():
        rows = db.session.execute(
            select(Submission.tenant_id, Submission.id)
            .where(Submission.status.in_(("auditing", "delayed")), Submission.auditid.is_not(None), heard < quiet,
                   (Submission.last_polled_at.is_(None)) | (Submission.last_polled_at < quiet))
            .order_by(Submission.submitted_at).limit(limit)).all()
    return [tuple(row) for row in rows]


def reconcile(submission: Submission, authorizer: Authorizer) -> bool:
    """Ask WeChat how the review of ``submission`` stands and apply it; True when it moved."""
    try:
        answer = wxa.latest_audit_status(authorizer)
        if int(answer.get("auditid") or 0) != submission.auditid:
            answer = wxa.audit_status(authorizer, submission.auditid)
    except WeChatError as error:
        log.warning("reconcile of %s failed: %s", submission.id, error)
        return False
    with unit():
        submission.last_polled_at = utcnow()
        return apply_status(submission, int(answer.get("status", AUDITING)), str(answer.get("reason", "")),
                            screenshots_of(answer), source="poll")
