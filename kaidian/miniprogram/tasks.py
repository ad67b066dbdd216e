"""The mini-program package's jobs: each takes ids, enters the store itself and is idempotent (see
``steps.py`` for the lease that makes a repeated or resumed job harmless).

Periodic: ``sweep_miniprograms`` (every minute) runs again what should be running and is not — a step
whose worker died (its lease expired), a wait that is over, a bulk-upgrade store never started —
and ``reconcile_audits`` (every 5 minutes) polls reviews that heard no event.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select

from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import unit

from . import audits, steps, upgrades
from .models import CodeVersion, MiniProgram, Submission

log = logging.getLogger(__name__)

STEP_JOBS = {}  # status → job, filled below


def commit_version(tenant_id, version_id) -> str:
    with tenant_context(tenant_id):
        return steps.commit(version_id)


def submit_version(tenant_id, submission_id) -> str:
    with tenant_context(tenant_id):
        return steps.submit(submission_id)


def release_version(tenant_id, submission_id) -> str:
    with tenant_context(tenant_id):
        return steps.release(submission_id)


def rollback_release(tenant_id, submission_id) -> str:
    with tenant_context(tenant_id):
        return steps.roll_back(submission_id)


def withdraw_submission(tenant_id, submission_id) -> str:
    with tenant_context(tenant_id):
        return steps.withdraw(submission_id)


def run_setup_step(tenant_id, step: str) -> str:
    with tenant_context(tenant_id):
        program = db.session.execute(select(MiniProgram)).scalars().first()
        if program is None:
            return "skipped"
        return steps.run_setup(program, step)[0]


def upgrade_store(batch_id, tenant_id) -> str:
    return upgrades.run_item(batch_id, tenant_id)


STEP_JOBS.update({"submitting": submit_version, "releasing": release_version, "withdrawing": withdraw_submission,
                  "rolling_back": rollback_release})


# --- periodic ---------------------------------------------------------------------------------------------


def _stalled(model, statuses: tuple[str, ...], since):
    """Rows in a working status that nobody runs: lease expired, or a wait that is over, or never started."""
    now = utcnow()
    return select(model.tenant_id, model.id, model.status).where(
        model.status.in_(statuses),
        or_(model.lease_until < now,
            and_(model.lease_until.is_(None), model.retry_at <= now),
            and_(model.lease_until.is_(None), model.retry_at.is_(None), model.attempts == 0, since < now -
                 timedelta(seconds=steps.lease_seconds()))))


@jobs.periodic(interval=60, queue="low", timeout=300)
def sweep_miniprograms() -> dict:
    """Queue again every mini-program step that should be running and is not (idempotent: a step that is
    running keeps its lease and the queued copy does nothing)."""
    counts = {"versions": 0, "submissions": 0, "items": 0}
    with all_tenants():
        versions = db.session.execute(_stalled(CodeVersion, ("committing",), CodeVersion.created_at)).all()
        subs = db.session.execute(_stalled(Submission, tuple(STEP_JOBS), Submission.updated_at)).all()
    with unit():
        for tenant_id, row_id, _status in versions:
            jobs.enqueue(commit_version, tenant_id, row_id, **steps.job_options())
            counts["versions"] += 1
        for tenant_id, row_id, status in subs:
            jobs.enqueue(STEP_JOBS[status], tenant_id, row_id, **steps.job_options())
            counts["submissions"] += 1
        for batch_id, tenant_id in upgrades.stalled_items():
            jobs.enqueue(upgrade_store, batch_id, tenant_id, **steps.job_options())
            counts["items"] += 1
    if any(counts.values()):
        log.info("mini-program sweep queued %s", counts)
    return counts


@jobs.periodic(interval=300, queue="low", timeout=600)
def reconcile_audits() -> dict:
    """Poll WeChat for reviews that heard no event for ``MINIPROGRAM_RECONCILE_AFTER`` seconds."""
    counts = {"polled": 0, "moved": 0}
    for tenant_id, submission_id in audits.due_for_reconcile():
        with tenant_context(tenant_id):
            submission = db.session.get(Submission, (tenant_id, submission_id))
            authorizer = steps.authorizer_for(submission.appid) if submission else None
            if authorizer is None:
                continue
            counts["polled"] += 1
            counts["moved"] += int(audits.reconcile(submission, authorizer))
    return counts


__all__ = ["commit_version", "reconcile_audits", "release_version", "rollback_release", "run_setup_step",
           "submit_version", "sweep_miniprograms", "upgrade_store", "withdraw_submission"]
