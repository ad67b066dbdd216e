"""Test data for the storefront: catalog rows written straight through the models (themes only
reads the catalog), images written to the media storage, and store-host requests."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from kaidian.catalog.models import Category, Group, Product, ProductGroupLink, ProductImage, ProductStatus, Sku
from kaidian.platform.extensions import db
from kaidian.platform.storage import get_storage
from kaidian.platform.tenancy import tenant_context


def store_get(client, slug: str, path: str = "/", **kwargs):
    headers = {"Host": f"{slug}.localhost", **kwargs.pop("headers", {})}
    return client.get(path, headers=headers, **kwargs)


def _jpeg(size: int, colour=(200, 120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def add_product(app, tenant_id, title: str = "Linen shirt", price: int = 12900, *, original_price=None, stock=10,
                specs=None, skus=None, category_id=None, group_id=None, image: bool = False, status="on_sale",
                subtitle: str = "", description: str = "") -> str:
    """A product with its SKUs (one per ``skus`` entry: (values, price, stock)), optionally an image."""
    with app.app_context(), tenant_context(tenant_id):
        product = Product(title=title, subtitle=subtitle, status=ProductStatus(status), specs=specs or [],
                          description=description, category_id=category_id)
        db.session.add(product)
        db.session.flush()
        for position, (values, sku_price, sku_stock) in enumerate(skus or [([], price, stock)]):
            db.session.add(Sku(product_id=product.id, spec_values=values, spec_key="|".join(values), price=sku_price,
                               original_price=original_price, stock=sku_stock, position=position))
        if image:
            _add_image(tenant_id, product.id)
        if group_id is not None:
            db.session.add(ProductGroupLink(product_id=product.id, group_id=group_id))
        db.session.commit()
        product_id = str(product.id)
        db.session.remove()
    return product_id


def _add_image(tenant_id, product_id) -> None:
    storage = get_storage()
    stem = f"t/{tenant_id}/products/{uuid.uuid4().hex}"
    storage.save(f"{stem}.jpg", _jpeg(800), "image/jpeg")
    storage.save(f"{stem}_t.jpg", _jpeg(240), "image/jpeg")
    db.session.add(ProductImage(product_id=product_id, position=0, original_key=f"{stem}.jpg", image_key=f"{stem}.jpg",
                                thumb_key=f"{stem}_t.jpg", width=800, height=800))


def add_category(app, tenant_id, name: str, parent_id=None) -> str:
    with app.app_context(), tenant_context(tenant_id):
        row = Category(name=name, parent_id=parent_id)
        db.session.add(row)
        db.session.commit()
        category_id = row.id
        db.session.remove()
    return category_id


def add_group(app, tenant_id, name: str) -> str:
    with app.app_context(), tenant_context(tenant_id):
        row = Group(name=name)
        db.session.add(row)
        db.session.commit()
        group_id = row.id
        db.session.remove()
    return group_id


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
