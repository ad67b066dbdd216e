"""Production gunicorn settings for ``gunicorn -c gunicorn.conf.py wsgi:app``."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
preload_app = True
accesslog = None  # the app logs each request as JSON with its request id
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")



def post_fork(server, worker):
    """Pooled connections opened before the fork must not be shared with the workers."""
    from kaidian.platform.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
