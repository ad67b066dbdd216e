"""The RQ worker: builds the app once, then runs every job inside its app context.

    python worker.py [high default low] [--burst]
"""

from __future__ import annotations

import os
import sys

from rq import Queue, Worker

from kaidian.platform.app import create_app
from kaidian.platform.cache import get_redis
from kaidian.platform.config import ConfigError
from kaidian.platform.extensions import db
from kaidian.platform.jobs import QUEUES


class AppWorker(Worker):
    """Each job runs in a fresh app context, with its own database session."""

    flask_app = None

    def perform_job(self, job, queue, *args, **kwargs):
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                db.session.remove()


def _after_fork_in_child() -> None:
    # The parent's pooled connections must not be reused by the forked work horse.
    if AppWorker.flask_app is not None:
        with AppWorker.flask_app.app_context():
            db.engine.dispose(close=False)


def main(argv: list[str]) -> None:
    try:
        app = create_app()
    except ConfigError as exc:
        sys.exit(f"worker: {exc}")
    if not app.config["REDIS_URL"]:
        sys.exit("REDIS_URL is not set: without Redis, jobs run inline in the web process.")
    AppWorker.flask_app = app
    os.register_at_fork(after_in_child=_after_fork_in_child)
    names = [a for a in argv if not a.startswith("--")] or list(QUEUES)
    with app.app_context():
        connection = get_redis()
        queues = [Queue(name, connection=connection) for name in names]
        AppWorker(queues, connection=connection).work(burst="--burst" in argv, with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
