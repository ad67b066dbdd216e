"""Storefront throughput: a store's themed home page (10 sections, 24 real products) against a
trivial endpoint (/healthz) served by the same gunicorn (production config) in the same run, and
home-page p50 with 10,000 tenants over p50 with 10 tenants; then the home page while a background
loop sells stock of that store through the stock service at a steady rate (``BENCH_SALES_PER_SECOND``,
default 20), over the home page without it, alternating in the same run.
Targets: home ≥ 0.5 × trivial throughput (warm render cache); p50 ratio ≤ 1.15; home under stock
writes ≥ 0.9 × home without (stock is not in cached pages, so sales leave the cache warm).

``python -m bench.storefront sales`` runs only the last one.

The render cache lives in Redis when ``BENCH_REDIS_URL`` is set (or Redis answers on
127.0.0.1:6379, database 0), as in production; otherwise each worker keeps its own in-process cache.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import redis
import requests
from sqlalchemy import create_engine, insert

from bench.harness import ROOT, Load, check_rls_applies, gunicorn, migrate, scratch_database, wrk

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
SALES_PER_SECOND = float(os.environ.get("BENCH_SALES_PER_SECOND", "20"))
SALES_NICE = int(os.environ.get("BENCH_SALES_NICE", "0"))  # run the sales process at a lower priority
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # trivial and home alternate; medians are reported
BENCH_STORE = "bench-00001"
PRODUCTS = 24

# The home page: ten sections, three of them showing the store's products.
HOME = {
    "sections": {
        "announcement": {"type": "announcement_bar", "settings": {"text": "Order by 16:00, shipped today"}},
        "header": {"type": "header", "settings": {"tagline": "Fresh every day"}},
        "search": {"type": "search_bar"},
        "banner": {"type": "banner", "blocks": {f"s{i}": {"type": "slide", "settings": {
            "heading": f"Slide {i}", "text": "Picked at dawn", "button_label": "Shop", "link": "/categories",
            "background": "#e4572e"}} for i in range(3)}},
        "nav": {"type": "icon_nav", "blocks": {f"i{i}": {"type": "item", "settings": {
            "icon": icon, "label": icon.title(), "link": "/categories"}}
            for i, icon in enumerate(("apple", "cake", "coffee", "leaf", "gift"))}},
        "notice": {"type": "notice", "settings": {"text": "Cold-chain delivery keeps fresh food fresh."}},
        "today": {"type": "product_grid", "settings": {"heading": "Today's picks", "columns": 1, "count": 4}},
        "fresh": {"type": "product_grid", "settings": {"heading": "Fresh arrivals", "columns": 2, "count": 12}},
        "best": {"type": "product_carousel", "settings": {"heading": "Best sellers", "count": 8}},
        "footer": {"type": "footer", "settings": {"text": "© Bench store"}},
    },
    "order": ["announcement", "header", "search", "banner", "nav", "notice", "today", "fresh", "best", "footer"],
}


def seed_tenants(database_url: str, count: int, start: int = 0) -> None:
    from kaidian.platform.config import _sqlalchemy_url
    from kaidian.platform.models import Tenant

    engine = create_engine(_sqlalchemy_url(database_url))
    rows = [{"id": uuid.uuid4(), "slug": f"bench-{i:05d}", "name": f"Bench store {i}", "plan": "basic",
             "status": "trial", "suspended_reason": "", "default_locale": "zh",
             "logo_key": "", "intro": "A benchmark store.", "contact_phone": "", "contact_email": "",
             "service_wechat_id": "", "categories": "", "created_at": datetime.now(UTC)}
            for i in range(start, start + count)]
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 1000):
            conn.execute(insert(Tenant.__table__), rows[chunk:chunk + 1000])
    engine.dispose()


def seed_store(database_url: str, slug: str = BENCH_STORE) -> float:
    """Give one store 24 products (with SKUs and images), a category, and a 10-section home page;
    returns the median time (ms) to render that page on a cache miss."""
    from sqlalchemy import select

    from kaidian.catalog.models import Category, Product, ProductImage, ProductStatus, Sku
    from kaidian.platform.app import create_app
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Tenant
    from kaidian.platform.tenancy import tenant_context
    from kaidian.themes import services

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": "", "LOG_JSON": False,
                      "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost"})
    with app.test_request_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one()
        with tenant_context(tenant.id):
            category = Category(name="Fruit")
            db.session.add(category)
            db.session.flush()
            for i in range(PRODUCTS):
                product = Product(title=f"Sun-ripened mango box no. {i}", subtitle="2.5 kg, shipped cold",
                                  status=ProductStatus.ON_SALE, specs=[], category_id=category.id)
                db.session.add(product)
                db.session.flush()
                db.session.add(Sku(product_id=product.id, price=5990 + i * 100, original_price=6990 + i * 100,
                                   stock=1_000_000, spec_values=[], spec_key=""))
                stem = f"t/{tenant.id}/products/{uuid.uuid4().hex}"
                db.session.add(ProductImage(product_id=product.id, position=0, original_key=f"{stem}.jpg",
                                            image_key=f"{stem}.jpg", thumb_key=f"{stem}_t.jpg", width=800,
                                            height=800))
            db.session.commit()
            services.setup(tenant, "food")
            page = services.get_page(tenant, "home")
            services.save_draft(tenant, "home", HOME, page.draft_revision, None)
            services.publish(tenant, "home", None)
        db.session.remove()
    cold = _cold_render_ms(app, tenant.id, slug)
    with app.app_context():
        db.engine.dispose()
    return cold


def _cold_render_ms(app, tenant_id, slug: str, times: int = 20) -> float:
    """The home page rendered from scratch (a cache miss each time), in this process: median ms."""
    import time

    from kaidian.themes import render_cache

    client, spent = app.test_client(), []
    for _ in range(times):
        with app.app_context():
            render_cache.bump_content(tenant_id)
        started = time.perf_counter()
        assert client.get("/", headers={"Host": f"{slug}.localhost"}).status_code == 200
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL")
    if url is not None:
        return url
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        return ""
    return "redis://127.0.0.1:6379/0"


def check_home(base: str) -> int:
    response = requests.get(f"{base}/", headers={"Host": f"{BENCH_STORE}.localhost"}, timeout=10)
    response.raise_for_status()
    cards = response.text.count('class="kd-pcard"')
    sections = response.text.count('<section class="kd-section')
    if sections != 10 or cards < PRODUCTS:
        raise RuntimeError(f"the bench home page shows {sections} sections and {cards} product cards")
    return len(response.content)


def measure(env: dict) -> dict:
    """Alternate the trivial endpoint and the home page ``ROUNDS`` times on one server, so each pair
    shares the machine's conditions; report the medians and the median of the per-round ratios."""
    pairs = []
    with gunicorn(env) as base:
        size = check_home(base)
        wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=2)  # warm every worker's caches
        wrk(f"{base}/healthz", seconds=1)
        for _ in range(ROUNDS):
            trivial = wrk(f"{base}/healthz", seconds=SECONDS)
            home = wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=SECONDS)
            pairs.append((trivial, home))
    return {"trivial": _median([t for t, _ in pairs]), "home": _median([h for _, h in pairs]),
            "ratio": statistics.median(h.rps / t.rps for t, h in pairs), "bytes": size}


def _median(loads: list[Load]) -> Load:
    return Load(statistics.median(x.rps for x in loads), statistics.median(x.p50_ms for x in loads),
                statistics.median(x.p99_ms for x in loads))


class Sales:
    """A second process (``python -m bench.sales``) selling one unit at a time through the stock
    service (``stock.reserve`` and a commit per sale, as checkout will) at ``rate`` sales per second,
    round robin over the store's SKUs, until stopped; ``sold`` is read from its output."""

    def __init__(self, env: dict, slug: str = BENCH_STORE, rate: float = SALES_PER_SECOND):
        self.env, self.slug, self.rate, self.sold = env, slug, rate, 0
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [sys.executable, "-m", "bench.sales", self.slug, str(self.rate)]
        if SALES_NICE:
            command[:0] = ["nice", "-n", str(SALES_NICE)]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env, "LOG_JSON": "0"},
                                        stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the sales loop did not start")
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=60)
        lines = out.strip().splitlines()
        if self.process.returncode != 0 or not lines or not lines[-1].isdigit():
            raise RuntimeError(f"the sales loop failed (exit {self.process.returncode})")
        self.sold = int(lines[-1])


def measure_sales(env: dict) -> dict:
    """Home page alone and home page during sales, alternating ``ROUNDS`` times on one server."""
    pairs, sold, spent = [], 0, 0.0
    with gunicorn(env) as base:
        check_home(base)
        wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=2)
        for round_number in range(ROUNDS):  # which goes first alternates, so neither gains from order
            if round_number % 2:
                busy, sales, seconds = _home_during_sales(base, env)
                quiet = wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=SECONDS)
            else:
                quiet = wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=SECONDS)
                busy, sales, seconds = _home_during_sales(base, env)
            sold, spent = sold + sales.sold, spent + seconds
            pairs.append((quiet, busy))
    return {"quiet": _median([q for q, _ in pairs]), "busy": _median([b for _, b in pairs]),
            "ratio": statistics.median(b.rps / q.rps for q, b in pairs), "sales_per_second": sold / spent}


def _home_during_sales(base: str, env: dict) -> tuple[Load, Sales, float]:
    with Sales(env) as sales:
        started = time.monotonic()
        busy = wrk(f"{base}/", host=f"{BENCH_STORE}.localhost", seconds=SECONDS)
        seconds = time.monotonic() - started
    return busy, sales, seconds


def _report_sales(sales: dict) -> None:
    print(f"home while selling stock ({sales['sales_per_second']:.1f} sales/s through the stock service), "
          f"medians of {ROUNDS} alternating rounds of {SECONDS} s")
    print(f"{'home page':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for label, load in (("no sales", sales["quiet"]), ("during sales", sales["busy"])):
        print(f"{label:<28}{load.rps:>10.0f}{load.p50_ms:>10.2f}{load.p99_ms:>10.2f}")
    print(f"home during sales / without: {sales['ratio']:.2f}  (target >= 0.90)")


def main(only: str = "") -> None:
    with scratch_database() as scratch:
        env = {**scratch.env, "REDIS_URL": redis_url(), "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost"}
        migrate(env)
        database = check_rls_applies(scratch)
        seed_tenants(scratch.owner_url, 10)  # a bulk load, as the owner
        cold = seed_store(scratch.app_url)  # through the app, as the application role
        if only == "sales":
            print(f"database: {database}")
            _report_sales(measure_sales(env))
            return
        small = measure(env)
        sales = measure_sales(env)
        seed_tenants(scratch.owner_url, 9_990, start=10)
        large = measure(env)
    _report(small, large, env["REDIS_URL"], cold, database)
    _report_sales(sales)


def _report(small: dict, large: dict, redis_used: str, cold_ms: float, database: str) -> None:
    trivial, home = small["trivial"], small["home"]
    cache = "Redis" if redis_used else "in-process (no Redis)"
    print(f"database: {database}")
    print(f"home page: 10 sections, {PRODUCTS} products, {small['bytes']:,} bytes; render cache: {cache}; "
          f"medians of {ROUNDS} alternating rounds of {SECONDS} s")
    print(f"{'endpoint':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for label, load in (("trivial /healthz", trivial), ("home, 10 tenants", home),
                        ("trivial, 10,000 tenants", large["trivial"]), ("home, 10,000 tenants", large["home"])):
        print(f"{label:<28}{load.rps:>10.0f}{load.p50_ms:>10.2f}{load.p99_ms:>10.2f}")
    print(f"home / trivial throughput: {small['ratio']:.2f}  (target >= 0.50; 10,000 tenants: {large['ratio']:.2f})")
    print(f"home p50, 10,000 / 10 tenants: {large['home'].p50_ms / home.p50_ms:.2f}  (target <= 1.15)")
    print(f"home rendered on a cache miss (in-process, median): {cold_ms:.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
