"""Background jobs: one ``enqueue`` for the whole project.

With ``REDIS_URL`` set, jobs go to RQ queues (run by ``worker.py``); without it they run inline in
a fresh app context, so the embedded default works in one process. Either way a job is dispatched
only after the surrounding database transaction commits, and dropped if it rolls back.

Jobs are importable functions in ``<domain>/tasks.py`` that take ids and are idempotent.
Periodic jobs are registered with ``periodic(...)`` and scheduled by ``scheduler.py``.

``after_commit(callback)`` is the one hook both jobs and domain events (``events.py``) ride on: the
callback runs once the outermost transaction commits; a rollback drops it, and so does the rollback
of a savepoint it was registered inside (a released savepoint hands its callbacks to its parent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from .cache import get_redis
from .extensions import db

log = logging.getLogger(__name__)

QUEUES = ("high", "default", "low")


@dataclass
class JobRequest:
    func: object
    args: tuple
    kwargs: dict
    queue: str = "default"
    timeout: int = 300
    retry: Retry | None = None
    job_id: str | None = None
    delay: float = 0  # seconds: RQ runs it no sooner (its scheduler); inline mode drops it (see enqueue)


@dataclass
class PeriodicJob:
    func: object
    interval: int
    queue: str = "low"
    timeout: int = 600
    kwargs: dict = field(default_factory=dict)


PERIODIC_JOBS: list[PeriodicJob] = []


def periodic(interval: int, queue: str = "low", timeout: int = 600):
    """Register a function to run every ``interval`` seconds (decorator)."""

    def register(func):
        PERIODIC_JOBS.append(PeriodicJob(func, interval, queue, timeout))
        return func

    return register


def enqueue(func, *args, queue="default", timeout=300, retry=None, job_id=None, delay=0, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` in the background once the current transaction commits (with ``delay``,
    that many seconds later under RQ; without Redis nothing can wait, so a delayed job is dropped and left
    to the periodic sweep its owner must have — running it at once could loop on an error that persists)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    request = JobRequest(func, args, kwargs, queue, timeout, retry, job_id, delay)
    after_commit(lambda app: _dispatch(app, request))


# --- the after-commit hook ----------------------------------------------------------------------

_PENDING = "kaidian_after_commit"


def after_commit(callback, session: Session | None = None) -> None:
    """Call ``callback(app)`` once the current transaction of ``session`` (default: the app's) commits
    (at once when there is none).

    Each callback remembers the transactions it was registered in (the outermost one and every
    open savepoint), so rolling back any of them drops it."""
    session = session if session is not None else db.session()
    if not session.in_transaction():
        callback(current_app._get_current_object())
        return
    session.info.setdefault(_PENDING, []).append((_open_transactions(session), callback))


def _open_transactions(session: Session) -> tuple:
    transaction = session.get_nested_transaction() or session.get_transaction()
    chain = []
    while transaction is not None:
        chain.append(transaction)
        transaction = transaction.parent
    return tuple(chain)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: its callbacks now wait for the outer commit
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    app = current_app._get_current_object()
    for _, callback in pending:
        callback(app)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    """The outermost rollback drops everything; a savepoint's drops what was registered inside it."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(chain, cb) for chain, cb in pending if not any(t is previous_transaction for t in chain)]


def _dispatch(app, request: JobRequest) -> None:
    connection = None if app.config.get("JOBS_INLINE") else get_redis()
    if connection is None:
        if request.delay > 0:
            log.info("no Redis: delayed job %s left to its sweep", getattr(request.func, "__name__", request.func))
            return
        _run_inline(app, request)
        return
    queue = Queue(request.queue, connection=connection)
    if request.delay > 0:
        queue.enqueue_in(timedelta(seconds=request.delay), request.func, *request.args, job_timeout=request.timeout,
                         retry=request.retry, job_id=request.job_id, **request.kwargs)
        return
    queue.enqueue_call(
        request.func,
        args=request.args,
        kwargs=request.kwargs,
        timeout=request.timeout,
        retry=request.retry,
        job_id=request.job_id,
    )


def _run_inline(app, request: JobRequest) -> None:
    """A fresh app context gives the job its own session, as a worker would."""
    with app.app_context():
        try:
            request.func(*request.args, **request.kwargs)
        except Exception:
            log.exception("inline job %s failed", getattr(request.func, "__name__", request.func))
            if app.config.get("JOBS_RAISE"):
                raise
        finally:
            db.session.remove()


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
