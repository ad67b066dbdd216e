"""The suite's one set of test factories: stores, platform admins, staff, categories, groups, products
and images, made through the same services the app uses (a product's SKUs through the catalog's
spec and stock services, so every SKU has its ledger row; images through the media service, so the
files exist in storage). Use these instead of writing model rows by hand.

Two layers: ``create_*`` work inside an app context already acting for the store (a tenant context)
and return model rows; the others take ``(app, tenant_id, …)``, open their own context, commit,
and return ids — the form tests use most.
"""

from __future__ import annotations

import io
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import event

from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role, Tenant
from kaidian.platform.tenancy import tenant_context

PASSWORD = "goodpass123"


# --- stores and people --------------------------------------------------------------------------


@dataclass
class StoreFixture:
    tenant_id: object
    slug: str
    login: str
    password: str
    owner_id: object


def store(app, slug: str, plan: str = "basic", categories=None, login: str | None = None) -> StoreFixture:
    """A store signed up like any merchant (owner, trial, theme set up for its industry)."""
    from kaidian.tenants import services as tenant_services

    login = login or f"{slug}@example.com"
    with app.app_context():
        user, tenant = tenant_services.signup({"login": login, "password": PASSWORD, "store_name": slug.title(),
                                               "slug": slug, "plan": plan, "categories": categories or []})
        result = StoreFixture(tenant.id, slug, login, PASSWORD, user.id)
        db.session.remove()
    return result


def admin(app, login: str = "root@example.com") -> tuple[str, object]:
    """A platform administrator: (login, user id)."""
    from kaidian.platform import accounts

    with app.app_context():
        user = accounts.create_user(login, PASSWORD, platform_admin=True)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return login, user_id


def member(app, store: StoreFixture, login: str, permissions: list[str] | None = None,
           role: Role = Role.STAFF) -> None:
    """A staff member of ``store`` with ``permissions``."""
    from kaidian.platform import accounts

    with app.app_context(), tenant_context(store.tenant_id):
        user = accounts.create_user(login, PASSWORD, display_name=login.split("@")[0].title())
        db.session.flush()
        db.session.add(Membership(tenant_id=store.tenant_id, user_id=user.id, role=role,
                                  permissions=",".join(permissions or [])))
        db.session.commit()
        db.session.remove()


@contextmanager
def in_store(app, tenant_id):
    """An app context acting for one store (as a request or a job would)."""
    with app.app_context(), tenant_context(tenant_id):
        try:
            yield
        finally:
            db.session.remove()


@contextmanager
def one_transaction():
    """Service calls inside share one transaction, committed at the end: their own commits become
    flushes (after-commit work — events, alert mails — runs once, at that commit). For fixtures that
    make many rows, where a commit per row (and reloading everything it expired) is the cost."""
    session = db.session()
    session.commit = session.flush
    try:
        yield
    finally:
        del session.commit
    session.commit()


# --- product bodies (the JSON API's shape, also what ``create_product`` takes) --------------------


def simple(title="Mug", price=1990, stock=5, code=None, **overrides) -> dict:
    body = {"title": title, "skus": [{"price": price, "stock": stock, "code": code}]}
    body.update(overrides)
    return body


def tshirt(**overrides) -> dict:
    """A product with two specs, 2 colours × 2 sizes = 4 SKUs."""
    body = {
        "title": "Cotton T-shirt",
        "subtitle": "Soft",
        "specs": [{"name": "Colour", "values": ["Red", "Blue"]}, {"name": "Size", "values": ["M", "L"]}],
        "skus": [
            {"spec_values": [c, s], "price": 9900, "stock": 10, "code": f"TS-{c}-{s}", "weight_grams": 200}
            for c in ("Red", "Blue") for s in ("M", "L")
        ],
    }
    body.update(overrides)
    return body


def product_body(title: str = "Linen shirt", price: int = 12900, *, original_price=None, stock: int = 10,
                 specs=None, skus=None, category_id=None, group_id=None, status: str = "on_sale",
                 subtitle: str = "", description: str = "", **extra) -> dict:
    """A product body from keyword arguments. ``skus``: (spec values, price, stock) tuples or API
    dicts; without them, one SKU per combination of ``specs`` at ``price`` and ``stock``."""
    from kaidian.catalog import specs as spec_rules

    if skus is None:
        skus = [(list(values), price, stock) for values in spec_rules.combinations(specs or [])]
    entries = [sku if isinstance(sku, dict) else
               {"spec_values": list(sku[0]), "price": sku[1], "stock": sku[2], "original_price": original_price}
               for sku in skus]
    body = {"title": title, "subtitle": subtitle, "description": description, "status": status,
            "specs": specs or [], "skus": entries, "category_id": _str_or_none(category_id),
            "group_ids": [str(group_id)] if group_id is not None else []}
    body.update(extra)
    return body


def _str_or_none(value):
    return None if value is None else str(value)


# --- catalog rows, inside a store's context ---------------------------------------------------------


def create_product(tenant: Tenant | None = None, body: dict | None = None, *, image: bool = False):
    """A product through ``catalog.products.create`` (SKUs and their ``initial`` ledger rows by the
    spec and stock services), optionally with one image through the media service. Commits."""
    from kaidian.catalog import media, products

    tenant = tenant or _current_tenant()
    product = products.create(tenant, body or simple(), None)
    if image:
        media.add_image(product, jpeg(800))
    return product


def create_category(name: str, parent_id=None):
    from kaidian.catalog import taxonomy

    return taxonomy.create_category({"name": name, "parent_id": _str_or_none(parent_id)})


def create_group(name: str):
    from kaidian.catalog import taxonomy

    return taxonomy.create_group({"name": name})


def _current_tenant() -> Tenant:
    from kaidian.platform.tenancy import current_tenant_id

    return db.session.get(Tenant, current_tenant_id())


# --- catalog rows, from a test (own context, ids returned) ------------------------------------------


def product(app, tenant_id, title: str = "Linen shirt", price: int = 12900, *, image: bool = False,
            **fields) -> str:
    """A product of store ``tenant_id`` (see ``product_body`` for the fields); returns its id."""
    with in_store(app, tenant_id):
        row = create_product(db.session.get(Tenant, tenant_id), product_body(title, price, **fields), image=image)
        return str(row.id)


def product_from(app, tenant_id, body: dict, *, image: bool = False) -> str:
    """A product from an API-shaped body (``simple()``, ``tshirt()``); returns its id."""
    with in_store(app, tenant_id):
        return str(create_product(db.session.get(Tenant, tenant_id), body, image=image).id)


def products(app, tenant_id, count: int, **fields) -> list[str]:
    """``count`` products "Product 0" … in one context; returns their ids."""
    with in_store(app, tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        with one_transaction():
            made = [create_product(tenant, product_body(f"Product {i}", **fields)) for i in range(count)]
            return [str(row.id) for row in made]


def category(app, tenant_id, name: str, parent_id=None) -> uuid.UUID:
    with in_store(app, tenant_id):
        return create_category(name, parent_id).id


def group(app, tenant_id, name: str) -> uuid.UUID:
    with in_store(app, tenant_id):
        return create_group(name).id


# --- files ----------------------------------------------------------------------------------------


def jpeg(size: int = 800, colour=(200, 120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def image_bytes(size=(400, 200), fmt="PNG", color="red", **save) -> bytes:
    """A picture whose top half is ``color`` and bottom half blue, in ``fmt``."""
    image = Image.new("RGB", size, color)
    image.paste("blue", (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@contextmanager
def sql_statements(app):
    """The SQL statements the app runs while the block is open (``with sql_statements(app) as seen``)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
