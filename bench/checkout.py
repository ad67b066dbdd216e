"""Checkout under contention: N concurrent buyers placing orders for one SKU with stock S, through HTTP
(gunicorn with the production config, PostgreSQL as the application role so RLS applies), beside
``/healthz`` throughput measured by the same load generator (wrk) in the same run, and — for scale —
the lightest logged-in shopper request that reads the database (the cart badge: the customer and one
count), whose ratio to ``/healthz`` bounds what any checkout on this stack can reach.

Orders per second counts the orders created (in the database) while wrk ran; after each round the
server is left to finish what wrk had queued, then the counts are checked: units sold + stock left ==
S, and nothing sold beyond S.

Each wrk connection is a logged-in shopper (its own signed session cookie and CSRF token) posting
``POST /api/store/orders`` with a fresh idempotency key per request (``bench/checkout.lua``). Prints
orders per second (orders created, counted in the database), p50/p99 checkout latency, how many
requests were refused (sold out), and the oversold count — units sold beyond S, or stock below
zero — which must be 0.

    BENCH_BUYERS (50)  BENCH_STOCK (3000)  BENCH_SECONDS (5)  BENCH_ROUNDS (3)

Target: checkout orders/s ÷ /healthz req/s ≥ 0.2, oversold 0.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
from sqlalchemy import create_engine, insert

from bench.harness import (
    APP_ROLE,
    Load,
    check_rls_applies,
    cpu_seconds,
    gunicorn,
    migrate,
    process_tree,
    require_wrk,
    scratch_database,
    wrk,
)
from bench.storefront import redis_url

BUYERS = int(os.environ.get("BENCH_BUYERS", "50"))
STOCK = int(os.environ.get("BENCH_STOCK", "3000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # as bench/storefront.py (production: cpu × 2 + 1)
SLUG = "bench-checkout"
PRICE = 1990
SECRET = "bench-checkout-secret-key-0123456789abcdef"
LUA = Path(__file__).with_name("checkout.lua")


def seed(owner_url: str) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """A store, one product with one SKU (stock S, price fixed, no freight template: free delivery) and
    one customer per buyer, written as the owner (bulk set-up, not what is measured)."""
    from kaidian.catalog.models import Product, ProductStatus, Sku
    from kaidian.customers.models import Customer
    from kaidian.platform.config import _sqlalchemy_url
    from kaidian.platform.models import Tenant

    engine = create_engine(_sqlalchemy_url(owner_url))
    tenant_id, product_id, sku_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    customers = [uuid.uuid4() for _ in range(BUYERS)]
    with engine.begin() as conn:
        conn.execute(insert(Tenant.__table__).values(
            id=tenant_id, slug=SLUG, name="Bench checkout", plan="basic", status="trial",
            suspended_reason="", default_locale="zh", logo_key="", intro="",
            contact_phone="", contact_email="", service_wechat_id="", categories="", created_at=now))
        conn.execute(insert(Product.__table__).values(
            tenant_id=tenant_id, id=product_id, title="Limited tea tin", subtitle="", status=ProductStatus.ON_SALE,
            specs=[], description="", low_stock_threshold=0, video_key="", video_bytes=0, created_at=now,
            updated_at=now))
        conn.execute(insert(Sku.__table__).values(
            tenant_id=tenant_id, id=sku_id, product_id=product_id, spec_key="", spec_values=[], price=PRICE,
            stock=0, weight_grams=0, barcode="", position=0, created_at=now, updated_at=now))
        conn.execute(insert(Customer.__table__), [
            {"tenant_id": tenant_id, "id": c, "authorizer_appid": "wxbench", "openid": f"o-{c.hex}", "unionid": "",
             "nickname": "", "avatar": "", "created_at": now, "last_login_at": now} for c in customers])
    engine.dispose()
    _restock(owner_url, tenant_id, sku_id)
    return tenant_id, sku_id, customers


def _restock(owner_url: str, tenant_id: uuid.UUID, sku_id: uuid.UUID) -> None:
    """Back to exactly S units, orders and ledger emptied (each round starts the same)."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("DELETE FROM orders WHERE tenant_id = %s", (tenant_id,))
        conn.execute("DELETE FROM catalog_stock_movements WHERE tenant_id = %s", (tenant_id,))
        conn.execute("DELETE FROM catalog_notifications WHERE tenant_id = %s", (tenant_id,))
        conn.execute("UPDATE catalog_skus SET stock = %s WHERE tenant_id = %s AND id = %s", (STOCK, tenant_id, sku_id))


def _drain(owner_url: str, tenant_id: uuid.UUID) -> None:
    """Wait until the server has finished the checkouts wrk left queued when it stopped (no new order
    for half a second), so the counts below are final and the next round's restock races nothing."""
    last = -1
    for _ in range(120):
        with psycopg.connect(owner_url) as conn:
            now = conn.execute("SELECT count(*) FROM orders WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]
        if now == last:
            return
        last = now
        time.sleep(0.5)


def _created_between(owner_url: str, tenant_id: uuid.UUID, start: datetime, end: datetime) -> int:
    with psycopg.connect(owner_url) as conn:
        return conn.execute("SELECT count(*) FROM orders WHERE tenant_id = %s AND created_at >= %s "
                            "AND created_at < %s", (tenant_id, start, end)).fetchone()[0]


def _sold(owner_url: str, tenant_id: uuid.UUID, sku_id: uuid.UUID) -> tuple[int, int, int]:
    """(orders, units sold, stock left) as the database says, from one snapshot."""
    with psycopg.connect(owner_url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        orders, units = conn.execute(
            "SELECT count(DISTINCT o.id), coalesce(sum(l.quantity), 0) FROM orders o JOIN order_lines l "
            "ON l.tenant_id = o.tenant_id AND l.order_id = o.id WHERE o.tenant_id = %s", (tenant_id,)).fetchone()
        stock = conn.execute("SELECT stock FROM catalog_skus WHERE tenant_id = %s AND id = %s",
                             (tenant_id, sku_id)).fetchone()[0]
    return orders, units, stock


def sessions(base: str, tenant_id: uuid.UUID, customers: list[uuid.UUID]) -> list[tuple[str, str]]:
    """(session cookie, CSRF token) per buyer: a signed customer session, then the cart badge's token."""
    from flask import Flask

    signer_app = Flask("bench")  # Flask's own cookie signer, with the server's SECRET_KEY
    signer_app.secret_key = SECRET
    signer = signer_app.session_interface.get_signing_serializer(signer_app)
    out = []
    for customer_id in customers:
        cookie = signer.dumps({"kd_customer": {"tenant": str(tenant_id), "id": str(customer_id)}})
        response = requests.get(f"{base}/api/store/cart/count", headers={"Host": f"{SLUG}.localhost"},
                                cookies={"session": cookie}, timeout=10)
        response.raise_for_status()
        cookie = re.search(r"session=([^;]+)", response.headers["Set-Cookie"])[1]
        out.append((cookie, response.json()["csrf_token"]))
    return out


def checkout_load(base: str, buyers: list[tuple[str, str]], sku_id: uuid.UUID) -> tuple[Load, int, int]:
    """wrk, one connection per buyer; (latency and request rate, requests, non-2xx responses)."""
    require_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(f"{cookie} {token}" for cookie, token in buyers))
    env = {**os.environ, "BENCH_BUYERS_FILE": listing.name, "BENCH_SKU": str(sku_id), "BENCH_PRICE": str(PRICE),
           "BENCH_HOST": f"{SLUG}.localhost"}
    command = ["wrk", "-t2", f"-c{len(buyers)}", f"-d{SECONDS}s", "--timeout", "10s", "--latency", "-s", str(LUA),
               f"{base}/api/store/orders"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 60, check=True, env=env)
    os.unlink(listing.name)
    out = done.stdout
    statuses = re.search(r"statuses: (.*)", out)
    if statuses:
        print(f"  checkout responses by status: {statuses[1]}")
    for refusal in re.findall(r"refused: (.*)", out):
        print(f"  {refusal}")
    if " 0 requests in" in out or done.stderr.strip():
        raise RuntimeError(f"wrk: {done.stderr.strip() or out}")
    requests_done = int(re.search(r"(\d+) requests in", out)[1])
    refused = int(m[1]) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    return Load(rps, _percentile(out, "50%"), _percentile(out, "99%")), requests_done, refused


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


class CpuMeter:
    """CPU time spent by the server (gunicorn's master and workers) and by its PostgreSQL backends
    between ``start`` and ``stop``. On a shared machine the request rates move with the neighbours'
    load; CPU per request hardly does, so the report shows both (wrk's own CPU is not counted)."""

    def __init__(self, server, owner_url: str):
        self.server, self.owner_url, self.before = server, owner_url, {}

    def _pids(self) -> list[int]:
        with psycopg.connect(self.owner_url) as conn:
            backends = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = %s", (APP_ROLE,))]
        return process_tree(self.server.pid) + backends

    def start(self) -> None:
        self.before = {pid: cpu_seconds([pid]) for pid in self._pids()}

    def stop(self) -> float:
        return sum(self.stop_split())

    def stop_split(self) -> tuple[float, float]:
        """(gunicorn's CPU, its PostgreSQL backends' CPU) since ``start``."""
        server = set(process_tree(self.server.pid))
        pids = set(self._pids()) | set(self.before)
        spent = {pid: max(0.0, cpu_seconds([pid]) - self.before.get(pid, 0.0)) for pid in pids}
        return (sum(v for pid, v in spent.items() if pid in server),
                sum(v for pid, v in spent.items() if pid not in server))


def main() -> None:
    with scratch_database() as scratch:
        env = {**scratch.env, "REDIS_URL": redis_url(), "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost",
               "SECRET_KEY": SECRET, "KAIDIAN_ENV": "development",
               # workers are not recycled mid-run (max_requests, a leak guard, restarted both workers
               # inside a round and left wrk without a server for seconds); the rest is gunicorn.conf.py
               "GUNICORN_CMD_ARGS": "--max-requests 0"}
        migrate(env)
        database = check_rls_applies(scratch)
        tenant_id, sku_id, customers = seed(scratch.owner_url)
        rounds = []
        with gunicorn(env, workers=WORKERS) as base:
            buyers = sessions(base, tenant_id, customers)
            wrk(f"{base}/healthz", seconds=1)  # warm up
            meter = CpuMeter(base, scratch.owner_url)
            for _ in range(ROUNDS):
                _restock(scratch.owner_url, tenant_id, sku_id)
                meter.start()
                health = wrk(f"{base}/healthz", seconds=SECONDS, connections=BUYERS)
                health_cpu = meter.stop() / max(1.0, health.rps * SECONDS)
                meter.start()  # the floor: the lightest logged-in shopper request that reads the database
                floor = wrk(f"{base}/api/store/cart/count", seconds=SECONDS, connections=BUYERS,
                            headers={"Host": f"{SLUG}.localhost", "Cookie": f"session={buyers[0][0]}"})
                floor_cpu = meter.stop() / max(1.0, floor.rps * SECONDS)
                meter.start()
                start = datetime.now(UTC)
                load, sent, refused = checkout_load(base, buyers, sku_id)
                end = datetime.now(UTC)
                _drain(scratch.owner_url, tenant_id)
                app_cpu, db_cpu = meter.stop_split()  # per request below: with the ones wrk left queued, now done
                checkout_cpu = app_cpu + db_cpu
                in_window = _created_between(scratch.owner_url, tenant_id, start, end)
                orders, units, stock = _sold(scratch.owner_url, tenant_id, sku_id)
                checkout_cpu /= max(1, orders + refused)
                db_share = db_cpu / max(1e-9, app_cpu + db_cpu)
                rounds.append({"health": health, "checkout": load, "sent": sent, "refused": refused,
                               "orders": orders, "orders_per_s": in_window / (end - start).total_seconds(),
                               "oversold": max(0, units - STOCK) + max(0, -stock),
                               "consistent": units + stock == STOCK,
                               "floor": floor, "floor_cpu_ms": floor_cpu * 1000,
                               "health_cpu_ms": health_cpu * 1000, "checkout_cpu_ms": checkout_cpu * 1000,
                               "checkout_db_ms": checkout_cpu * 1000 * db_share})
    _report(rounds, database, env["REDIS_URL"])


def _report(rounds: list[dict], database: str, redis: str) -> None:
    print(f"database: {database}; Redis: {'yes' if redis else 'no'}; {BUYERS} buyers, stock {STOCK} of one SKU, "
          f"{ROUNDS} rounds of {SECONDS} s (gunicorn, production config: {WORKERS} workers × 2 threads)")
    print(f"{'round':<7}{'healthz req/s':>15}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'refused':>9}"
          f"{'oversold':>10}{'ratio':>8}{'CPU ms/healthz':>16}{'CPU ms/checkout':>17}{'CPU ratio':>11}")
    for i, r in enumerate(rounds, 1):
        print(f"{i:<7}{r['health'].rps:>15.0f}{r['orders_per_s']:>10.1f}{r['checkout'].p50_ms:>9.1f}"
              f"{r['checkout'].p99_ms:>9.1f}{r['refused']:>9}{r['oversold']:>10}"
              f"{r['orders_per_s'] / r['health'].rps:>8.3f}{r['health_cpu_ms']:>16.2f}{r['checkout_cpu_ms']:>17.2f}"
              f"{r['health_cpu_ms'] / r['checkout_cpu_ms']:>11.3f}{r['checkout_db_ms']:>15.2f} ms")
    cpu_ratio = statistics.median(r["health_cpu_ms"] / r["checkout_cpu_ms"] for r in rounds)
    print(f"CPU per request (gunicorn + its PostgreSQL backends; wrk not counted), healthz ÷ checkout (median): "
          f"{cpu_ratio:.3f} — the rate ratio a CPU-bound machine of its own would show")
    floor_rate = statistics.median(r["floor"].rps / r["health"].rps for r in rounds)
    floor_cpu = statistics.median(r["health_cpu_ms"] / r["floor_cpu_ms"] for r in rounds)
    print(f"for scale, the lightest logged-in request that reads the database (GET /api/store/cart/count: the "
          f"customer and one count): {statistics.median(r['floor'].rps for r in rounds):.0f} req/s, "
          f"{statistics.median(r['floor_cpu_ms'] for r in rounds):.2f} CPU ms; ÷ /healthz: rate {floor_rate:.3f}, "
          f"CPU {floor_cpu:.3f}")
    ratio = statistics.median(r["orders_per_s"] / r["health"].rps for r in rounds)
    oversold = sum(r["oversold"] for r in rounds)
    consistent = all(r["consistent"] for r in rounds)
    print(f"checkout orders/s ÷ /healthz req/s (median): {ratio:.3f}  (target >= 0.20); oversold: {oversold} "
          f"(must be 0); sold + left == stock in every round: {consistent}")
    if oversold or not consistent:
        raise SystemExit("oversold")


if __name__ == "__main__":
    main()
