"""Storefront throughput: a store's home page against a trivial endpoint (/healthz) served by the
same gunicorn (production config) in the same run, and home-page p50 with 10,000 tenants over p50
with 10 tenants. Targets: home ≥ 0.5 × trivial throughput (warm cache); p50 ratio ≤ 1.15.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert

from bench.harness import gunicorn, migrate, scratch_database, wrk

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))


def seed_tenants(database_url: str, count: int, start: int = 0) -> None:
    from kaidian.platform.config import _sqlalchemy_url
    from kaidian.platform.models import Tenant

    engine = create_engine(_sqlalchemy_url(database_url))
    ends = datetime.now(UTC) + timedelta(days=7)
    rows = [{"id": uuid.uuid4(), "slug": f"bench-{i:05d}", "name": f"Bench store {i}", "plan": "basic",
             "status": "trial", "trial_ends_at": ends, "suspended_reason": "", "default_locale": "zh",
             "logo_key": "", "intro": "A benchmark store.", "contact_phone": "", "contact_email": "",
             "service_wechat_id": "", "categories": "", "created_at": datetime.now(UTC)}
            for i in range(start, start + count)]
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 1000):
            conn.execute(insert(Tenant.__table__), rows[chunk:chunk + 1000])
    engine.dispose()


def measure(env: dict) -> dict:
    with gunicorn(env) as base:
        wrk(f"{base}/", host="bench-00001.localhost", seconds=1)  # warm up
        trivial = wrk(f"{base}/healthz", seconds=SECONDS)
        home = wrk(f"{base}/", host="bench-00001.localhost", seconds=SECONDS)
    return {"trivial": trivial, "home": home}


def main() -> None:
    with scratch_database() as url:
        env = {"DATABASE_URL": url, "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
               "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost"}
        migrate(env)
        seed_tenants(url, 10)
        small = measure(env)
        seed_tenants(url, 9_990, start=10)
        large = measure(env)
    _report(small, large)


def _report(small: dict, large: dict) -> None:
    trivial, home = small["trivial"], small["home"]
    print(f"{'endpoint':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for label, load in (("trivial /healthz", trivial), ("home, 10 tenants", home),
                        ("home, 10,000 tenants", large["home"])):
        print(f"{label:<28}{load.rps:>10.0f}{load.p50_ms:>10.2f}{load.p99_ms:>10.2f}")
    print(f"home / trivial throughput: {home.rps / trivial.rps:.2f}  (target >= 0.50)")
    print(f"home p50, 10,000 / 10 tenants: {large['home'].p50_ms / home.p50_ms:.2f}  (target <= 1.15)")


if __name__ == "__main__":
    main()
