"""What a merchant does with the store's mini program (views, the API and tests call these). Each use
case checks what it may, records the intent (a row in its working status, the history entry) and queues
the step's job after the commit; WeChat is never called inside a merchant's request except to read the
trial QR code and a rejection's screenshots."""

from __future__ import annotations

import json
import uuid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.billing import services as billing
from kaidian.platform import jobs
from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.sites import store_url
from kaidian.platform.unit import atomic, unit
from kaidian.wechat.models import Authorizer, AuthorizerKind, AuthorizerStatus

from . import audits, setup, states, wxa
from .errors import NoCurrentTemplate, NoMiniProgram, NoRollback, NotNow, SetupIncomplete, UnderReview
from .models import CodeVersion, HistoryEntry, MiniProgram, Submission, WxaTemplate
from .steps import job_options

FEATURE = "mini_program"
HISTORY_LIMIT = 100


# --- reading ------------------------------------------------------------------------------------------


def authorizer_of(tenant: Tenant) -> Authorizer | None:
    """The store's mini program (bound, most recently authorized)."""
    return db.session.execute(
        select(Authorizer).where(Authorizer.tenant_id == tenant.id, Authorizer.kind == AuthorizerKind.MINI_PROGRAM,
                                 Authorizer.status == AuthorizerStatus.AUTHORIZED)
        .order_by(Authorizer.authorized_at.desc())).scalars().first()


def program_of(tenant: Tenant) -> MiniProgram | None:
    authorizer = authorizer_of(tenant)
    if authorizer is None:
        return None
    return db.session.execute(select(MiniProgram).where(MiniProgram.appid == authorizer.appid)).scalar_one_or_none()


def current_template() -> WxaTemplate | None:
    return db.session.execute(select(WxaTemplate).where(WxaTemplate.is_current.is_(True))).scalar_one_or_none()


def versions(limit: int = HISTORY_LIMIT) -> list[CodeVersion]:
    return list(db.session.execute(select(CodeVersion).order_by(CodeVersion.created_at.desc()).limit(limit)).scalars())


def submissions(limit: int = HISTORY_LIMIT) -> list[Submission]:
    return list(db.session.execute(select(Submission).order_by(Submission.requested_at.desc()).limit(limit)).scalars())


def history(limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    return list(db.session.execute(select(HistoryEntry).order_by(HistoryEntry.at.desc()).limit(limit)).scalars())


RELEASES = ("released", "rolling_back", "rolled_back")


def current_release() -> Submission | None:
    """The newest release Kaidian made (online, being rolled back, or rolled back)."""
    return db.session.execute(select(Submission).where(Submission.status.in_(RELEASES),
                                                       Submission.released_at.is_not(None))
                              .order_by(Submission.released_at.desc())).scalars().first()


def can_roll_back(submission: Submission | None) -> bool:
    """WeChat's rule, as far as Kaidian knows it: the version online is the newest release (a rolled-back
    one cannot be rolled back again: one step only), and no release or rollback is running. Whether WeChat
    has a previous version, only WeChat knows (87012)."""
    if submission is None or submission.status != "released":
        return False
    current = current_release()
    releasing = db.session.execute(select(Submission.id).where(
        Submission.status.in_(("releasing", "rolling_back")))).first()
    return current is not None and current.id == submission.id and releasing is None


def get_submission(submission_id: uuid.UUID) -> Submission:
    row = db.session.execute(select(Submission).where(Submission.id == submission_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def get_version(version_id: uuid.UUID) -> CodeVersion:
    row = db.session.execute(select(CodeVersion).where(CodeVersion.id == version_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def ext_json_for(tenant: Tenant, appid: str) -> str:
    """The store's configuration the template reads with ``wx.getExtConfigSync()`` (``ext``)."""
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return wxa.ext_json_text({
        "extEnable": True, "extAppid": appid, "directCommit": False,
        "ext": {"storeSlug": tenant.slug, "storeName": tenant.name,
                "apiBase": f"{scheme}://{current_app.config['PLATFORM_HOST']}", "storeUrl": store_url(tenant)},
        "window": {"navigationBarTitleText": tenant.name},
    })


def qrcode(tenant: Tenant) -> tuple[str, bytes]:
    """The trial version's QR code image (WeChat draws it)."""
    billing.require_feature(tenant, FEATURE)
    authorizer = _authorizer(tenant)
    return wxa.qrcode(authorizer, "pages/index/index")


def screenshot(tenant: Tenant, submission_id: uuid.UUID, media_id: str) -> tuple[str, bytes]:
    submission = get_submission(submission_id)
    if media_id not in (submission.screenshots or []):
        raise NotFound()
    return wxa.screenshot(_authorizer(tenant), media_id)


# --- writing ------------------------------------------------------------------------------------------


def _authorizer(tenant: Tenant) -> Authorizer:
    authorizer = authorizer_of(tenant)
    if authorizer is None:
        raise NoMiniProgram()
    return authorizer


def ensure_program(tenant: Tenant) -> MiniProgram:
    """The store's mini-program row (made on the first action: a GET never writes)."""
    authorizer = _authorizer(tenant)
    program = db.session.execute(select(MiniProgram).where(MiniProgram.appid == authorizer.appid)).scalar_one_or_none()
    if program is None:
        program = MiniProgram(tenant_id=tenant.id, appid=authorizer.appid, setup={})
        db.session.add(program)
        db.session.flush()
    return program


@atomic
def run_setup(tenant: Tenant, step: str, actor_id: uuid.UUID | None = None) -> None:
    """Queue setup ``step`` (or every step not done yet when ``step`` is ``"all"``)."""
    from .tasks import run_setup_step

    billing.require_feature(tenant, FEATURE)
    if step != "all" and step not in setup.STEPS:
        raise NotFound()
    program = ensure_program(tenant)
    todo = [item["step"] for item in setup.checklist(program) if not item["done"]] if step == "all" else [step]
    for name in todo:
        program.setup = {**(program.setup or {}), name: {**program.setup.get(name, {}), "waiting": True, "error": ""}}
        jobs.enqueue(run_setup_step, tenant.id, name, **job_options())
    states.record(tenant.id, "setup", "requested", detail=", ".join(todo), actor_id=actor_id)


@atomic
def set_auto_release(tenant: Tenant, enabled: bool, actor_id: uuid.UUID | None = None) -> None:
    billing.require_feature(tenant, FEATURE)
    program = ensure_program(tenant)
    program.auto_release = bool(enabled)
    states.record(tenant.id, "settings", "auto_release_on" if enabled else "auto_release_off", actor_id=actor_id)


@atomic
def commit_current(tenant: Tenant, actor_id: uuid.UUID | None = None, *, submit_after: bool = False,
                   batch_item_id: uuid.UUID | None = None) -> CodeVersion:
    """Commit the platform's current template with the store's ext_json (and submit it once committed)."""
    billing.require_feature(tenant, FEATURE)
    program = ensure_program(tenant)
    template = current_template()
    if template is None:
        raise NoCurrentTemplate()
    if submit_after and not setup.complete(program):
        raise SetupIncomplete()
    return new_version(tenant, program.appid, template, actor_id, submit_after=submit_after,
                       batch_item_id=batch_item_id)


def new_version(tenant: Tenant, appid: str, template: WxaTemplate, actor_id, *, submit_after: bool,
                batch_item_id: uuid.UUID | None = None, enqueue: bool = True) -> CodeVersion:
    from .tasks import commit_version

    version = CodeVersion(tenant_id=tenant.id, appid=appid, template_id=template.template_id,
                          user_version=template.user_version, user_desc=template.user_desc[:200],
                          ext_json=ext_json_for(tenant, appid), submit_after=submit_after,
                          batch_item_id=batch_item_id, created_by=actor_id)
    db.session.add(version)
    db.session.flush()
    states.record(tenant.id, "version", "committing", subject_id=version.id, actor_id=actor_id,
                  detail=f"template {template.template_id}, {template.user_version}")
    if enqueue:
        jobs.enqueue(commit_version, tenant.id, version.id, **job_options())
    return version


@atomic
def submit(tenant: Tenant, version_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> Submission:
    from .steps import queue_submission
    from .tasks import submit_version

    billing.require_feature(tenant, FEATURE)
    version = get_version(version_id)
    if version.status != "committed":
        raise NotNow()
    if not setup.complete(ensure_program(tenant)):
        raise SetupIncomplete()
    submission = queue_submission(version, actor_id)
    if submission is None:
        raise UnderReview()
    jobs.enqueue(submit_version, tenant.id, submission.id, **job_options())
    return submission


@atomic
def withdraw(tenant: Tenant, submission_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> Submission:
    from .tasks import withdraw_submission

    billing.require_feature(tenant, FEATURE)
    submission = get_submission(submission_id)
    if submission.status not in ("auditing", "delayed"):
        raise NotNow()
    states.move(submission, "withdrawing", actor_id=actor_id)
    jobs.enqueue(withdraw_submission, tenant.id, submission.id, **job_options())
    return submission


@atomic
def release(tenant: Tenant, submission_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> Submission:
    billing.require_feature(tenant, FEATURE)
    submission = get_submission(submission_id)
    if submission.status != "approved":
        raise NotNow()
    audits.start_release(submission, actor_id)
    return submission


@atomic
def roll_back(tenant: Tenant, submission_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> Submission:
    """Put the release before ``submission`` back online (WeChat's ``revertcoderelease``, by a job)."""
    from .tasks import rollback_release

    billing.require_feature(tenant, FEATURE)
    submission = get_submission(submission_id)
    if not can_roll_back(submission):
        raise NoRollback()
    states.move(submission, "rolling_back", actor_id=actor_id)
    jobs.enqueue(rollback_release, tenant.id, submission.id, **job_options())
    return submission


@atomic
def retry(tenant: Tenant, submission_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> Submission:
    """A submission that failed goes back to submitting (WeChat is asked first whether it has it)."""
    from .tasks import submit_version

    billing.require_feature(tenant, FEATURE)
    submission = get_submission(submission_id)
    if submission.status != "failed":
        raise NotNow()
    try:
        with unit(savepoint=True):
            states.move(submission, "submitting", actor_id=actor_id)
            submission.attempts = max(submission.attempts, 1)  # adoption is checked first
            db.session.flush()
    except IntegrityError:
        raise UnderReview() from None
    jobs.enqueue(submit_version, tenant.id, submission.id, **job_options())
    return submission


def dump_ext(version: CodeVersion) -> dict:
    try:
        return json.loads(version.ext_json).get("ext", {})
    except ValueError:
        return {}
