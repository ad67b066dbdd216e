"""Background jobs: dispatched only after commit, inline without Redis, by a real RQ worker with it;
periodic jobs reach the scheduler; the password-reset mail is sent by a job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import g
from rq import Queue, Retry
from rq.job import Job, JobStatus
from sqlalchemy import select, text

import scheduler
from kaidian.platform import jobs
from kaidian.platform.extensions import db
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import tenant_context
from tests import services
from tests.conftest import make_app, post_form
from tests.platform import jobs_for_tests

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture
def inline_app(app, backend, tmp_path):
    """Jobs run in this process: no Redis at all."""
    jobs_for_tests.CALLS.clear()
    yield make_app(backend, tmp_path, REDIS_URL="")
    jobs_for_tests.CALLS.clear()


@pytest.fixture
def needs_redis(backend):
    if not backend.redis_url:
        assert not services.in_ci(), "CI=true guarantees Redis"
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (RQ tests need a real Redis)")


@pytest.fixture
def rq_app(app, backend, tmp_path, needs_redis):
    """Jobs go to RQ queues in the machine's Redis."""
    return make_app(backend, tmp_path, JOBS_INLINE=False)


def run_worker(backend, media_root, *queues: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": backend.app_url, "REDIS_URL": backend.redis_url,
           "MEDIA_ROOT": str(media_root), "LOG_JSON": "0", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "worker.py", *queues, "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def events(app, tenant_id) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.execute(select(AuditEvent.detail).where(AuditEvent.action == "test.job")).scalars()
        result = list(rows)
        db.session.remove()
    return result


# --- inline mode ---------------------------------------------------------------------------------


def test_inline_job_waits_for_commit(inline_app):
    with inline_app.app_context():
        db.session.execute(text("SELECT 1"))
        jobs.enqueue(jobs_for_tests.remember_call, "a")
        assert jobs_for_tests.CALLS == []
        db.session.commit()
        assert [c["marker"] for c in jobs_for_tests.CALLS] == ["a"]


def test_inline_job_is_dropped_on_rollback(inline_app):
    with inline_app.app_context():
        db.session.execute(text("SELECT 1"))
        jobs.enqueue(jobs_for_tests.remember_call, "a")
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    assert jobs_for_tests.CALLS == []


def test_inline_job_runs_in_its_own_app_context_and_session(inline_app):
    with inline_app.app_context():
        g.marker = "request"
        outer = db.session()
        outer.execute(text("SELECT 1"))
        jobs.enqueue(jobs_for_tests.remember_call, "a")
        outer.commit()
        (call,) = jobs_for_tests.CALLS
        assert call["session"] is not outer
        assert call["g_marker"] is None


def test_inline_job_writes_are_committed(inline_app, make_store):
    store = make_store("alpha")
    with inline_app.app_context():
        jobs.enqueue(jobs_for_tests.record_event, store.tenant_id, "inline")
    assert events(inline_app, store.tenant_id) == ["inline"]


# --- RQ mode ---------------------------------------------------------------------------------------


def enqueue_committed(app, func, *args, **options) -> Job:
    """Enqueue ``func`` inside a transaction, check RQ has nothing yet, commit, return the new job."""
    with app.app_context():
        queue = Queue(options.get("queue", "default"), connection=jobs.get_redis())
        before = queue.job_ids
        db.session.execute(text("SELECT 1"))
        jobs.enqueue(func, *args, **options)
        assert queue.job_ids == before, "queued before the transaction committed"
        db.session.commit()
        (job,) = [j for j in queue.get_jobs() if j.id not in before]
        return job


def test_rq_job_is_queued_not_run_until_a_worker_takes_it(rq_app, make_store):
    store = make_store("alpha")
    job = enqueue_committed(rq_app, jobs_for_tests.record_event, store.tenant_id, "queued")
    assert job.func_name == "tests.platform.jobs_for_tests.record_event"
    assert job.get_status() == JobStatus.QUEUED
    assert events(rq_app, store.tenant_id) == []


def test_rq_worker_runs_the_job(rq_app, backend, make_store, tmp_path):
    store = make_store("alpha")
    job = enqueue_committed(rq_app, jobs_for_tests.record_event, store.tenant_id, "by-worker")
    done = run_worker(backend, tmp_path, "default")
    assert done.returncode == 0, done.stderr[-2000:]
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert events(rq_app, store.tenant_id) == ["by-worker"]


@pytest.mark.parametrize(("retry", "attempts", "status"), [
    (None, 1, JobStatus.FAILED),
    (Retry(max=2), 3, JobStatus.FAILED),
    (Retry(max=1, interval=600), 1, JobStatus.SCHEDULED),
], ids=["no-retry", "retried-then-failed", "retry-later"])
def test_rq_failing_job_follows_its_retry_policy(rq_app, backend, make_store, tmp_path, retry, attempts, status):
    store = make_store("alpha")
    failing = enqueue_committed(rq_app, jobs_for_tests.record_then_fail, store.tenant_id, "fail", retry=retry)
    after = enqueue_committed(rq_app, jobs_for_tests.record_event, store.tenant_id, "after")
    done = run_worker(backend, tmp_path, "default")
    assert done.returncode == 0, done.stderr[-2000:]
    assert failing.get_status(refresh=True) == status
    assert after.get_status(refresh=True) == JobStatus.FINISHED
    assert sorted(events(rq_app, store.tenant_id)) == ["after"] + ["fail"] * attempts


@pytest.fixture
def temporary_periodic_job():
    jobs.periodic(interval=90, queue="low", timeout=30)(jobs_for_tests.tick)
    entry = jobs.PERIODIC_JOBS[-1]
    yield entry
    jobs.PERIODIC_JOBS.remove(entry)


def test_scheduler_registers_every_periodic_job(rq_app, temporary_periodic_job):
    registered = scheduler.build_scheduler(rq_app).get_jobs()
    expected = [(j.func, j.queue, j.interval, j.timeout) for j in jobs.PERIODIC_JOBS]
    assert [(c.func, c.queue_name, c.interval, c.job_options.get("job_timeout")) for c in registered] == expected
    assert temporary_periodic_job.func in [c.func for c in registered]


# --- the password-reset mail ------------------------------------------------------------------------


@pytest.mark.parametrize(("login_name", "mails"), [
    ("alpha@example.com", 1),
    ("nobody@example.com", 0),
    ("not an email", 0),
], ids=["existing", "unknown", "malformed"])
def test_forgot_password_mails_only_existing_accounts_and_answers_the_same(app, client, make_store, login_name,
                                                                             mails):
    make_store("alpha")
    app.extensions.pop("kaidian_outbox", None)  # the welcome mail
    response = post_form(client, "/password/forgot", {"login": login_name})
    assert (response.status_code, response.location) == (302, "/login")
    outbox = app.extensions.get("kaidian_outbox", [])
    assert [to for to, _, _ in outbox] == [login_name] * mails


def test_reset_mail_carries_a_working_link(app, client, make_store):
    make_store("alpha")
    app.extensions.pop("kaidian_outbox", None)
    post_form(client, "/password/forgot", {"login": "alpha@example.com"})
    (_, _, body), = app.extensions["kaidian_outbox"]
    path = "/password/reset/" + body.split("/password/reset/", 1)[1].split()[0]
    assert client.get(path).status_code == 200


def test_forgot_password_hands_the_mail_to_a_job(rq_app, make_store):
    make_store("alpha")
    client = rq_app.test_client()
    post_form(client, "/password/forgot", {"login": "alpha@example.com"})
    with rq_app.app_context():
        (job,) = Queue("high", connection=jobs.get_redis()).get_jobs()
    assert (job.func_name, job.args[0]) == ("kaidian.platform.tasks.send_email", "alpha@example.com")
    assert "kaidian_outbox" not in rq_app.extensions

