"""The periodic-job scheduler (RQ's cron scheduler): enqueues every job registered with
``kaidian.platform.jobs.periodic``; the RQ workers run them.

    python scheduler.py
"""

from __future__ import annotations

import sys

from rq.cron import CronScheduler

from kaidian.platform.app import create_app
from kaidian.platform.cache import get_redis
from kaidian.platform.config import ConfigError
from kaidian.platform.jobs import PERIODIC_JOBS


def build_scheduler(app) -> CronScheduler:
    with app.app_context():
        scheduler = CronScheduler(connection=get_redis(), name="kaidian")
    for job in PERIODIC_JOBS:
        scheduler.register(job.func, queue_name=job.queue, kwargs=job.kwargs, interval=job.interval,
                           job_timeout=job.timeout)
    return scheduler


def main() -> None:
    try:
        app = create_app()
    except ConfigError as exc:
        sys.exit(f"scheduler: {exc}")
    if not app.config["REDIS_URL"]:
        sys.exit("REDIS_URL is not set: the scheduler needs Redis.")
    build_scheduler(app).start()


if __name__ == "__main__":
    main()
