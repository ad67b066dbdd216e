"""``make audit``: Lighthouse (mobile, Debian's headless Chromium) over a seeded store and the platform's
landing page, printing the four category scores and the bytes each page downloads.

The store is the clothing demo (``catalog.demo`` and ``themes.demo``, the seeders ``seed-demo`` runs)
cut to six products with two pictures each, in a scratch database, served by gunicorn with the
production settings on 127.0.0.1. Pages: home, category, product, search, and the platform landing.
Not part of ``make test`` (a minute or more per page on a small machine); scores move a few points
between runs on a loaded machine, so compare runs made on the same machine.

``AUDIT_JSON=folder`` keeps Lighthouse's JSON reports there.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bench.harness import ROOT, free_port, gunicorn, migrate, scratch_database

SLUG = "audit"
STORE = {"login": "audit@kaidian.local", "store_name": "云裳服饰", "slug": SLUG, "plan": "pro",
         "categories": ["apparel"], "template": "clothing"}
PRODUCTS = 6
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run --disable-quic")


def lighthouse_bin() -> Path:
    path = ROOT / "node_modules" / ".bin" / "lighthouse"
    if not path.exists():
        raise SystemExit("audit: Lighthouse is not installed — run `npm ci` (package.json's devDependencies)")
    return path


def chrome_path() -> str:
    path = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        raise SystemExit(f"audit: no Chromium at {path} — `apt-get install -y chromium` or set CHROME_PATH")
    return path


def seed(env: dict) -> dict:
    """The store, its products and its published theme; returns the paths of the pages to audit."""
    os.environ.update(env)
    from sqlalchemy import select

    from kaidian.catalog import demo as catalog_demo
    from kaidian.catalog.models import Product
    from kaidian.platform import accounts
    from kaidian.platform.app import create_app
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Tenant
    from kaidian.platform.tenancy import tenant_context
    from kaidian.tenants import services as tenants
    from kaidian.themes import demo as themes_demo

    app = create_app({"REDIS_URL": "", "LOG_JSON": False})
    clothing = catalog_demo.CATALOGS["clothing"]
    small = dataclasses.replace(clothing, products=clothing.products[:PRODUCTS])
    with app.test_request_context():
        tenants.signup({**{k: STORE[k] for k in ("login", "store_name", "slug", "plan", "categories")},
                        "password": "kaidian-audit-2026"})
        db.session.remove()
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == SLUG)).scalar_one()
        owner = accounts.find_user(STORE["login"])
        with tenant_context(tenant.id):
            catalog_demo.CATALOGS["clothing"] = small
            try:
                catalog_demo.seed_demo_store(tenant, STORE, owner)
            finally:
                catalog_demo.CATALOGS["clothing"] = clothing
            themes_demo.seed_demo_store(tenant, STORE, owner)
            product_id = db.session.execute(select(Product.id).order_by(Product.created_at)).scalars().first()
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    return {"home": "/", "category": "/categories", "product": f"/products/{product_id}",
            "search": "/search?q=%E8%BF%9E%E8%A1%A3%E8%A3%99"}  # 连衣裙


def audit(url: str, keep: Path | None, name: str) -> dict:
    """One Lighthouse run (mobile, the default form factor): scores 0–100 and total KiB. The page is
    fetched once first, so Lighthouse sees it from the render cache, as a store's visitors do."""
    parts = urlsplit(url)  # the resolver may not know *.localhost (Chromium does): ask 127.0.0.1 with its Host
    warm = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
    requests.get(warm, headers={"Host": parts.netloc}, timeout=30).raise_for_status()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run([str(lighthouse_bin()), url, "--quiet", "--output=json", f"--output-path={report}",
                        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
                       env={**os.environ, "CHROME_PATH": chrome_path()}, check=True, timeout=300)
        data = json.loads(report.read_text())
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(report, keep / f"{name}.json")
    scores = {c: round((data["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    weight = data["audits"].get("total-byte-weight", {}).get("numericValue", 0)
    return {**scores, "kib": round(weight / 1024)}


def main() -> None:
    lighthouse_bin(), chrome_path()
    keep = Path(os.environ["AUDIT_JSON"]) if os.environ.get("AUDIT_JSON") else None
    port = free_port()
    media = tempfile.mkdtemp(prefix="kaidian-audit-media-")
    try:
        with scratch_database() as scratch:
            env = {**scratch.env, "MEDIA_ROOT": media, "PORT": str(port), "PLATFORM_HOST": f"localhost:{port}",
                   "STORE_DOMAIN": "localhost", "REDIS_URL": "", "LOG_JSON": "0"}
            migrate(scratch.env)
            paths = seed(env)
            with gunicorn(env, workers=2, port=port):
                pages = {name: f"http://{SLUG}.localhost:{port}{path}" for name, path in paths.items()}
                pages["platform"] = f"http://localhost:{port}/"
                print(f"{'page':<10}{'perf':>6}{'a11y':>6}{'bp':>6}{'seo':>6}{'KiB':>7}")
                for name, url in pages.items():
                    row = audit(url, keep, name)
                    print(f"{name:<10}{row['performance']:>6}{row['accessibility']:>6}{row['best-practices']:>6}"
                          f"{row['seo']:>6}{row['kib']:>7}", flush=True)
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
