"""Builder latency: draft save, section preview render and publish of a 25-section home page,
measured in-process with Flask's test client against PostgreSQL (a scratch database, migrated),
with GET /healthz measured in the same run as the baseline for the ratios.

Targets (this machine's size: 2 cores): p95 <= 150 ms for save and section preview, <= 300 ms for
publish. Also reported: the whole-page preview the editor uses when the theme changes.

``BENCH_BUILDER_N`` sets the iterations per operation (default 200); the render cache uses Redis
when it answers on 127.0.0.1:6379 (``BENCH_REDIS_URL`` overrides), as in production.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import statistics
import time
import uuid

from bench.harness import check_rls_applies, migrate, scratch_database
from bench.storefront import redis_url

N = int(os.environ.get("BENCH_BUILDER_N", "200"))
WARMUP = 10
SLUG = "bench-builder"
PASSWORD = "bench-pass-123"
PRODUCTS = 24
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TARGETS = {"draft save": 150.0, "section preview": 150.0, "publish": 300.0}


def _slides(n: int) -> dict:
    return {f"slide-{i}": {"type": "slide", "settings": {"heading": f"Slide {i}", "text": "New season",
                                                          "button_label": "Shop", "link": "/categories",
                                                          "background": "#b9a58f"}} for i in range(n)}


def _icons() -> dict:
    return {f"item-{i}": {"type": "item", "settings": {"icon": icon, "label": icon.title(), "link": "/categories"}}
            for i, icon in enumerate(("sparkle", "fire", "grid", "gift", "user"))}


# A busy home page at the 25-section limit: eleven of the sections read the catalog.
SECTIONS = [
    ("announcement", "announcement_bar", {"text": "Free returns within 7 days"}, {}),
    ("header", "header", {"tagline": "Linen and cotton, made to last"}, {}),
    ("search", "search_bar", {}, {}),
    ("banner", "banner", {"height": 320}, _slides(4)),
    ("nav", "icon_nav", {}, _icons()),
    ("notice", "notice", {"text": "New arrivals every Friday."}, {}),
    ("categories", "category_grid", {"heading": "Shop by category"}, {}),
    ("new", "product_grid", {"heading": "New arrivals", "count": 6}, {}),
    ("edit", "image_with_text", {"heading": "The weekend edit", "text": "Soft knits and relaxed tailoring."}, {}),
    ("best", "product_carousel", {"heading": "Best sellers", "count": 8}, {}),
    ("featured", "featured_product", {}, {}),
    ("story", "brand_story", {"heading": "Made to be worn for years"}, {}),
    ("picks", "product_grid", {"heading": "Editor's picks", "columns": 1, "count": 4}, {}),
    ("spacer-1", "spacer", {"height": 24}, {}),
    ("linen", "product_carousel", {"heading": "The linen shop", "count": 8}, {}),
    ("text-1", "rich_text", {"heading": "Care guide", "content": "<p>Wash cold, dry flat.</p>"}, {}),
    ("more", "product_grid", {"heading": "More to love", "columns": 3, "count": 12}, {}),
    ("edit-2", "image_with_text", {"heading": "Gift ideas", "layout": "image_left"}, {}),
    ("sale", "product_grid", {"heading": "On sale", "count": 6}, {}),
    ("video", "video", {"heading": "In the studio"}, {}),
    ("knit", "product_carousel", {"heading": "Knitwear", "size": "small"}, {}),
    ("spacer-2", "spacer", {"height": 16, "divider": True}, {}),
    ("service", "customer_service", {}, {}),
    ("text-2", "rich_text", {"heading": "Shipping", "content": "<p>Shipped within 48 hours.</p>"}, {}),
    ("footer", "footer", {"text": "© Bench Linen"}, {"link-1": {"type": "link", "settings": {"label": "About",
                                                                                            "link": "/"}}}),
]


def home_document() -> dict:
    sections = {sid: {"type": kind, "settings": settings, "blocks": blocks, "block_order": list(blocks)}
                for sid, kind, settings, blocks in SECTIONS}
    return {"sections": sections, "order": [sid for sid, *_ in SECTIONS], "settings": {"title": "Bench"}}


def build_app(database_url: str, redis: str):
    from kaidian.platform.app import create_app

    return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis, "SECRET_KEY": "bench", "LOG_JSON": False,
                       "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost", "RATELIMIT_AUTH": "100000 per minute",
                       "MEDIA_ROOT": "/tmp/kaidian-bench-media"})


def seed(app) -> None:
    """A store (signed up like any merchant) with 24 products and the 25-section page as its draft."""
    from kaidian.catalog.models import Category, Product, ProductImage, ProductStatus, Sku
    from kaidian.platform.extensions import db
    from kaidian.platform.tenancy import tenant_context
    from kaidian.tenants import services as tenants
    from kaidian.themes import services

    with app.test_request_context():
        _, tenant = tenants.signup({"login": f"{SLUG}@example.com", "password": PASSWORD, "store_name": "Bench Linen",
                                    "slug": SLUG, "plan": "pro", "categories": ["apparel"]})
        with tenant_context(tenant.id):
            category = Category(name="Linen")
            db.session.add(category)
            db.session.flush()
            for i in range(PRODUCTS):
                product = Product(title=f"Washed linen shirt no. {i}", subtitle="Relaxed fit", specs=[],
                                  status=ProductStatus.ON_SALE, category_id=category.id)
                db.session.add(product)
                db.session.flush()
                db.session.add(Sku(product_id=product.id, price=25900 + i * 100, original_price=32900, stock=40,
                                   spec_values=[], spec_key=""))
                stem = f"t/{tenant.id}/products/{uuid.uuid4().hex}"
                db.session.add(ProductImage(product_id=product.id, position=0, original_key=f"{stem}.jpg",
                                            image_key=f"{stem}.jpg", thumb_key=f"{stem}_t.jpg", width=800,
                                            height=800))
            db.session.commit()
            services.setup(tenant, "clothing")
            page = services.get_page(tenant, "home")
            services.save_draft(tenant, "home", home_document(), page.draft_revision, None)
            services.publish(tenant, "home", None)
        db.session.remove()


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def series(label: str, step, n: int = N) -> list[float]:
    for i in range(WARMUP):
        step(-1 - i)
    samples = []
    for i in range(n):
        elapsed, response = timed(lambda i=i: step(i))
        if response.status_code != 200:
            raise RuntimeError(f"{label}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
        samples.append(elapsed)
    return samples


def p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1] if len(samples) > 1 else samples[0]


def editor_session(app):
    """A test client logged in the way the editor is (session cookie), with the CSRF header it sends."""
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login": f"{SLUG}@example.com", "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError("the bench store's owner could not log in")
    token = CSRF_RE.search(client.get("/admin/builder/").get_data(as_text=True)).group(1)  # the session's new one
    return client, {"X-CSRFToken": token}


def run(app) -> dict:
    client, auth = editor_session(app)
    state = client.get("/api/v1/pages/home", headers=auth).get_json()
    document, revision = state["draft"], {"value": state["draft_revision"]}
    assert len(document["order"]) == 25, len(document["order"])

    def save(i):
        changed = copy.deepcopy(document)
        changed["sections"]["announcement"]["settings"]["text"] = f"Free returns within 7 days ({i})"
        response = client.put("/api/v1/pages/home/draft", headers=auth,
                              json={"document": changed, "base_revision": revision["value"]})
        if response.status_code == 200:
            revision["value"] = response.get_json()["draft_revision"]
        return response

    def preview(i):
        section_id = document["order"][i % len(document["order"])]
        section = copy.deepcopy(document["sections"][section_id])
        if "heading" in section["settings"]:
            section["settings"]["heading"] = f"Heading {i}"
        return client.post("/api/v1/theme/render-section", headers=auth,
                           json={"page": "home", "section_id": section_id, "section": section})

    def whole_page(i):
        return client.post("/api/v1/builder/pages/home/render", headers=auth, json={"document": document})

    def publish(i):
        return client.post("/api/v1/pages/home/publish", headers=auth, json={"base_revision": revision["value"]})

    anonymous = app.test_client()

    def health(i):
        return anonymous.get("/healthz")

    results = {"healthz": series("healthz", health)}
    results["draft save"] = series("draft save", save)
    results["section preview"] = series("section preview", preview)
    results["publish"] = series("publish", publish)
    results["whole-page preview"] = series("whole-page preview", whole_page, n=max(20, N // 4))
    return results


def report(results: dict, redis: str, database: str = "") -> None:
    base = statistics.median(results["healthz"])
    cache = "Redis" if redis else "in-process (no Redis)"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"25-section home page, {PRODUCTS} products, {database}, Flask test client in-process; cache: {cache}")
    print(f"editor's session cookie + CSRF header; {os.cpu_count()} CPUs, load average during the run {load}")
    print(f"{'operation':<22}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'p50/healthz':>13}{'target p95':>12}  verdict")
    for label, samples in results.items():
        p50, p95 = statistics.median(samples), p(samples, 95)
        target = TARGETS.get(label)
        verdict = "" if target is None else ("PASS" if p95 <= target else "FAIL")
        target_text = f"<= {target:.0f}" if target is not None else "-"
        print(f"{label:<22}{len(samples):>5}{p50:>10.2f}{p95:>10.2f}{p50 / base:>13.1f}{target_text:>12}  {verdict}")


def main() -> None:
    redis = redis_url()
    with scratch_database() as scratch:
        env = {**scratch.env, "REDIS_URL": redis, "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost"}
        migrate(env)
        database = check_rls_applies(scratch)
        app = build_app(scratch.app_url, redis)  # the application role, as in production
        logging.getLogger("kaidian.request").setLevel(logging.WARNING)
        seed(app)
        results = run(app)
        with app.app_context():
            from kaidian.platform.extensions import db

            db.session.remove()
            db.engine.dispose()
    report(results, redis, database)


if __name__ == "__main__":
    main()
