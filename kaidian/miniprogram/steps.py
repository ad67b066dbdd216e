"""The WeChat steps of a store's mini program — commit, submit, release, withdraw, a setup step — as the
bodies of idempotent jobs (``tasks.py`` wraps them in the store's tenant context).

How a step stays correct when jobs run twice, fail half-way or die with their worker:

* **A lease.** A step first takes its row with one conditional UPDATE (the row is in the step's working
  status and nobody holds it, or the holder's ``lease_until`` has passed) that also counts the attempt,
  and commits *before* WeChat is called. Two copies of a job never call WeChat at once; a worker killed
  mid-call leaves a lease that expires (``MINIPROGRAM_LEASE_SECONDS``), after which the sweep
  (``tasks.sweep_miniprograms``) runs the step again.
* **Adopting a lost answer.** A submission taken for its second attempt or more may have reached WeChat
  the first time (the worker died after WeChat answered). It asks ``get_latest_auditstatus`` first and
  adopts that audit when it is the same code version (``user_version``), submitted after this submission
  was requested and not held by another submission of the store; WeChat's 85009 ("already under review")
  leads to the same check. So a store is never submitted twice for one request. A rollback refused with
  87012 ("nothing to roll back to") asks ``getversioninfo`` whether an earlier call already did it (the
  previous release online again) and then records it as done.
* **One retry policy** (:mod:`.policy`): a transient error comes back after a backoff, a quota or an
  unfinished privacy scan after a wait (a delayed job, and the sweep as a safety net), anything else stops
  with a message saying what to do.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.i18n import stored
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.tenancy import current_tenant_id
from kaidian.platform.unit import unit
from kaidian.wechat.errors import NotAuthorized, WeChatError
from kaidian.wechat.models import Authorizer, AuthorizerKind, AuthorizerStatus

from . import audits, policy, setup, states, wxa
from .errors import UnderReview
from .models import CodeVersion, MiniProgram, Submission, UpgradeItem

log = logging.getLogger(__name__)

QUEUE = "default"
HOME_PAGE = "pages/index/index"  # declared for review when the code lists no page


def lease_seconds() -> int:
    return int(current_app.config["MINIPROGRAM_LEASE_SECONDS"])


def job_options(delay: float = 0) -> dict:
    """How every step job is queued: its queue, a timeout within the lease, RQ's retry for crashes."""
    from rq import Retry

    return {"queue": QUEUE, "timeout": max(lease_seconds() - 5, 30), "retry": Retry(max=3, interval=[10, 60, 300]),
            "delay": delay}


# --- rows -----------------------------------------------------------------------------------------------


def authorizer_for(appid: str) -> Authorizer | None:
    """The current store's bound mini program ``appid`` (None when it was unbound meanwhile)."""
    return db.session.execute(select(Authorizer).where(
        Authorizer.appid == appid, Authorizer.kind == AuthorizerKind.MINI_PROGRAM,
        Authorizer.status == AuthorizerStatus.AUTHORIZED)).scalar_one_or_none()


def program_for(appid: str) -> MiniProgram | None:
    return db.session.execute(select(MiniProgram).where(MiniProgram.appid == appid)).scalar_one_or_none()


def take(model, row_id: uuid.UUID, statuses: tuple[str, ...]):
    """Lease the row for one attempt (committed at once); None when it is done or someone holds it."""
    now = utcnow()
    with unit():
        taken = db.session.execute(
            update(model).where(model.id == row_id, model.status.in_(statuses),
                                or_(model.lease_until.is_(None), model.lease_until < now))
            .values(lease_until=now + timedelta(seconds=lease_seconds()), attempts=model.attempts + 1, retry_at=None)
            .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None
    return db.session.get(model, (current_tenant_id(), row_id), populate_existing=True)


def _not_bound(endpoint: str) -> NotAuthorized:
    return NotAuthorized(61003, "the mini program is no longer bound to this store", endpoint)


def _bound(appid: str, endpoint: str):
    """The mini program's authorizer for a call to ``endpoint``, or the refusal an unbound one gets."""
    authorizer = authorizer_for(appid)
    if authorizer is None:
        raise _not_bound(endpoint)
    return authorizer


def failed(row, error: WeChatError, job, on_stop) -> str:
    """Record WeChat's refusal on ``row`` and act on it by the policy: come back later (``job`` queued with
    a delay) or stop (``on_stop(row)``). Releases the lease."""
    from . import tasks  # noqa: F401  (the jobs re-queued below live there)

    rule = policy.rule_for(error)
    with unit():
        row.lease_until, row.errcode, row.error = None, error.errcode, policy.describe(error)
        comes_back = rule.action == policy.Action.WAIT or (
            rule.action == policy.Action.RETRY and row.attempts < policy.max_attempts())
        if comes_back:
            delay = policy.wait_seconds(rule) if rule.action == policy.Action.WAIT else policy.retry_delay(row.attempts)
            row.retry_at = utcnow() + timedelta(seconds=delay)
            jobs.enqueue(job, row.tenant_id, row.id, **job_options(delay))
            log.info("mini program step %s waits %.0fs: %s", row.id, delay, error)
            return "waiting"
        row.retry_at = None
        on_stop(row)
    return "stopped"


# --- commit -----------------------------------------------------------------------------------------------


def commit(version_id: uuid.UUID) -> str:
    from .tasks import commit_version

    version = take(CodeVersion, version_id, ("committing",))
    if version is None:
        return "skipped"
    try:
        authorizer = _bound(version.appid, "commit")
        wxa.throttle()
        wxa.commit(authorizer, version.template_id, version.ext_json, version.user_version, version.user_desc)
    except WeChatError as error:
        return failed(version, error, commit_version, lambda row: states.move(row, "failed", detail=row.error))
    with unit():
        version.lease_until, version.errcode, version.error, version.committed_at = None, None, "", utcnow()
        states.move(version, "committed", detail=f"template {version.template_id}, {version.user_version}")
        submission = queue_submission(version) if version.submit_after else None
    return submit(submission.id) if submission is not None else "committed"


def queue_submission(version: CodeVersion, actor_id: uuid.UUID | None = None) -> Submission | None:
    """A submission of ``version`` (inside the caller's unit), or None when the store already has one open
    or has this template version submitted — then the version (and its bulk item) says so."""
    submission = Submission(tenant_id=version.tenant_id, version_id=version.id, appid=version.appid,
                            template_id=version.template_id, batch_item_id=version.batch_item_id,
                            requested_by=actor_id or version.created_by)
    try:
        with unit(savepoint=True):
            db.session.add(submission)
            db.session.flush()
            states.record(version.tenant_id, "submission", "submitting", subject_id=submission.id,
                          actor_id=submission.requested_by, detail=version.user_version)
    except IntegrityError:
        version.error = stored(UnderReview.message)
        if version.batch_item_id:
            states.move_item(db.session.get(UpgradeItem, version.batch_item_id), "failed", error=version.error)
        return None
    if version.batch_item_id:
        item = db.session.get(UpgradeItem, version.batch_item_id)
        if item is not None:
            item.submission_id = submission.id
    return submission


# --- submit -----------------------------------------------------------------------------------------------


def submit(submission_id: uuid.UUID) -> str:
    from .tasks import submit_version

    submission = take(Submission, submission_id, ("submitting",))
    if submission is None:
        return "skipped"
    version = db.session.get(CodeVersion, (submission.tenant_id, submission.version_id))
    try:
        authorizer = _bound(submission.appid, "submit_audit")
        if submission.attempts > 1 and adopt(submission, version, authorizer):
            return "adopted"
        auditid = _submit_audit(authorizer, submission, version)
    except WeChatError as error:
        if error.errcode == 85009 and authorizer is not None and adopt(submission, version, authorizer):
            return "adopted"
        return failed(submission, error, submit_version, lambda row: states.move(row, "failed", detail=row.error))
    with unit():
        _submitted(submission, auditid)
        states.move(submission, "auditing", detail=f"auditid {auditid}")
    return "submitted"


def _submit_audit(authorizer: Authorizer, submission: Submission, version: CodeVersion) -> int:
    program = program_for(submission.appid)
    wxa.throttle(2)
    page = next(iter(wxa.pages(authorizer)), HOME_PAGE)
    with force_locale(setup.WECHAT_LOCALE):  # read by WeChat's reviewers
        labels = {"tag": str(_l("Shop")), "title": str(_l("Home"))}
    item = {**(setup.category_item(program) if program else {}), "address": page, **labels}
    return wxa.submit_audit(authorizer, [item], version.user_desc)


def _submitted(submission: Submission, auditid: int) -> None:
    submission.auditid, submission.submitted_at = auditid, utcnow()
    submission.lease_until, submission.errcode, submission.error = None, None, ""


def adopt(submission: Submission, version: CodeVersion, authorizer: Authorizer) -> bool:
    """Take WeChat's latest audit as this submission's when an earlier attempt made it (see the docstring)."""
    try:
        latest = wxa.latest_audit_status(authorizer)
    except WeChatError as error:
        log.info("no latest audit to adopt for %s: %s", submission.id, error)
        return False
    auditid = int(latest.get("auditid") or 0)
    held = db.session.execute(select(Submission.id).where(Submission.auditid == auditid)).first()
    fresh = int(latest.get("submit_audit_time") or 0) >= int(submission.requested_at.timestamp()) - 1
    if not auditid or held or not fresh or latest.get("user_version") != version.user_version \
            or latest.get("status") not in audits.STATUS_AFTER_SUBMIT:
        return False
    with unit():
        _submitted(submission, auditid)
        states.move(submission, "auditing", detail=f"auditid {auditid} (adopted: an earlier attempt reached WeChat)")
        audits.apply_status(submission, int(latest["status"]), latest.get("reason", ""),
                            audits.screenshots_of(latest), source="poll")
    log.info("submission %s adopted audit %s", submission.id, auditid)
    return True


# --- release and withdraw ---------------------------------------------------------------------------------


ALREADY_RELEASED = 85052


def release(submission_id: uuid.UUID) -> str:
    from .tasks import release_version

    submission = take(Submission, submission_id, ("releasing",))
    if submission is None:
        return "skipped"
    try:
        authorizer = _bound(submission.appid, "release")
        wxa.throttle()
        wxa.release(authorizer)
    except WeChatError as error:
        if error.errcode != ALREADY_RELEASED or submission.attempts < 2:
            return failed(submission, error, release_version,
                          lambda row: states.move(row, "approved", detail=row.error))
    with unit():
        submission.lease_until, submission.errcode, submission.error = None, None, ""
        submission.released_at = utcnow()
        states.move(submission, "released")
    return "released"


def roll_back(submission_id: uuid.UUID) -> str:
    """``revertcoderelease``: the release before this one is online again. WeChat refusing (nothing to roll
    back to: 87011/87012, see the policy) leaves this release online, the message on it."""
    from .tasks import rollback_release

    submission = take(Submission, submission_id, ("rolling_back",))
    if submission is None:
        return "skipped"
    try:
        authorizer = _bound(submission.appid, "revertcoderelease")
        wxa.throttle()
        wxa.revert_release(authorizer)
    except WeChatError as error:
        if error.errcode == NOTHING_TO_ROLL_BACK and authorizer is not None \
                and _already_rolled_back(submission, authorizer):
            return "rolled_back"
        return failed(submission, error, rollback_release,
                      lambda row: states.move(row, "released", detail=row.error))
    with unit():
        submission.lease_until, submission.errcode, submission.error = None, None, ""
        states.move(submission, "rolled_back", detail=_rolled_back_to(submission))
    return "rolled_back"


NOTHING_TO_ROLL_BACK = 87012  # revertcoderelease: no previous version (see the policy)


def _previous_release(submission: Submission) -> tuple[Submission, CodeVersion] | None:
    """The release Kaidian made before ``submission`` (the one a rollback puts online again) and its version."""
    previous = db.session.execute(
        select(Submission).where(Submission.status == "released", Submission.id != submission.id,
                                 Submission.released_at < submission.released_at)
        .order_by(Submission.released_at.desc())).scalars().first()
    version = db.session.get(CodeVersion, (previous.tenant_id, previous.version_id)) if previous else None
    return (previous, version) if version is not None else None


def _rolled_back_to(submission: Submission) -> str:
    """Which version is online again, as far as Kaidian released it (``revertcoderelease`` does not say)."""
    found = _previous_release(submission)
    return f"→ {found[1].user_version} (auditid {found[0].auditid})" if found else ""


def _already_rolled_back(submission: Submission, authorizer: Authorizer) -> bool:
    """87012 on a rollback whose request may already have reached WeChat (an earlier attempt whose worker
    died before recording it, or the client's own retry after a lost answer within this attempt): WeChat
    goes back one step only, so the second call finds nothing to roll back to although the first one did
    it. Asks ``getversioninfo``: when the version online is the previous release's and no longer this
    one's, the rollback is recorded as done. Same version strings on both (nothing tells them apart) or
    no answer: the refusal stands."""
    found = _previous_release(submission)
    if found is None:
        return False
    previous, previous_version = found
    version = db.session.get(CodeVersion, (submission.tenant_id, submission.version_id))
    if version is None or version.user_version == previous_version.user_version:
        return False
    try:
        online = (wxa.version_info(authorizer).get("release_info") or {}).get("release_version")
    except WeChatError as error:
        log.info("no version info to reconcile the rollback of %s: %s", submission.id, error)
        return False
    if online != previous_version.user_version:
        return False
    with unit():
        submission.lease_until, submission.errcode, submission.error, submission.retry_at = None, None, "", None
        states.move(submission, "rolled_back",
                    detail=f"→ {previous_version.user_version} (auditid {previous.auditid}) "
                           "(found online at WeChat: an earlier call rolled it back)")
    log.info("rollback of %s found done at WeChat", submission.id)
    return True


def withdraw(submission_id: uuid.UUID) -> str:
    from .tasks import withdraw_submission

    submission = take(Submission, submission_id, ("withdrawing",))
    if submission is None:
        return "skipped"
    try:
        authorizer = _bound(submission.appid, "undocodeaudit")
        if submission.attempts > 1 and _already_withdrawn(submission, authorizer):
            return "withdrawn"
        wxa.throttle()
        wxa.undo_audit(authorizer)
    except WeChatError as error:
        return failed(submission, error, withdraw_submission, lambda row: _withdraw_refused(row, authorizer))
    with unit():
        submission.lease_until, submission.errcode, submission.error = None, None, ""
        states.move(submission, "withdrawn")
    return "withdrawn"


def _already_withdrawn(submission: Submission, authorizer: Authorizer) -> bool:
    answer = wxa.audit_status(authorizer, submission.auditid)
    if int(answer.get("status", -1)) != audits.WITHDRAWN:
        return False
    with unit():
        submission.lease_until = None
        states.move(submission, "withdrawn", detail="found withdrawn at WeChat")
    return True


def _withdraw_refused(submission: Submission, authorizer: Authorizer | None) -> None:
    """WeChat kept the audit (87013 quota…): back to what WeChat says it is, the message kept."""
    status = audits.AUDITING
    if authorizer is not None and submission.auditid:
        try:
            status = int(wxa.audit_status(authorizer, submission.auditid).get("status", status))
        except WeChatError:
            pass
    to = {audits.DELAYED: "delayed", audits.APPROVED: "approved", audits.REJECTED: "rejected"}.get(status, "auditing")
    states.move(submission, to, detail=submission.error)


# --- a setup step -------------------------------------------------------------------------------------------


def run_setup(program: MiniProgram, step: str, *, requeue: bool = True) -> tuple[str, float]:
    """Make the WeChat call of setup ``step`` for ``program`` and record the outcome on its checklist:
    (``done`` / ``stopped`` / ``waiting``, seconds to wait). A step that must wait is queued again after
    that wait when ``requeue`` (a bulk upgrade queues its whole store instead)."""
    from kaidian.platform.errors import AppError

    from .tasks import run_setup_step

    tenant = db.session.get(Tenant, program.tenant_id)
    delay = 0.0
    try:
        authorizer = _bound(program.appid, step)
        wxa.throttle()
        record = setup.run(step, authorizer, tenant)
    except AppError as error:
        record = {"done_at": None, "errcode": None, "error": stored(error.message)}
    except WeChatError as error:
        rule = policy.rule_for(error)
        record = {"done_at": None, "errcode": error.errcode, "error": policy.describe(error),
                  "waiting": rule.action != policy.Action.STOP}
        if record["waiting"]:
            delay = policy.wait_seconds(rule) if rule.action == policy.Action.WAIT else policy.retry_delay(1)
    with unit():
        _store_step(program, step, record)
        if record["done_at"]:
            states.record(program.tenant_id, "setup", step, detail=stored(setup.STEPS[step]))
        if record.get("waiting") and requeue:
            jobs.enqueue(run_setup_step, program.tenant_id, step, **job_options(delay))
    outcome = "done" if record["done_at"] else ("waiting" if record.get("waiting") else "stopped")
    return outcome, delay


def _store_step(program: MiniProgram, step: str, record: dict) -> None:
    program.setup = {**(program.setup or {}), step: record}
