"""Test data for the storefront (catalog rows through tests/factories.py), page documents and
store-host requests."""

from __future__ import annotations

import uuid

from kaidian.catalog.models import Product
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests import factories


def store_get(client, slug: str, path: str = "/", **kwargs):
    headers = {"Host": f"{slug}.localhost", **kwargs.pop("headers", {})}
    return client.get(path, headers=headers, **kwargs)


def add_product(app, tenant_id, title: str = "Linen shirt", price: int = 12900, *, original_price=None, stock=10,
                specs=None, skus=None, category_id=None, group_id=None, image: bool = False, status="on_sale",
                subtitle: str = "", description: str = "") -> str:
    """A product with its SKUs (one per ``skus`` entry: (values, price, stock)), optionally an image,
    made by ``tests.factories.product`` (through the catalog's services)."""
    return factories.product(app, tenant_id, title, price, original_price=original_price, stock=stock, specs=specs,
                             skus=skus, category_id=category_id, group_id=group_id, image=image, status=status,
                             subtitle=subtitle, description=description)


def add_category(app, tenant_id, name: str, parent_id=None):
    return factories.category(app, tenant_id, name, parent_id)


def add_group(app, tenant_id, name: str):
    return factories.group(app, tenant_id, name)


def update_product(app, tenant_id, product_id, **values) -> None:
    with app.app_context(), tenant_context(tenant_id):
        product = db.session.get(Product, (tenant_id, uuid.UUID(str(product_id))))
        for name, value in values.items():
            if name == "price":
                for sku in product.skus:
                    sku.price = value
            else:
                setattr(product, name, value)
        db.session.commit()
        db.session.remove()


def page_of(client, headers, handle: str) -> dict:
    response = client.get(f"/api/v1/pages/{handle}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def save_draft(client, headers, handle: str, document: dict, base_revision: int | None = None):
    if base_revision is None:
        base_revision = page_of(client, headers, handle)["draft_revision"]
    return client.put(f"/api/v1/pages/{handle}/draft", headers=headers,
                      json={"document": document, "base_revision": base_revision})


def publish(client, headers, handle: str, document: dict) -> dict:
    saved = save_draft(client, headers, handle, document)
    assert saved.status_code == 200, saved.get_json()
    response = client.post(f"/api/v1/pages/{handle}/publish", headers=headers, json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def one_section(section_type: str, settings: dict | None = None, blocks: dict | None = None) -> dict:
    section = {"type": section_type, "settings": settings or {}}
    if blocks is not None:
        section["blocks"], section["block_order"] = blocks, list(blocks)
    return {"sections": {"main": section}, "order": ["main"]}


def section_html(page: str, section_id: str) -> str:
    import re

    match = re.search(rf'<section [^>]*data-section-id="{re.escape(section_id)}".*?</section>', page, re.S)
    assert match, f"no section {section_id} on the page"
    return match.group(0)
