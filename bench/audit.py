"""``make audit``: Lighthouse (mobile, Debian's headless Chromium) over one seeded store per template and
the platform's landing page, printing the four category scores and the bytes each page downloads.

Each store (``AUDIT_TEMPLATES``, comma-separated; all four by default, as the issue asks for 100 on every
template) gets its template's published theme (``themes.demo``) and its template's demo catalogue
(``catalog.demo``; beauty and digital have none yet, so they borrow the clothing one), cut to six products
with two pictures each (a product drawn once gets a second picture with its colours swapped). All stores
live in one scratch database behind one gunicorn with the production settings on 127.0.0.1.
Pages per store: home, category, product, search and the customer centre (``/member``, as a logged-in
customer: Lighthouse sends the store's session cookie); then the platform landing once.
Not part of ``make test`` (about a minute per page on a small machine, so ~20 minutes for all four);
scores move a few points between runs on a loaded machine, so compare runs made on the same machine.

``AUDIT_JSON=folder`` keeps Lighthouse's JSON reports there (``<template>-<page>.json``).
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
from unittest import mock
from urllib.parse import quote, urlsplit

import requests

from bench.harness import ROOT, free_port, gunicorn, migrate, scratch_database

TEMPLATES = {"clothing": ("云裳服饰", "apparel"), "beauty": ("花语美妆", "beauty"), "food": ("山野食铺", "food"),
             "digital": ("极客数码", "digital")}  # template: (store name, business category)
FALLBACK_CATALOGUE = "clothing"
NICKNAME = "审计顾客"  # the logged-in customer's name, which the customer centre must show
PRODUCTS = 6
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run --disable-quic")


def templates() -> list[str]:
    """The templates to audit, from ``AUDIT_TEMPLATES`` (default: all four)."""
    names = [t.strip() for t in os.environ.get("AUDIT_TEMPLATES", ",".join(TEMPLATES)).split(",") if t.strip()]
    unknown = [t for t in names if t not in TEMPLATES]
    if unknown or not names:
        raise SystemExit(f"audit: AUDIT_TEMPLATES must name some of {', '.join(TEMPLATES)} (got {unknown or 'none'})")
    return names


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


def store_for(template: str) -> dict:
    name, category = TEMPLATES[template]
    return {"login": f"audit-{template}@kaidian.local", "store_name": name, "slug": f"audit-{template}",
            "plan": "pro", "categories": [category], "template": template}


def small_catalogue(template: str):
    """The template's demo catalogue (or the fallback) cut to six products, each with two pictures."""
    from kaidian.catalog import demo as catalog_demo

    full = catalog_demo.CATALOGS.get(template) or catalog_demo.CATALOGS[FALLBACK_CATALOGUE]
    items = tuple(item if len(item.colours) >= 2 else
                  dataclasses.replace(item, colours=(*item.colours, *((bg, ink) for ink, bg in item.colours)))
                  for item in full.products[:PRODUCTS])
    return dataclasses.replace(full, products=items)


def seed(env: dict, names: list[str]) -> dict:
    """One store per template with its products, published theme and a logged-in customer; returns, per
    template, the host, the paths of the pages to audit and the customer's session cookie."""
    os.environ.update(env)
    from sqlalchemy import select

    from kaidian.catalog import demo as catalog_demo
    from kaidian.catalog.models import Product
    from kaidian.customers.models import Customer
    from kaidian.customers.services import SESSION_KEY
    from kaidian.platform import accounts
    from kaidian.platform.app import create_app
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Tenant
    from kaidian.platform.tenancy import tenant_context
    from kaidian.tenants import services as tenants
    from kaidian.themes import demo as themes_demo

    app = create_app({"REDIS_URL": "", "LOG_JSON": False})
    stores = {}
    for template in names:
        store = store_for(template)
        with app.test_request_context():
            tenants.signup({**{k: store[k] for k in ("login", "store_name", "slug", "plan", "categories")},
                            "password": "kaidian-audit-2026"})
            db.session.remove()
            tenant = db.session.execute(select(Tenant).where(Tenant.slug == store["slug"])).scalar_one()
            owner, tenant_id = accounts.find_user(store["login"]), str(tenant.id)
            with tenant_context(tenant.id):
                with mock.patch.dict(catalog_demo.CATALOGS, {template: small_catalogue(template)}):
                    catalog_demo.seed_demo_store(tenant, store, owner)
                themes_demo.seed_demo_store(tenant, store, owner)
                first = db.session.execute(select(Product).order_by(Product.created_at)).scalars().first()
                product_id, query = first.id, first.title
                customer = Customer(mobile="13800138000", nickname=NICKNAME)
                db.session.add(customer)
                db.session.commit()
                customer_id = str(customer.id)
            db.session.remove()
        stores[template] = {"slug": store["slug"], "cookie": _session_cookie(app, store["slug"], {
            SESSION_KEY: {"tenant": tenant_id, "id": customer_id}}), "paths": {
            "home": "/", "category": "/categories", "product": f"/products/{product_id}",
            "search": f"/search?q={quote(query)}", "member": "/member"}}
    with app.app_context():
        db.engine.dispose()
    return stores


def _session_cookie(app, slug: str, values: dict) -> str:
    """The ``Cookie`` header of a store session holding ``values``, signed with the app's secret key."""
    client, host = app.test_client(), f"{slug}.localhost"
    with client.session_transaction(base_url=f"http://{host}") as session:
        session.update(values)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), domain=host)
    return f"{cookie.key}={cookie.value}"


def audit(url: str, keep: Path | None, name: str, cookie: str = "", expect: str = "") -> dict:
    """One Lighthouse run (mobile, the default form factor): scores 0–100 and total KiB. The page is
    fetched once first, so Lighthouse sees it from the render cache, as a store's visitors do; ``cookie``
    (a ``Cookie`` header) is sent with every request of both, and the first fetch must show ``expect``."""
    parts = urlsplit(url)  # the resolver may not know *.localhost (Chromium does): ask 127.0.0.1 with its Host
    warm = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
    headers = {"Cookie": cookie} if cookie else {}
    page = requests.get(warm, headers={"Host": parts.netloc, **headers}, timeout=30)
    page.raise_for_status()
    if expect not in page.text:
        raise SystemExit(f"audit: {name} does not show {expect!r} (was the session cookie refused?)")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        extra = [f"--extra-headers={json.dumps(headers)}"] if headers else []
        subprocess.run([str(lighthouse_bin()), url, "--quiet", "--output=json", f"--output-path={report}",
                        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}", *extra],
                       env={**os.environ, "CHROME_PATH": chrome_path()}, check=True, timeout=300)
        data = json.loads(report.read_text())
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(report, keep / f"{name}.json")
    scores = {c: round((data["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    weight = data["audits"].get("total-byte-weight", {}).get("numericValue", 0)
    return {**scores, "kib": round(weight / 1024)}


def _row(template: str, page: str, row: dict) -> str:
    return (f"{template:<10}{page:<10}{row['performance']:>6}{row['accessibility']:>6}{row['best-practices']:>6}"
            f"{row['seo']:>6}{row['kib']:>7}")


def main() -> None:
    lighthouse_bin(), chrome_path()
    names = templates()
    keep = Path(os.environ["AUDIT_JSON"]) if os.environ.get("AUDIT_JSON") else None
    port = free_port()
    media = tempfile.mkdtemp(prefix="kaidian-audit-media-")
    try:
        with scratch_database() as scratch:
            env = {**scratch.env, "MEDIA_ROOT": media, "PORT": str(port), "PLATFORM_HOST": f"localhost:{port}",
                   "STORE_DOMAIN": "localhost", "REDIS_URL": "", "LOG_JSON": "0"}
            migrate(scratch.env)
            stores = seed(env, names)
            with gunicorn(env, workers=2, port=port):
                print(f"{'template':<10}{'page':<10}{'perf':>6}{'a11y':>6}{'bp':>6}{'seo':>6}{'KiB':>7}", flush=True)
                for template, store in stores.items():
                    for page, path in store["paths"].items():
                        url = f"http://{store['slug']}.localhost:{port}{path}"
                        member = {"cookie": store["cookie"], "expect": NICKNAME} if page == "member" else {}
                        print(_row(template, page, audit(url, keep, f"{template}-{page}", **member)), flush=True)
                print(_row("platform", "landing", audit(f"http://localhost:{port}/", keep, "platform")), flush=True)
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
