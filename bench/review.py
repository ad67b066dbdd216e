"""Bulk upgrade of many stores' mini programs through the sandbox by real RQ workers.

Two rounds, each ``BENCH_STORES`` (500) stores with an authorized mini program, upgraded to the current
template by a bulk upgrade (``kaidian/miniprogram/upgrades.py``) run by ``BENCH_RQ_WORKERS`` (2)
``worker.py`` processes against the sandbox (its own process, ``python -m kaidian.sandbox``): each store
gets its setup (domains, web-view domain, privacy settings, category), a commit and a submission for
review. The second round makes 20 % of all WeChat calls answer -1 (``rate`` faults on every endpoint).

Prints, per round: seconds until every store is submitted, submissions per second, stores failed, WeChat
calls made, and duplicates — stores submitted more than once for the template, counted both in
Kaidian's database and in the sandbox's audits — which must be 0. PostgreSQL as the application role
(row-level security on), migrations as the owner, a Redis database of its own (claimed like the test
suite's, or ``BENCH_REDIS_URL``).

Each round starts from a fresh sandbox (``/sandbox/reset``: the sandbox keeps its state in one JSON document
it rewrites on every call, so its cost per call grows with the accounts it holds) and a fresh template;
the first round's stores are moved to the basic plan, which has no mini program, so the second batch
upgrades only its own stores.

    BENCH_STORES (500)  BENCH_RQ_WORKERS (2)  BENCH_FAIL_RATE (0.2)  BENCH_TIMEOUT (1800 s per round)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, insert, select, update

from bench.harness import ROOT, check_rls_applies, free_port, migrate, scratch_database

STORES = int(os.environ.get("BENCH_STORES", "500"))
RQ_WORKERS = int(os.environ.get("BENCH_RQ_WORKERS", "2"))
FAIL_RATE = float(os.environ.get("BENCH_FAIL_RATE", "0.2"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "1800"))
FAST = {"MINIPROGRAM_RETRY_SECONDS": "1,2,4", "MINIPROGRAM_MAX_ATTEMPTS": "8", "MINIPROGRAM_LEASE_SECONDS": "120",
        "MINIPROGRAM_CALLS_PER_MINUTE": "100000", "LOG_JSON": "0", "WECHAT_HTTP_TIMEOUT": "20"}


def claim_redis() -> tuple[str, int | None]:
    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        return url, None
    from tests import services

    number = services.redis_db_for("bench-review")
    return f"{services.REDIS_BASE_URL}/{number}", number


def start_sandbox(state_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SANDBOX_PORT": str(port), "SANDBOX_STATE_PATH": f"{state_dir}/sandbox.json",
           "DEMO_ACCOUNTS": "0", "TICKET_PUSH_INTERVAL": "0", "WXA_AUDIT_SECONDS": "0", "PORT": str(free_port())}
    process = subprocess.Popen([sys.executable, "-m", "kaidian.sandbox"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/sandbox/faults", timeout=1)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the sandbox did not come up")


def seed_stores(app, owner_url: str, sandbox: str, prefix: str) -> list[uuid.UUID]:
    """``STORES`` pro stores, each with a mini program authorized in the sandbox, written in bulk as the owner."""
    from kaidian.platform.config import _sqlalchemy_url
    from kaidian.platform.models import Tenant
    from kaidian.platform.secrets import encrypt_secret
    from kaidian.wechat.models import Authorizer

    accounts = requests.post(f"{sandbox}/sandbox/wxa/accounts", json={"count": STORES, "prefix": prefix},
                             timeout=120).json()["accounts"]
    now = datetime.now(UTC)
    tenants, authorizers = [], []
    with app.app_context():
        for number, account in enumerate(accounts):
            tenant_id = uuid.uuid4()
            tenants.append({"id": tenant_id, "slug": f"{prefix}-{number:04d}", "name": f"店铺 {prefix}{number}",
                            "plan": "pro", "status": "trial", "trial_ends_at": now + timedelta(days=7),
                            "suspended_reason": "", "default_locale": "zh", "logo_key": "", "intro": "",
                            "contact_phone": "13800138000", "contact_email": "", "service_wechat_id": "",
                            "categories": "", "created_at": now})
            authorizers.append({"tenant_id": tenant_id, "id": uuid.uuid4(), "appid": account["appid"],
                                "kind": "mini_program", "status": "authorized", "nick_name": account["appid"],
                                "head_img": "", "user_name": account["user_name"], "principal_name": "",
                                "service_type": 0, "verify_type": 0, "func_ids": "17,18,19,25,30,31",
                                "refresh_token_encrypted": encrypt_secret(account["refresh_token"]),
                                "menu": None, "menu_published_at": None, "authorized_at": now, "updated_at": now})
    engine = create_engine(_sqlalchemy_url(owner_url))
    with engine.begin() as conn:
        conn.execute(insert(Tenant.__table__), tenants)
        conn.execute(insert(Authorizer.__table__), authorizers)
    engine.dispose()
    return [row["id"] for row in tenants]


def demote(owner_url: str, tenant_ids: list[uuid.UUID]) -> None:
    from kaidian.platform.config import _sqlalchemy_url
    from kaidian.platform.models import Tenant

    engine = create_engine(_sqlalchemy_url(owner_url))
    with engine.begin() as conn:
        conn.execute(update(Tenant.__table__).where(Tenant.__table__.c.id.in_(tenant_ids)).values(plan="basic"))
    engine.dispose()


def publish_template(app, sandbox: str) -> int:
    """The component's ticket stored, a sandbox draft added to the library and marked current."""
    from kaidian.miniprogram import library
    from kaidian.wechat import tokens

    ticket = requests.post(f"{sandbox}/sandbox/push_ticket", timeout=30).json()["ticket"]
    with app.app_context():
        tokens.save_ticket(ticket, int(time.time()))
        library.add_draft(2)
        template_id = max(row.template_id for row in library.templates())
        library.mark_current(template_id)
    return template_id


def start_workers(env: dict, logs: Path) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "worker.py", "default", "low"], cwd=ROOT, env=env,
                             stdout=open(logs / f"worker-{n}.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
            for n in range(RQ_WORKERS)]


def item_counts(app, batch_id) -> dict:
    from kaidian.miniprogram.models import UpgradeItem
    from kaidian.platform.extensions import db

    with app.app_context():
        rows = db.session.execute(select(UpgradeItem.state, func.count()).where(UpgradeItem.batch_id == batch_id)
                                  .group_by(UpgradeItem.state)).all()
        db.session.remove()
    return dict(rows)


def sandbox_duplicates(sandbox: str) -> tuple[int, int]:
    """(programs with more than one audit, audits in all) at the sandbox."""
    programs = requests.get(f"{sandbox}/sandbox/state", timeout=120).json().get("wxa", {}).get("programs", {})
    return sum(1 for p in programs.values() if len(p["audits"]) > 1), sum(len(p["audits"]) for p in programs.values())


def run_round(app, sandbox: str, template_id: int, label: str) -> dict:
    from kaidian.miniprogram import upgrades

    calls_before = sum(requests.get(f"{sandbox}/sandbox/state", timeout=120).json()["call_counts"].values())
    started = time.monotonic()
    with app.app_context():
        batch = upgrades.create_batch(template_id)
        batch_id = batch.id
    done_states = ("submitted", "approved", "rejected", "released", "failed")
    counts: dict = {}
    while time.monotonic() - started < TIMEOUT:
        counts = item_counts(app, batch_id)
        if sum(counts.get(state, 0) for state in done_states) >= STORES:
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    calls = sum(requests.get(f"{sandbox}/sandbox/state", timeout=120).json()["call_counts"].values()) - calls_before
    submitted = counts.get("submitted", 0)
    with app.app_context():
        duplicates = upgrades.duplicates()
    return {"label": label, "stores": STORES, "seconds": elapsed, "submitted": submitted,
            "failed": counts.get("failed", 0), "per_second": submitted / elapsed if elapsed else 0.0, "calls": calls,
            "duplicates_db": duplicates}


def report(result: dict, sandbox_dups: int) -> None:
    print(f"{result['label']}: {result['submitted']}/{result['stores']} stores submitted in {result['seconds']:.1f} s "
          f"({result['per_second']:.1f} submissions/s), failed {result['failed']}, {result['calls']} WeChat calls, "
          f"duplicates {result['duplicates_db']} (database) / {sandbox_dups} (sandbox)")


def main() -> None:
    redis, claimed = claim_redis()
    state_dir = tempfile.mkdtemp(prefix="bench-review-")
    sandbox_process, sandbox = start_sandbox(state_dir)
    workers: list[subprocess.Popen] = []
    try:
        with scratch_database() as scratch:
            print(f"database: {check_rls_applies(scratch)}; {RQ_WORKERS} RQ workers; {STORES} stores per round")
            migrate(scratch.env)
            env = {**os.environ, **scratch.env, **FAST, "REDIS_URL": redis, "WECHAT_API_BASE": sandbox,
                   "WECHAT_MP_BASE": sandbox, "WECHAT_OPEN_BASE": sandbox, "MEDIA_ROOT": state_dir}
            from kaidian.platform.app import create_app

            os.environ.update({key: env[key] for key in (*scratch.env, *FAST, "REDIS_URL", "WECHAT_API_BASE",
                                                         "WECHAT_MP_BASE", "WECHAT_OPEN_BASE", "MEDIA_ROOT")})
            app = create_app({"JOBS_INLINE": False})  # the rest from the environment, as the workers read it
            template_id = publish_template(app, sandbox)
            workers = start_workers(env, Path(state_dir))

            first_stores = seed_stores(app, scratch.owner_url, sandbox, "ra")
            first = run_round(app, sandbox, template_id, "no faults")
            first["sandbox_duplicates"] = sandbox_duplicates(sandbox)[0]
            report(first, first["sandbox_duplicates"])

            demote(scratch.owner_url, first_stores)
            requests.post(f"{sandbox}/sandbox/reset", timeout=60).raise_for_status()
            template_id = publish_template(app, sandbox)
            seed_stores(app, scratch.owner_url, sandbox, "rb")
            requests.post(f"{sandbox}/sandbox/faults", json={"endpoint": "*", "errcode": -1, "rate": FAIL_RATE,
                                                            "count": 10**9}, timeout=10).raise_for_status()
            second = run_round(app, sandbox, template_id, f"{FAIL_RATE:.0%} of calls answer -1")
            requests.delete(f"{sandbox}/sandbox/faults", timeout=10)
            dups, audits = sandbox_duplicates(sandbox)
            report(second, dups)
            print(f"sandbox audits in the second round: {audits} (expected {STORES})")
            ok = first["submitted"] == second["submitted"] == STORES and not dups and not second["duplicates_db"] \
                and not first["sandbox_duplicates"]
            print("result:", "OK" if ok else "FAILED")
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        sandbox_process.kill()
        sandbox_process.wait(10)
        if claimed is not None:
            from tests import services

            services.release_redis_db(claimed)


if __name__ == "__main__":
    main()
